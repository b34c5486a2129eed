//! Audit events as a vertical timeline: the audit log, the dashboard and a tenant's Audit tab.

use crate::components::format::time;
use crate::model::AuditEvent;
use leptos::prelude::*;

/// Events as a vertical timeline, with the changed fields behind a disclosure.
#[component]
pub fn Timeline(events: Vec<AuditEvent>, show_tenant: bool) -> impl IntoView {
    let items = events
        .into_iter()
        .map(|e| {
            let changed = e.changed_fields();
            let diff = (e.before.is_some() || e.after.is_some()).then(|| {
                let text = serde_json::to_string_pretty(&serde_json::json!({ "before": e.before, "after": e.after }))
                    .unwrap_or_default();
                let label =
                    if changed.is_empty() { "Details".to_string() } else { format!("Changed: {}", changed.join(", ")) };
                view! { <details class="diff"><summary>{label}</summary><pre class="code">{text}</pre></details> }
            });
            let tenant = (show_tenant).then(|| e.tenant_slug.clone()).flatten().map(|s| {
                view! { <a class="small" href=format!("/tenants/{s}")>{s.clone()}</a> }
            });
            view! {
                <li class="timeline-item">
                    <div class="timeline-head">
                        <span class="timeline-action">{e.summary()}</span>
                        {tenant}
                        <span class="spacer"></span>
                        <time class="timeline-time" datetime=e.occurred_at.to_rfc3339()>{time(&e.occurred_at)}</time>
                    </div>
                    <div class="timeline-actor muted small">
                        <span class="mono">{e.action.clone()}</span>
                        {e.source_ip.clone().map(|ip| format!(" · from {ip}"))}
                    </div>
                    {e.reason.clone().map(|r| view! { <p class="timeline-reason">"Reason: " {r}</p> })}
                    {diff}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline">{items}</ol> }
}
