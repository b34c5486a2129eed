//! Status, plan and isolation badges.

use crate::model::monitoring::CheckState;
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

/// The badge classes of a health check's state: its colour (the badge's text names the
/// state, so colour is never the only sign).
pub fn health_class(s: CheckState) -> &'static str {
    match s {
        CheckState::Up => "badge badge-active",
        CheckState::Degraded => "badge badge-warning",
        CheckState::Down => "badge badge-failed",
        CheckState::Pending => "badge badge-pending",
    }
}

/// A health check's state: colour and word, with `data-state` for styles and tests.
#[component]
pub fn HealthBadge(state: CheckState, #[prop(optional)] testid: Option<&'static str>) -> impl IntoView {
    view! { <span class=health_class(state) data-state=state.as_str() data-testid=testid>{state.label()}</span> }
}
