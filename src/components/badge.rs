//! Status, plan and isolation badges.

use crate::model::{Isolation, TenantStatus};
use leptos::prelude::*;

#[component]
pub fn StatusBadge(status: TenantStatus) -> impl IntoView {
    view! { <span class=format!("badge badge-{}", status.as_str())>{status.label()}</span> }
}

#[component]
pub fn PlanBadge(#[prop(into)] plan: String) -> impl IntoView {
    view! { <span class="badge badge-plan">{crate::components::format::title_case(&plan)}</span> }
}

#[component]
pub fn IsolationBadge(isolation: Isolation) -> impl IntoView {
    let text = match isolation {
        Isolation::Schema => "Schema",
        Isolation::Row => "Row-level",
    };
    view! { <span class=format!("badge badge-{}", isolation.as_str()) title=isolation.label()>{text}</span> }
}
