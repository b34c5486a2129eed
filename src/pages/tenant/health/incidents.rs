//! The incident timeline, open ones first.

#[allow(unused_imports)]
use super::*;

/// Incidents as a timeline, open ones first.
#[component]
pub(super) fn IncidentsCard(mut list: Vec<Incident>, now: DateTime<Utc>, can_manage: bool, ctx: Ctx) -> AnyView {
    list.sort_by_key(|i| i.ended_at.is_some());
    let open = list.iter().filter(|i| i.ended_at.is_none()).count();
    let empty = list.is_empty();
    let items = list
        .into_iter()
        .map(|i| {
            let ongoing = i.ended_at.is_none();
            let head_id = format!("incident-{}", i.id);
            let duration = span(i.duration_secs(now));
            let when = match i.ended_at {
                None => format!("Ongoing for {duration}"),
                Some(end) => format!("Ended {} after {duration}", time(&end)),
            };
            let ack = match (&i.acknowledged_at, &i.acknowledged_by) {
                (Some(at), by) => {
                    let who = by.clone().unwrap_or_else(|| "someone".into());
                    let note = i.ack_note.clone().filter(|n| !n.trim().is_empty());
                    Some(view! {
                        <p class="incident-ack">
                            {format!("Acknowledged by {who}, {}", time(at))}
                            {note.map(|n| view! { ": " <q>{n}</q> })}
                        </p>
                    })
                }
                _ => None,
            };
            let can_ack = can_manage && ongoing && i.acknowledged_at.is_none();
            let ack_link = can_ack.then(|| {
                let href = ctx.addr.href(Some(("ack", i.id.to_string())));
                view! {
                    <a class="btn btn-sm" id=format!("ack-{}", i.id) href=href data-noscroll="true"
                        aria-describedby=head_id.clone()>"Acknowledge"</a>
                }
            });
            let responses = (!i.responses.is_empty()).then(|| {
                let rows = i
                    .responses
                    .iter()
                    .map(|p| {
                        let detail = p.detail.clone().map(|d| format!(" · {d}")).unwrap_or_default();
                        view! { <li>{format!("{}: {}{detail}", p.at.format("%H:%M:%S UTC"), probe_summary(p))}</li> }
                    })
                    .collect_view();
                view! {
                    <details class="diff"><summary>"What the probes saw"</summary><ul class="incident-responses">{rows}</ul></details>
                }
            });
            view! {
                <li class="timeline-item incident" class:ongoing=ongoing data-state=i.state.as_str()
                    data-incident=i.id.to_string()>
                    <div class="timeline-head" id=head_id.clone()>
                        <span class=health_class(i.state)>{i.state.label()}</span>
                        <span class="timeline-action">{i.check_name.clone()}</span>
                        {i.cause.map(|c| view! { <span class="muted">{c.label()}</span> })}
                        <span class="spacer"></span>
                        <time class="timeline-time" datetime=i.started_at.to_rfc3339()>{format!("Started {}", time(&i.started_at))}</time>
                    </div>
                    <p class="incident-meta">
                        {if ongoing {
                            view! { <span class="badge badge-failed">"Ongoing"</span> }.into_any()
                        } else {
                            view! { <span class="badge badge-active">"Resolved"</span> }.into_any()
                        }}
                        " " {when}
                    </p>
                    {i.detail.clone().map(|d| view! { <p class="incident-detail">{d}</p> })}
                    {ack}
                    {ack_link}
                    {responses}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="incidents-title" data-testid="incidents">
            <div class="card-header">
                <h2 class="card-title" id="incidents-title">"Incidents"</h2>
                {(open > 0).then(|| view! { <span class="badge badge-failed">{format!("{open} open")}</span> })}
            </div>
            {if empty {
                view! { <p class="muted">"No incidents: every check has answered as expected."</p> }.into_any()
            } else {
                view! { <ol class="timeline incident-list">{items}</ol> }.into_any()
            }}
        </section>
    }
    .into_any()
}
