//! Auto-scaling policies on the Resources tab (PRODUCT.md R4): each policy's condition and
//! action with where it stands, switches for enabled and shadow mode, a try-out on the
//! last 30 days, a form to add one, and the latest decisions.

use crate::components::format::time;
use crate::components::*;
use crate::fns::policies::{get_policies, CreatePolicy, DeletePolicy, SimulatePolicy, SwitchPolicy};
use crate::model::policy::*;
use leptos::prelude::*;
use uuid::Uuid;

type Choice = crate::fns::policies::Choice;

/// Outside the tab's own refresh, so an open form keeps what was typed while the table
/// refreshes.
#[component]
pub fn PoliciesCard(tenant: Uuid, can_manage: bool, auto: AutoRefresh) -> AnyView {
    let saved = Refresh::new();
    let data = resource(move || (auto.track(), saved.track()), move |_| get_policies(tenant));
    // The form's resource choices, loaded once.
    let choices = resource(|| (), move |_| get_policies(tenant));
    view! {
        <section class="card stack" aria-labelledby="policies-title" data-testid="policies">
            <div class="card-header">
                <h2 class="card-title" id="policies-title">"Auto-scaling policies"</h2>
            </div>
            <p class="hint">
                "Evaluated every 30 seconds. When the condition holds long enough, the policy scales the allocation \
                 within its bounds (soft and hard limits keep their proportion), then waits out its cooldown. \
                 Shadow mode only logs what it would do."
            </p>
            <Transition fallback=|| view! { <Loading text="Loading policies…"/> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => {
                            let names = StoredValue::new(v.resources.clone());
                            view! { <PolicyTable v tenant can_manage saved names/> }.into_any()
                        }
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Transition>
            {can_manage.then(|| view! {
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        choices.await.ok().map(|v| view! { <PolicyForm tenant resources=v.resources saved/> })
                    })}
                </Suspense>
            })}
        </section>
    }
    .into_any()
}

fn resource_name(names: StoredValue<Vec<Choice>>, id: &str) -> String {
    names.with_value(|n| n.iter().find(|c| c.0 == id).map(|c| c.1.clone()).unwrap_or_else(|| id.to_string()))
}

