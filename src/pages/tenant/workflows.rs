//! A tenant's Workflows tab: its runs, live while one is unfinished (retry and discard for
//! platform admins), and the data exports of a terminated tenant.

use super::tab;
use crate::components::format::{date, number};
use crate::components::*;
use crate::fns::workflows::{list_exports, list_tenant_workflows};
use crate::model::{Tenant, TenantStatus};
use leptos::prelude::*;

#[component]
pub fn WorkflowsTab() -> impl IntoView {
    tab("workflows", |t, me| {
        let admin = me.is_some_and(|m| m.is_platform_admin);
        let id = t.id;
        let exports = admin && matches!(t.status, TenantStatus::Terminated | TenantStatus::Terminating);
        view! {
            <section class="stack" aria-label="Workflows">
                <RunList load=move || list_tenant_workflows(id) show_tenant=false admin empty="No workflows have run for this tenant."/>
            </section>
            {exports.then(|| view! { <TenantExports t/> })}
        }
    })
}

/// A terminated tenant's data archives, to download until the retention date.
#[component]
fn TenantExports(t: Tenant) -> impl IntoView {
    let id = t.id;
    let slug = t.slug.clone();
    let exports = resource(move || id, list_exports);
    view! {
        <section class="card stack" aria-labelledby="exports-title">
            <h2 id="exports-title" class="card-title">"Data exports"</h2>
            <Transition fallback=|| view! { <Loading text="Loading exports…"/> }>
                {move || {
                    let slug = slug.clone();
                    Suspend::new(async move {
                        match exports.await {
                            Ok(list) if list.is_empty() => view! { <p class="muted">"No export yet; it is made when the tenant is terminated."</p> }.into_any(),
                            Ok(list) => view! {
                                <ul class="exports">
                                    {list.into_iter().map(|e| view! {
                                        <li>
                                            <a class="btn btn-sm" href=format!("/api/v1/tenants/{}/exports/{}", slug, e.id) download=e.file_name.clone()>"Download"</a>
                                            " " <strong>{e.file_name.clone()}</strong>
                                            <span class="muted">{format!(" · {} KB · kept until {} · SHA-256 {}…", number((e.size_bytes + 1023) / 1024), date(&e.expires_at), &e.sha256[..12.min(e.sha256.len())])}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}
