//! A tenant's Audit tab: its newest events, with a link to the full audit log.

use super::tab;
use crate::components::*;
use crate::fns::audit::list_audit;
use crate::model::*;
use leptos::prelude::*;

#[component]
pub fn AuditTab() -> impl IntoView {
    tab("audit", |t, _| view! { <TenantAudit t/> })
}

#[component]
fn TenantAudit(t: Tenant) -> impl IntoView {
    let id = t.id;
    let events = resource(
        move || id,
        |id| list_audit(AuditQuery { tenant_id: Some(id), limit: Some(50), ..Default::default() }),
    );
    let slug = t.slug.clone();
    view! {
        <section class="card">
            <div class="card-header">
                <h2 class="card-title">"History"</h2>
                <a class="small" href=format!("/audit?tenant={slug}")>"Open in the audit log"</a>
            </div>
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(p) if p.items.is_empty() => view! { <Empty title="No history" text="Changes to this tenant appear here."/> }.into_any(),
                        Ok(p) => view! { <Timeline events=p.items.into_iter().map(Into::into).collect() show_tenant=false/> }.into_any(),
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