#[component]
fn PolicyTable(
    v: crate::fns::policies::PoliciesView,
    tenant: Uuid,
    can_manage: bool,
    saved: Refresh,
    names: StoredValue<Vec<Choice>>,
) -> AnyView {
    let switch = ServerAction::<SwitchPolicy>::new();
    after(switch).refresh(saved).toast(|p| format!("Policy \u{201c}{}\u{201d} saved.", p.spec.name).into());
    let delete = ServerAction::<DeletePolicy>::new();
    after(delete).refresh(saved).toast(|()| "Policy deleted.".into());
    let simulate = ServerAction::<SimulatePolicy>::new();
    let specs = StoredValue::new(v.policies.iter().map(|p| (p.id, p.spec.clone())).collect::<Vec<_>>());
    let none = v.policies.is_empty();
    let rows = v
        .policies
        .into_iter()
        .map(|p| {
            let state = match (p.spec.enabled, p.spec.shadow) {
                (false, _) => ("badge badge-neutral", "off"),
                (true, true) => ("badge badge-pending", "shadow"),
                (true, false) => ("badge badge-active", "on"),
            };
            let last = p.state.last_outcome.map(|o| o.label()).unwrap_or("—");
            let holding = p.state.holding_since.map(|t| format!("holding since {}", t.format("%b %-d, %H:%M")));
            let (id, enabled, shadow) = (p.id, p.spec.enabled, p.spec.shadow);
            let hidden = move |enabled: bool, shadow: bool| view! {
                <input type="hidden" name="tenant" value=tenant.to_string()/>
                <input type="hidden" name="policy" value=id.to_string()/>
                <input type="hidden" name="enabled" value=enabled.to_string()/>
                <input type="hidden" name="shadow" value=shadow.to_string()/>
            };
            view! {
                <tr data-policy=p.id>
                    <td class="policy-name"><strong>{p.spec.name.clone()}</strong></td>
                    <td>{resource_name(names, &p.spec.resource)}</td>
                    <td>{p.spec.condition()}</td>
                    <td>{p.spec.consequence()}</td>
                    <td>{duration(p.spec.cooldown_secs)}</td>
                    <td><span class=state.0>{state.1}</span></td>
                    <td>{last}{holding.map(|h| view! { <span class="muted">{format!(" · {h}")}</span> })}</td>
                    <td class="row-actions">
                        <ActionForm action=simulate>
                            <input type="hidden" name="tenant" value=tenant.to_string()/>
                            <input type="hidden" name="policy" value=id.to_string()/>
                            <button class="btn btn-sm" type="submit" disabled=move || simulate.pending().get()>"Try on 30 days"</button>
                        </ActionForm>
                        {can_manage.then(|| view! {
                            <ActionForm action=switch>
                                {hidden(!enabled, shadow)}
                                <button class="btn btn-sm" type="submit">{if enabled { "Turn off" } else { "Turn on" }}</button>
                            </ActionForm>
                            <ActionForm action=switch>
                                {hidden(enabled, !shadow)}
                                <button class="btn btn-sm" type="submit">{if shadow { "Leave shadow" } else { "Shadow" }}</button>
                            </ActionForm>
                            <ActionForm action=delete>
                                <input type="hidden" name="tenant" value=tenant.to_string()/>
                                <input type="hidden" name="policy" value=id.to_string()/>
                                <button class="btn btn-sm btn-danger" type="submit"
                                    aria-label=format!("Delete policy {}", p.spec.name)>"Delete"</button>
                            </ActionForm>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let spec_of = move |id: i64| specs.with_value(|n| n.iter().find(|(p, _)| *p == id).map(|(_, s)| s.clone()));
    let name_of = move |id: i64| spec_of(id).map(|s| s.name).unwrap_or_default();
    let show = move |id: i64, v: f64| spec_of(id).map(|s| s.show(v)).unwrap_or_else(|| format!("{v:.1}"));
    let decisions = v.decisions;
    let no_decisions = decisions.is_empty();
    let decision_rows = decisions
        .into_iter()
        .map(|d| {
            let n = crate::model::units::number;
            let alloc = match d.allocated_after {
                Some(a) => format!("{} → {}", n(d.allocated_before), n(a)),
                None => n(d.allocated_before),
            };
            view! {
                <tr>
                    <td><time datetime=d.at.to_rfc3339()>{time(&d.at)}</time></td>
                    <td>{name_of(d.policy_id)}</td>
                    <td class="num">{show(d.policy_id, d.value)}</td>
                    <td class="num">{alloc}</td>
                    <td>{d.outcome.label()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table" aria-label="Policies">
                <thead><tr>
                    <th>"Name"</th><th>"Resource"</th><th>"When"</th><th>"Then"</th><th>"Cooldown"</th>
                    <th>"State"</th><th>"Last decision"</th><th><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {none.then(|| view! { <p class="muted">"No policies yet: allocations change only by hand."</p> })}
        <SimulationResult simulate name_of/>
        <h3 class="subsection-title">"Latest decisions"</h3>
        {if no_decisions {
            view! { <p class="muted">"No decisions yet."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table" aria-label="Latest decisions">
                        <thead><tr>
                            <th>"When"</th><th>"Policy"</th><th class="num">"Value"</th><th class="num">"Allocation"</th><th>"Outcome"</th>
                        </tr></thead>
                        <tbody>{decision_rows}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
    .into_any()
}

/// The answer of the last "Try on 30 days".
#[component]
fn SimulationResult(
    simulate: ServerAction<SimulatePolicy>,
    name_of: impl Fn(i64) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        let pending = simulate.pending().get();
        match simulate.value().get() {
            _ if pending => view! { <Loading text="Replaying the last 30 days…"/> }.into_any(),
            None => ().into_any(),
            Some(Err(e)) => view! { <ErrorAlert error=e/> }.into_any(),
            Some(Ok(s)) => {
                let span = match (s.from, s.to) {
                    (Some(f), Some(t)) => format!("{} to {}", time(&f), time(&t)),
                    _ => "no data in the last 30 days".into(),
                };
                let summary = format!(
                    "\u{201c}{}\u{201d} over {} hourly points ({span}): {} action{}, allocation {} → {}.",
                    name_of(s.policy_id),
                    s.points,
                    s.actions,
                    if s.actions == 1 { "" } else { "s" },
                    s.allocated_start,
                    s.allocated_end
                );
                let items = s
                    .decisions
                    .iter()
                    .map(|d| {
                        let alloc = d.allocated_after.map(|a| format!(" ({} → {a})", d.allocated_before)).unwrap_or_default();
                        view! { <li>{format!("{}: {}{alloc}, value {:.1}", time(&d.at), d.outcome.label(), d.value)}</li> }
                    })
                    .collect_view();
                view! {
                    <div class="simulation" role="status" data-testid="simulation">
                        <p><strong>"What it would have done. "</strong>{summary}</p>
                        <ul class="simulation-list">{items}</ul>
                    </div>
                }
                .into_any()
            }
        }
    }
}

/// Adds a policy; inside a disclosure so the card stays calm.
#[component]
fn PolicyForm(tenant: Uuid, resources: Vec<Choice>, saved: Refresh) -> AnyView {
    let create = ServerAction::<CreatePolicy>::new();
    after(create)
        .refresh(saved)
        .fields_in_form()
        .toast(|p| format!("Policy \u{201c}{}\u{201d} added.", p.spec.name).into());
    let err = move |f: &'static str| {
        Signal::derive(move || match create.value().get() {
            Some(Err(e)) => e.field(f),
            _ => None,
        })
    };
    let text = move |f: &'static str, label: &'static str, value: &'static str, hint: &'static str| {
        let id = format!("policy-{f}");
        let e = err(f);
        let eid = format!("{id}-error");
        view! {
            <div class="field">
                <label class="label" for=id.clone()>{label}</label>
                <input id=id class="input" name=format!("form[{f}]") value=value inputmode="decimal"
                    aria-invalid=move || e.get().is_some().to_string() aria-describedby=eid.clone()/>
                {(!hint.is_empty()).then(|| view! { <span class="hint">{hint}</span> })}
                <FieldError message=e id=eid/>
            </div>
        }
    };
    let select = move |f: &'static str, label: &'static str, options: Vec<(String, String)>| {
        let id = format!("policy-{f}");
        let e = err(f);
        let eid = format!("{id}-error");
        view! {
            <div class="field">
                <label class="label" for=id.clone()>{label}</label>
                <select id=id name=format!("form[{f}]") aria-describedby=eid.clone()>
                    {options.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                </select>
                <FieldError message=e id=eid/>
            </div>
        }
    };
    let o = |pairs: &[(&str, &str)]| pairs.iter().map(|(v, l)| (v.to_string(), l.to_string())).collect::<Vec<_>>();
    let resource_options = resources.into_iter().map(|(id, name, _)| (id, name)).collect();
    let name_err = err("name");
    view! {
        <details class="policy-form">
            <summary class="btn btn-sm">"Add a policy…"</summary>
            <ActionForm action=create attr:class="stack">
                <input type="hidden" name="tenant" value=tenant.to_string()/>
                <div class="grid grid-3">
                    <div class="field">
                        <label class="label" for="policy-name">"Name"</label>
                        <input id="policy-name" class="input" name="form[name]" required maxlength="80"
                            placeholder="e.g. Grow storage before it fills"
                            aria-invalid=move || name_err.get().is_some().to_string() aria-describedby="policy-name-error"/>
                        <FieldError message=name_err id="policy-name-error"/>
                    </div>
                    {select("resource", "Resource", resource_options)}
                    {select("metric", "Looks at", o(&[("utilization", "Use as % of the allocation"), ("used", "Use itself")]))}
                    {select("operator", "Compared", o(&[("gte", "at or above"), ("gt", "above"), ("lte", "at or below"), ("lt", "below")]))}
                    {text("threshold", "Threshold", "80", "Percent, or the resource's unit.")}
                    {text("for_minutes", "For (minutes)", "10", "How long it must hold.")}
                    {select("action", "Then", o(&[("scale_by_factor", "Scale by a factor"), ("scale_by_step", "Scale by a step"), ("notify", "Only notify")]))}
                    {text("amount", "Factor or step", "1.5", "1.5 grows by half; a step of −5 shrinks by 5.")}
                    {text("cooldown_minutes", "Cooldown (minutes)", "60", "Wait after acting.")}
                    {text("min_allocated", "Minimum allocation", "1", "")}
                    {text("max_allocated", "Maximum allocation", "100", "Within the plan unless you are a platform administrator.")}
                    <div class="field">
                        <span class="label">"Mode"</span>
                        <label class="checkbox"><input type="checkbox" name="form[shadow]" value="on"/>" Shadow: only log what it would do"</label>
                    </div>
                </div>
                <div>
                    <button class="btn btn-primary btn-sm" type="submit" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { "Adding…" } else { "Add policy" }}
                    </button>
                </div>
            </ActionForm>
        </details>
    }
    .into_any()
}
