//! Changing a tenant's plan from its Overview (PRODUCT.md P5), for platform
//! administrators: a plan select, a confirmation reached by a link
//! (`?change_plan=<plan>`, so it works without JavaScript), the refusal of a change that
//! doesn't fit shown in the dialog, and the run followed live (`?plan_run=<run id>`)
//! with the workflow card provisioning uses.

use crate::components::*;
use crate::fns::tenants::{get_catalog, ChangePlan};
use crate::fns::workflows::get_workflow;
use crate::model::{Plan, Tenant, TenantStatus, WorkflowRun};
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use std::time::Duration;
use uuid::Uuid;

#[component]
pub fn PlanChangeCard(t: Tenant) -> impl IntoView {
    let query = use_query_map();
    let catalog = resource(|| (), |_| get_catalog());
    let act = ServerAction::<ChangePlan>::new();
    after(act)
        .close(|r: &WorkflowRun| format!("/tenants/{}?plan_run={}", r.tenant_slug, r.id))
        .fields_in_form()
        .toast(|r| format!("The plan change of {} is under way.", r.tenant_name).into());
    let run = Memo::new(move |_| query.read().get("plan_run").and_then(|id| Uuid::parse_str(&id).ok()));
    let asked = Memo::new(move |_| query.read().get("change_plan"));
    let back = format!("/tenants/{}", t.slug);
    let active = t.status == TenantStatus::Active;
    let current = t.plan.clone();
    let dialog_plan = t.plan.clone();
    let dialog_tenant = t.clone();
    view! {
        <section class="card stack" aria-labelledby="plan-change-title">
            <div class="card-header"><h2 class="card-title" id="plan-change-title">"Change plan"</h2></div>
            <Transition fallback=|| view! { <Loading text="Loading plans…"/> }>
                {
                    let (back, current) = (back.clone(), current.clone());
                    move || {
                        let (back, current) = (back.clone(), current.clone());
                        Suspend::new(async move {
                            match catalog.await {
                                Ok(c) => view! { <PlanSelect plans=c.plans current back active/> }.into_any(),
                                Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                            }
                        })
                    }
                }
            </Transition>
            {move || run.get().map(|id| view! { <LiveRun id/> })}
        </section>
        // In a Transition, so the server renders the dialog too (a `?change_plan=` address
        // loaded directly hydrates the same markup).
        <Transition fallback=|| ()>
            {move || {
                let (t, current) = (dialog_tenant.clone(), dialog_plan.clone());
                let wanted = asked.get();
                Suspend::new(async move {
                    let plans = catalog.await.map(|c| c.plans).unwrap_or_default();
                    wanted
                        .and_then(|p| plans.into_iter().find(|x| x.id == p))
                        .filter(|p| p.id != current && active)
                        .map(|plan| view! { <ConfirmPlanChange t plan act/> })
                })
            }}
        </Transition>
    }
}

/// The select: a GET form to the page with `?change_plan=<plan>` (the confirmation).
#[component]
fn PlanSelect(plans: Vec<Plan>, current: String, back: String, active: bool) -> impl IntoView {
    let options = plans
        .into_iter()
        .filter(|p| p.id != current)
        .map(|p| view! { <option value=p.id.clone()>{format!("{} ({})", p.name, p.price_label())}</option> })
        .collect_view();
    view! {
        // The router's Form: with JavaScript the confirmation opens without a page load;
        // without it, this is the plain GET form it renders.
        <Form method="get" action=back attr:class="row">
            <label for="change-plan">"Move to"</label>
            <select id="change-plan" name="change_plan" disabled=!active>{options}</select>
            <button class="btn" type="submit" disabled=!active>"Change plan…"</button>
        </Form>
        <p class="hint">
            {if active {
                "The tenant's current use must fit the new plan. Its allocations become the plan's amounts and its features the plan's features; if a step fails, everything is put back as it was."
            } else {
                "Only an active tenant can change plan."
            }}
        </p>
    }
}

#[component]
fn ConfirmPlanChange(t: Tenant, plan: Plan, act: ServerAction<ChangePlan>) -> impl IntoView {
    let back = format!("/tenants/{}", t.slug);
    // A refusal that names resources (or the plan field) is shown here; others are toasts.
    let refusal = move || match act.value().get() {
        Some(Err(e)) if !e.fields().is_empty() => Some(view! { <ErrorAlert error=e/> }),
        _ => None,
    };
    view! {
        <ConfirmDialog title=format!("Move {} to the {} plan?", t.name, plan.name) cancel_href=back.clone()>
            <ActionForm action=act>
                <div class="modal-body" id="confirm-text">
                    <p>{format!(
                        "{} moves from the {} plan to {} ({}). Its allocations become the plan's amounts and its features the plan's features. A downgrade is refused if current use doesn't fit.",
                        t.name, t.plan, plan.name, plan.price_label()
                    )}</p>
                    <input type="hidden" name="tenant" value=t.id.to_string()/>
                    <input type="hidden" name="plan" value=plan.id.clone()/>
                    {refusal}
                </div>
                <ConfirmButtons cancel_href=back label="Change plan" pending=act.pending()/>
            </ActionForm>
        </ConfirmDialog>
    }
}

/// One run, refreshed every 2 s until it ends; then the tenant (plan, features) reloads.
#[component]
fn LiveRun(id: Uuid) -> impl IntoView {
    let live = RwSignal::new(false);
    let tick = use_live(live.into(), Duration::from_secs(2));
    let run = resource(move || tick.get(), move |_| get_workflow(id));
    let settled = use_tenant_refresh();
    // The tenant (plan, features, allocations) reloads once when the run is seen settled,
    // also when it had finished by the first look (a quick run); the reload rebuilds this
    // card, and `settled_run` keeps the rebuilt one from reloading again.
    Effect::new(move |_| {
        let Some(Ok(r)) = run.get() else { return };
        let open = r.status.is_open();
        live.set(open);
        if let Some(t) = settled.filter(|t| !open && t.settled_run.get_untracked() != Some(id)) {
            t.settled_run.set(Some(id));
            t.refresh.bump();
        }
    });
    view! {
        <div aria-live="polite">
            <Transition fallback=|| view! { <Loading text="Loading the plan change…"/> }>
                {move || Suspend::new(async move {
                    match run.await {
                        Ok(run) => view! { <RunCard run/> }.into_any(),
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
