//! Audit events as a vertical timeline: the audit log, the dashboard and a tenant's Audit tab.

use crate::components::format::time;
use crate::model::audit::TimelineEntry;
use leptos::prelude::*;

/// Events as a vertical timeline, with the changed fields behind a disclosure.
#[component]
pub fn Timeline(events: Vec<TimelineEntry>, show_tenant: bool) -> impl IntoView {
    let items = events
        .into_iter()
        .map(|e| {
            let diff = e.diff.map(|d| {
                view! { <details class="diff"><summary>{d.label}</summary><pre class="code">{d.text}</pre></details> }
            });
            let tenant = show_tenant.then_some(e.tenant_slug).flatten().map(|s| {
                view! { <a class="small" href=format!("/tenants/{s}")>{s.clone()}</a> }
            });
            view! {
                <li class="timeline-item">
                    <div class="timeline-head">
                        <span class="timeline-action">{e.summary}</span>
                        {tenant}
                        <span class="spacer"></span>
                        <time class="timeline-time" datetime=e.occurred_at.to_rfc3339()>{time(&e.occurred_at)}</time>
                    </div>
                    <div class="timeline-actor muted small">
                        <span class="mono">{e.action}</span>
                        {e.source_ip.map(|ip| format!(" · from {ip}"))}
                    </div>
                    {e.reason.map(|r| view! { <p class="timeline-reason">"Reason: " {r}</p> })}
                    {diff}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline">{items}</ol> }
}
