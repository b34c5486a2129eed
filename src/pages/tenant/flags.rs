//! The Feature flags card of a tenant's Settings tab (PRODUCT.md C3): each flag on or off
//! and why; platform administrators choose plan default, on or off for the tenant. The
//! kill switches are on the Plans page.

use crate::components::*;
use crate::fns::flags::{get_tenant_flags, SetTenantFlag};
use crate::model::flags::{FlagOverride, FlagReason, FlagState};
use crate::model::Tenant;
use leptos::prelude::*;

/// The tenant's flags; `admin` may override them.
#[component]
pub fn TenantFlagsCard(t: Tenant, admin: bool) -> AnyView {
    let tenant = t.id;
    let editable = admin && t.status.is_live();
    let set = ServerAction::<SetTenantFlag>::new();
    let refresh = Refresh::new();
    after(set).refresh(refresh).toast(|f: FlagState| {
        format!("{} is now {} for this tenant ({}).", f.flag, if f.enabled { "on" } else { "off" }, f.reason.label())
            .into()
    });
    let flags = resource(move || refresh.track(), move |_| get_tenant_flags(tenant));
    let plan = t.plan.clone();
    view! {
        <section class="card" aria-labelledby="flags-title" data-testid="flags">
            <div class="card-header"><h2 class="card-title" id="flags-title">"Feature flags"</h2></div>
            <p class="hint card-lead">
                {format!("The {plan} plan decides each flag; ")}
                "an override turns one on or off for this tenant, and a kill switch turns one off for every tenant."
                {(!admin).then_some(" Platform administrators change them.")}
            </p>
            <Transition fallback=|| view! { <Loading text="Loading flags…"/> }>
                {move || Suspend::new(async move {
                    match flags.await {
                        Ok(list) => view! {
                            <ul class="flag-list">
                                {list.into_iter().map(|f| view! { <FlagRow f tenant editable set/> }).collect_view()}
                            </ul>
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
fn FlagRow(f: FlagState, tenant: uuid::Uuid, editable: bool, set: ServerAction<SetTenantFlag>) -> AnyView {
    let why = match (f.reason, f.enabled) {
        (FlagReason::KillSwitch, _) => "Switched off for every tenant".to_string(),
        (FlagReason::TenantOverride, on) => format!("Overridden {}", if on { "on" } else { "off" }),
        (FlagReason::PlanDefault, true) => "The plan includes it".to_string(),
        (FlagReason::PlanDefault, false) => "Not in the plan".to_string(),
    };
    let why = match &f.note {
        Some(n) => format!("{why}: {n}"),
        None => why,
    };
    let pending = set.pending();
    let choices = [(None, "Plan default"), (Some(true), "On"), (Some(false), "Off")].map(|(choice, label)| {
        let flag = f.flag.clone();
        let current = f.override_enabled == choice;
        view! {
            <button type="button" class="tab" aria-pressed=current.to_string() disabled=move || !editable || pending.get()
                on:click=move |_| if !current {
                    let set_to = choice.map(|enabled| FlagOverride { enabled, reason: String::new() });
                    set.dispatch(SetTenantFlag { tenant, flag: flag.clone(), set: set_to });
                }>
                {label}
            </button>
        }
    });
    let label = format!("{}: {}", f.flag, if f.enabled { "on" } else { "off" });
    view! {
        <li class="flag-row" data-testid=format!("flag-{}", f.flag)>
            <div class="flag-name">
                <span class="mono">{f.flag.clone()}</span>
                <span class="hint">{f.description.clone()}</span>
            </div>
            <span class=if f.enabled { "badge badge-active" } else { "badge" } aria-label=label>
                {if f.enabled { "On" } else { "Off" }}
            </span>
            <span class="hint flag-why">{why}</span>
            {editable.then(|| view! { <div class="segmented" role="group" aria-label=format!("{} for this tenant", f.flag)>{choices}</div> })}
        </li>
    }
    .into_any()
}
