//! The list of alerts (PRODUCT.md R7), on a tenant's Resources tab and the platform
//! Limits page: unresolved ones with an Acknowledge button for those who may, resolved
//! ones muted.

use crate::components::format::time;
use crate::components::{after, Refresh};
use crate::fns::resources::AcknowledgeAlert;
use crate::model::alerts::{Alert, AlertStatus, Threshold};
use leptos::prelude::*;

#[component]
pub fn AlertList(
    list: Vec<Alert>,
    /// Name the tenant on each alert (the platform list).
    show_tenant: bool,
    /// Whether the person may acknowledge this tenant's alerts.
    can_ack: impl Fn(uuid::Uuid) -> bool + 'static,
    /// Reloaded after an acknowledgement.
    saved: Refresh,
    /// What to say when there are none.
    empty: &'static str,
    /// Show at most this many (the rest are counted).
    #[prop(default = usize::MAX)]
    show: usize,
) -> AnyView {
    let ack = ServerAction::<AcknowledgeAlert>::new();
    after(ack).refresh(saved).toast(|a| format!("Acknowledged: {}.", a.headline()).into());
    if list.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    let hidden = list.len().saturating_sub(show);
    let items = list
        .into_iter()
        .take(show)
        .map(|a| {
            let (class, label) = match (a.status, a.threshold) {
                (AlertStatus::Resolved, _) => ("badge badge-neutral", "resolved"),
                (_, Threshold::Hard) => ("badge badge-failed", "hard limit"),
                (_, Threshold::Soft) => ("badge badge-warning", "soft limit"),
                (_, Threshold::Cost) => ("badge badge-warning", "cost"),
            };
            let when = match (a.status, &a.resolved_at, &a.acknowledged_by) {
                (AlertStatus::Resolved, Some(r), _) => format!("Opened {}, resolved {}", time(&a.opened_at), time(r)),
                (AlertStatus::Acknowledged, _, Some(by)) => {
                    format!("Opened {}, acknowledged by {by}", time(&a.opened_at))
                }
                _ => format!("Opened {}", time(&a.opened_at)),
            };
            let title = if show_tenant { format!("{}: {}", a.tenant_name, a.headline()) } else { a.headline() };
            let may_ack = a.status == AlertStatus::Open && can_ack(a.tenant_id);
            let (status, threshold, subject) =
                (format!("{:?}", a.status).to_lowercase(), a.threshold.as_str(), a.subject.clone());
            let resolved = a.status == AlertStatus::Resolved;
            let (detail, headline, tenant, id) = (a.detail(), a.headline(), a.tenant_id, a.id);
            view! {
                <li class="alert-item" class:resolved=resolved data-status=status data-threshold=threshold
                    data-subject=subject>
                    <span class=class>{label}</span>
                    <div class="alert-text">
                        {if show_tenant {
                            view! { <a href=format!("/tenants/{tenant}/resources")><strong>{title}</strong></a> }.into_any()
                        } else {
                            view! { <strong>{title}</strong> }.into_any()
                        }}
                        <span class="muted">{format!("{detail}. {when}.")}</span>
                    </div>
                    {may_ack.then(|| view! {
                        <ActionForm action=ack>
                            <input type="hidden" name="tenant" value=tenant.to_string()/>
                            <input type="hidden" name="alert" value=id.to_string()/>
                            <button class="btn btn-sm" type="submit" disabled=move || ack.pending().get()
                                aria-label=format!("Acknowledge: {headline}")>
                                "Acknowledge"
                            </button>
                        </ActionForm>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="alert-list" role="list">{items}</ul>
        {(hidden > 0).then(|| view! {
            <p class="hint">{format!("And {hidden} more, newest first above; each tenant's Resources tab lists its own.")}</p>
        })}
    }
    .into_any()
}
