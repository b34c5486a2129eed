//! The tenant template panel (PRODUCT.md I2): the newest version, how many schema tenants
//! are at each version, and roll-outs with live progress; platform admins start one.

use crate::components::format::{number, opt_time, time};
use crate::components::*;
use crate::fns::workflows::{get_template_status, StartTemplateRollout};
use leptos::prelude::*;
use std::time::Duration;

#[component]
pub fn TemplatePanel() -> impl IntoView {
    let start = ServerAction::<StartTemplateRollout>::new();
    let live = RwSignal::new(false);
    let tick = use_live(live.into(), Duration::from_secs(1));
    let status = resource(move || (tick.get(), start.version().get()), |_| get_template_status());
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(s)) = status.get() {
            live.set(s.rollouts.iter().any(|r| r.status == "running"));
        }
    });
    Effect::new(move |_| match start.value().get() {
        Some(Ok(r)) => {
            toasts.success(format!("Rolling template version {} out to {} tenants.", r.version, number(r.total as i64)))
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <section class="card stack" aria-labelledby="template-title">
            <h2 id="template-title" class="card-title">"Tenant template"</h2>
            <Transition fallback=|| view! { <Loading text="Loading the template…"/> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => {
                            let behind: i64 = s.tenants_by_version.iter().filter(|v| v.version < s.latest_version).map(|v| v.tenants).sum();
                            let versions = s.tenants_by_version.iter().map(|v| view! {
                                <li><span class="badge">{format!("v{}", v.version)}</span>" "{format!("{} schema tenants", number(v.tenants))}</li>
                            }).collect_view();
                            let rollouts = s.rollouts.iter().take(5).map(|r| {
                                let pct = if r.total == 0 { 100 } else { (r.done * 100 / r.total as i64).min(100) };
                                view! {
                                    <li class="rollout">
                                        <div class="rollout-head">
                                            <strong>{format!("Version {}", r.version)}</strong>
                                            <span class=format!("badge run-{}", if r.status == "running" { "running" } else { r.status.as_str() })>{r.status.clone()}</span>
                                            <span class="muted">{format!("{} of {} tenants · started {}", number(r.done), number(r.total as i64), time(&r.started_at))}
                                                {r.finished_at.map(|_| format!(" · finished {}", opt_time(&r.finished_at)))}</span>
                                        </div>
                                        <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=r.total.to_string() aria-valuenow=r.done.to_string()
                                            aria-label=format!("Roll-out of version {}", r.version)>
                                            <div class=format!("progress-bar run-{}", if r.status == "succeeded" { "succeeded" } else if r.status == "failed" { "failed" } else { "running" }) style=format!("width: {pct}%")></div>
                                        </div>
                                        {r.last_error.clone().map(|e| view! { <p class="step-error">{e}</p> })}
                                    </li>
                                }
                            }).collect_view();
                            view! {
                                <p>{format!("The newest version is {}. ", s.latest_version)}
                                    {if behind > 0 { format!("{} schema tenants are on an older version.", number(behind)) } else { "Every tenant is on it.".to_string() }}</p>
                                <ul class="inline-list">{versions}</ul>
                                <ul class="rollouts">{rollouts}</ul>
                                <ActionForm action=start>
                                    <button class="btn" type="submit" disabled=move || start.pending().get() || behind == 0>
                                        <Busy when=start.pending()/>
                                        "Roll out the newest version"
                                    </button>
                                </ActionForm>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
