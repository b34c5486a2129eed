//! A plan as a card: the plans page and the wizard's plan step.

use crate::components::format::number;
use crate::components::IsolationBadge;
use crate::model::plan::{plan_allocations, resource_label};
use crate::model::Plan;
use leptos::prelude::*;

/// A plan as a card: price, isolation, limits and features. Used on the plans page and in the wizard.
#[component]
pub fn PlanCard(plan: Plan, #[prop(default = None)] action: Option<AnyView>) -> impl IntoView {
    view! {
        <article class="card plan-card" aria-label=format!("{} plan", plan.name)>
            <header class="plan-head">
                <h3>{plan.name.clone()}</h3>
                <span class="plan-price">{plan.price_label()}</span>
            </header>
            <p class="muted">{plan.description.clone()}</p>
            <p><IsolationBadge isolation=plan.default_isolation/></p>
            <dl class="plan-limits">
                {plan_allocations(&plan).into_iter().map(|(r, n)| view! {
                    <div><dt>{resource_label(r)}</dt><dd>{number(n)}</dd></div>
                }).collect_view()}
            </dl>
            <ul class="features">
                {plan.features.iter().map(|f| view! { <li>{f.replace('_', " ")}</li> }).collect_view()}
            </ul>
            {action}
        </article>
    }
}
