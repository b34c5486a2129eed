//! Plans (PRODUCT.md P2): what each plan gives a tenant and costs; platform admins edit
//! them (the same rules run here and on the server). Limits apply to tenants provisioned
//! afterwards; a plan's features change for its tenants at once. Below the plans, the
//! feature flags' kill switches (PRODUCT.md C3).

use crate::components::format::time;
use crate::components::*;
use crate::error::FieldErrors;
use crate::fns::flags::{get_flag_catalog, SetKillSwitch};
use crate::fns::tenants::get_catalog;
use crate::fns::workflows::UpdatePlan;
use crate::model::flags::{FlagInfo, KillSwitch};
use crate::model::plan::{plan_allocations, resource_label};
use crate::model::{Isolation, Plan};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn PlansPage() -> impl IntoView {
    let save = ServerAction::<UpdatePlan>::new();
    let catalog = resource(move || save.version().get(), |_| get_catalog());
    let query = use_query_map();
    let editing = Memo::new(move |_| query.read().get("edit"));
    let session = use_session();
    let toasts = use_toasts();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(p)) => toasts.success(format!("Saved the {} plan.", p.name)),
        Some(Err(e)) if e.fields().is_empty() => toasts.error(e.to_string()),
        _ => {}
    });
    view! {
        <Title text="Plans"/>
        <header class="page-header">
            <div>
                <h1>"Plans"</h1>
                <p class="subtitle">"Limits, features, isolation and price. Limits and isolation apply to tenants provisioned afterwards; a plan's features change for its tenants at once."</p>
            </div>
        </header>
        <Suspense fallback=|| view! { <Loading text="Loading plans…"/> }>
            {move || Suspend::new(async move {
                let admin = session.load().await.is_some_and(|m| m.is_platform_admin);
                match catalog.await {
                    Ok(c) => {
                        let edit = editing.get();
                        view! {
                            <div class="plan-grid">
                                {c.plans.into_iter().map(|p| {
                                    if admin && edit.as_deref() == Some(p.id.as_str()) {
                                        view! { <PlanForm plan=p save/> }.into_any()
                                    } else {
                                        view! { <PlanCard plan=p.clone() action=admin.then(|| view! {
                                            <a class="btn btn-sm" href=format!("/plans?edit={}", p.id)>"Edit"</a>
                                        }.into_any())/> }.into_any()
                                    }
                                }).collect_view()}
                            </div>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                session.load().await.is_some_and(|m| m.is_platform_admin).then(|| view! { <KillSwitches/> })
            })}
        </Suspense>
    }
}

#[component]
fn PlanForm(plan: Plan, save: ServerAction<UpdatePlan>) -> impl IntoView {
    let name = RwSignal::new(plan.name.clone());
    let description = RwSignal::new(plan.description.clone());
    let price = RwSignal::new(format!("{:.2}", plan.monthly_price_cents as f64 / 100.0));
    let isolation = RwSignal::new(plan.default_isolation.as_str().to_string());
    let features = RwSignal::new(plan.features.join(", "));
    let limits: Vec<(&'static str, RwSignal<String>)> =
        plan_allocations(&plan).into_iter().map(|(r, n)| (r, RwSignal::new(n.to_string()))).collect();
    let local = RwSignal::new(FieldErrors::new());
    let error = field_errors(local, move || match save.value().get() {
        Some(Err(e)) => Some(e),
        _ => None,
    });
    let base = plan.clone();
    let limits_for_submit = limits.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut p = base.clone();
        let mut errors = FieldErrors::new();
        p.name = name.get_untracked();
        p.description = description.get_untracked();
        match price.get_untracked().trim().trim_start_matches('$').parse::<f64>() {
            Ok(v) if v.is_finite() => p.monthly_price_cents = (v * 100.0).round() as i64,
            _ => {
                errors.insert("monthly_price_cents".into(), "Enter a price such as 29 or 29.90.".into());
            }
        }
        p.default_isolation = Isolation::parse(&isolation.get_untracked()).unwrap_or(p.default_isolation);
        p.features =
            features.get_untracked().split(',').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect();
        for (r, v) in &limits_for_submit {
            let n = v.get_untracked().trim().replace(',', "").parse::<i64>().unwrap_or(-1);
            match *r {
                "users" => p.max_users = n,
                "storage_gb" => p.storage_gb = n,
                "bandwidth_gb" => p.bandwidth_gb = n,
                "api_calls_per_month" => p.api_calls_per_month = n,
                "custom_domains" => p.custom_domains = n,
                _ => p.projects = n,
            }
        }
        errors.extend(p.check());
        let errors: FieldErrors =
            errors.into_iter().map(|(k, v)| (if k == "max_users" { "users".to_string() } else { k }, v)).collect();
        local.set(errors.clone());
        if errors.is_empty() {
            save.dispatch(UpdatePlan { plan: p });
        }
    };
    let pending = save.pending();
    view! {
        <section class="card plan-card editing" aria-label=format!("Edit the {} plan", plan.name)>
            <form class="form" on:submit=submit novalidate>
                <TextField label="Name" id="name" value=name error=error("name") required=true/>
                <TextField label="Description" id="description" value=description error=error("description")/>
                <div class="field-row">
                    <TextField label="Price per month (USD)" id="monthly_price_cents" value=price error=error("monthly_price_cents")/>
                    <div class="field">
                        <label for="isolation">"Default isolation"</label>
                        <select id="isolation" on:change=move |ev| isolation.set(event_target_value(&ev))>
                            {Isolation::ALL.iter().map(|i| {
                                let v = i.as_str();
                                view! { <option value=v selected=move || isolation.get() == v>{i.label()}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <div class="field-grid">
                    {limits.into_iter().map(|(r, v)| view! {
                        <TextField label=resource_label(r) id=r value=v error=error(r)/>
                    }).collect_view()}
                </div>
                <TextField label="Features" id="features" value=features error=error("features") hint="Comma-separated keys, e.g. api_access, webhooks"/>
                <div class="form-actions">
                    <a class="btn btn-ghost" href="/plans">"Cancel"</a>
                    <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                        <Busy when=pending/>
                        "Save plan"
                    </button>
                </div>
            </form>
        </section>
    }
}

/// Every flag's kill switch (platform administrators).
#[component]
pub fn KillSwitches() -> AnyView {
    let set = ServerAction::<SetKillSwitch>::new();
    let refresh = Refresh::new();
    after(set).refresh(refresh).toast(|f: FlagInfo| {
        if f.killed {
            format!("{} is off for every tenant.", f.flag)
        } else {
            format!("{} follows plans and overrides again.", f.flag)
        }
        .into()
    });
    let catalog = resource(move || refresh.track(), |_| get_flag_catalog());
    view! {
        <section class="card" aria-labelledby="kill-title" data-testid="kill-switches">
            <div class="card-header"><h2 class="card-title" id="kill-title">"Feature flags"</h2></div>
            <p class="hint card-lead">
                "Plans decide which flags their tenants have, and tenants may have overrides. A kill switch turns a flag off \
                 for every tenant at once, whatever the plans and overrides say; switched back on, they decide again."
            </p>
            <Transition fallback=|| view! { <Loading text="Loading flags…"/> }>
                {move || Suspend::new(async move {
                    match catalog.await {
                        Ok(list) => view! {
                            <ul class="flag-list">{list.into_iter().map(|f| view! { <KillRow f set/> }).collect_view()}</ul>
                        }
                        .into_any(),
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn KillRow(f: FlagInfo, set: ServerAction<SetKillSwitch>) -> AnyView {
    let reason = RwSignal::new(String::new());
    let pending = set.pending();
    let flag = f.flag.clone();
    let plans = if f.plans.is_empty() { "no plan".to_string() } else { f.plans.join(", ") };
    let about = format!("In {plans} · {} tenant override{}", f.overrides, if f.overrides == 1 { "" } else { "s" });
    let id = format!("kill-{}", f.flag);
    let control = if f.killed {
        let said = format!(
            "Off everywhere since {} by {}: {}",
            f.killed_at.as_ref().map(time).unwrap_or_default(),
            f.killed_by.clone().unwrap_or_default(),
            f.killed_reason.clone().unwrap_or_default()
        );
        view! {
            <span class="badge badge-failed">"Killed"</span>
            <span class="hint flag-why">{said}</span>
            <button type="button" class="btn btn-sm" disabled=move || pending.get()
                on:click=move |_| { set.dispatch(SetKillSwitch { flag: flag.clone(), set: KillSwitch { killed: false, reason: String::new() } }); }>
                "Switch back on"
            </button>
        }
        .into_any()
    } else {
        view! {
            <form class="kill-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                set.dispatch(SetKillSwitch { flag: flag.clone(), set: KillSwitch { killed: true, reason: reason.get_untracked() } });
            }>
                <label class="sr-only" for=id.clone()>{format!("Why switch {} off everywhere", f.flag)}</label>
                <input id=id.clone() type="text" maxlength="500" placeholder="Why (kept in the audit trail)" prop:value=move || reason.get()
                    on:input=move |ev| reason.set(event_target_value(&ev))/>
                <button type="submit" class="btn btn-sm btn-danger" disabled=move || pending.get() || reason.get().trim().is_empty()>
                    "Switch off everywhere"
                </button>
            </form>
        }
        .into_any()
    };
    view! {
        <li class="flag-row" data-testid=format!("kill-{}", f.flag)>
            <div class="flag-name">
                <span class="mono">{f.flag.clone()}</span>
                <span class="hint">{f.description.clone()}</span>
                <span class="hint">{about}</span>
            </div>
            {control}
        </li>
    }
    .into_any()
}
