//! One check's card: state, uptime, response time, last result and its actions.

#[allow(unused_imports)]
use super::*;

/// One check: its state (colour and word), where it points, uptime and response time, the
/// last result, and for owners and admins its buttons and the last "check now".
#[component]
pub(super) fn CheckCard(s: CheckSummary, now: DateTime<Utc>, can_manage: bool, ctx: Ctx) -> AnyView {
    let c = s.check.clone();
    let id = c.id;
    let state = c.state;
    let name_id = format!("check-{id}-name");
    let since = format!("Since {} ({})", time(&c.state_since), span((now - c.state_since).num_seconds()));
    let silenced = c.silenced_until.filter(|u| *u > now);
    // Why it isn't up, or why it's still bad although the last probe was fine.
    let problem = match (c.last_cause, state.is_bad()) {
        (Some(cause), _) => {
            let detail = c.last_detail.clone().filter(|d| !d.trim().is_empty());
            Some(match detail {
                // "Connection refused: nothing answers…" says its cause already.
                Some(d) if d.to_lowercase().starts_with(&cause.label().to_lowercase()) => d,
                Some(d) => format!("{}: {d}", cause.label()),
                None => cause.label().to_string(),
            })
        }
        (None, true) => Some(format!(
            "The last probe was fine: up again after {} good one{} in a row.",
            c.up_after,
            if c.up_after == 1 { "" } else { "s" }
        )),
        (None, false) => None,
    };
    let last = match c.last_checked_at {
        Some(at) => {
            let answer = match (c.last_status, c.last_ms) {
                (Some(st), Some(ms)) => Some(format!("HTTP {st} · {ms} ms")),
                (None, Some(ms)) => Some(format!("{ms} ms")),
                (Some(st), None) => Some(format!("HTTP {st}")),
                (None, None) => None,
            };
            view! {
                <time datetime=at.to_rfc3339() title=time(&at)>{ago(&at, &now)}</time>
                {answer.map(|a| view! { <span class="check-sub">{a}</span> })}
            }
            .into_any()
        }
        None => view! { <span class="muted">"Not yet"</span> }.into_any(),
    };
    let uptime_cell = |u: &Uptime| view! { <span title=uptime_title(u)>{uptime(u)}</span> };
    let runs = ctx.runs;
    let running = move || runs.with(|r| matches!(r.get(&id), Some(Run::Pending)));
    let result = move || {
        runs.with(|r| r.get(&id).cloned()).map(|run| match run {
            Run::Pending => view! {
                <p class="run-result run-pending"><span class="spinner" aria-hidden="true"></span>"Checking…"</p>
            }
            .into_any(),
            Run::Done(Ok(p)) => {
                let state = p.outcome.state();
                view! {
                    <div class="run-result" data-testid="run-result" data-outcome=state.as_str()>
                        <strong>"Checked now:"</strong>
                        <span class=health_class(state)>{state.label()}</span>
                        <span>{probe_summary(&p).split(" · ").skip(1).collect::<Vec<_>>().join(" · ")}</span>
                        {p.detail.clone().map(|d| view! { <span class="muted break">{d}</span> })}
                        {p.cert_days_left.map(|d| view! { <span class="muted">{format!("certificate: {d} days left")}</span> })}
                        <time class="muted" datetime=p.at.to_rfc3339()>{p.at.format("%H:%M:%S UTC").to_string()}</time>
                        <button type="button" class="btn-link run-dismiss" id=format!("dismiss-{id}") aria-label="Dismiss the result"
                            on:click=move |_| runs.update(|r| { r.remove(&id); })>"Dismiss"</button>
                    </div>
                }
                .into_any()
            }
            Run::Done(Err(e)) => view! {
                <div class="run-result run-error" data-testid="run-result" data-outcome="error">
                    <strong>"Could not check:"</strong>
                    <span>{e.to_string()}</span>
                    <button type="button" class="btn-link run-dismiss" id=format!("dismiss-{id}") aria-label="Dismiss the result"
                        on:click=move |_| runs.update(|r| { r.remove(&id); })>"Dismiss"</button>
                </div>
            }
            .into_any(),
        })
    };
    let actions = can_manage.then(|| {
        let (run_name, edit_check) = (c.name.clone(), c.clone());
        let edit_id = format!("edit-{id}");
        let delete_href = ctx.addr.href(Some(("delete", id.to_string())));
        let described = name_id.clone();
        view! {
            <div class="check-actions">
                <button type="button" class="btn btn-sm" id=format!("run-{id}") aria-describedby=described.clone()
                    disabled=running aria-busy=move || running().to_string()
                    on:click=move |_| ctx.run_now.run((id, run_name.clone()))>
                    <Busy when=Signal::derive(running)/>
                    "Check now"
                </button>
                <button type="button" class="btn btn-sm" id=edit_id.clone() aria-describedby=described.clone()
                    on:click=move |_| ctx.open_form.run((Editor::Edit(Box::new(edit_check.clone())), edit_id.clone()))>
                    "Edit"
                </button>
                <a class="btn btn-sm btn-ghost" id=format!("delete-{id}") href=delete_href data-noscroll="true"
                    aria-describedby=described>"Delete"</a>
            </div>
        }
    });
    view! {
        <li class="check-card" data-testid=format!("check-{}", c.name) data-state=state.as_str() data-check=id.to_string()>
            <div class="check-main">
                <div class="check-head">
                    <HealthBadge state testid="check-state"/>
                    <h3 class="check-name" id=name_id>{c.name.clone()}</h3>
                    {(!c.enabled).then(|| view! { <span class="badge badge-neutral" title="Not probed on schedule">"Paused"</span> })}
                    {silenced.map(|u| view! {
                        <span class="badge badge-neutral" title="Alerts are silenced">{format!("Silenced until {}", u.format("%H:%M UTC"))}</span>
                    })}
                </div>
                <p class="check-url"><span class="check-method">{c.method.clone()}</span>" "<span class="mono break">{c.url.clone()}</span></p>
                <p class="check-since">
                    <time datetime=c.state_since.to_rfc3339()>{since}</time>
                    {format!(" · every {}", span(c.interval_secs.into()))}
                </p>
                {problem.map(|p| view! { <p class="check-problem">{p}</p> })}
            </div>
            <dl class="check-stats">
                <div><dt>"Uptime 24 h"</dt><dd data-testid="uptime-24h">{uptime_cell(&s.uptime_24h)}</dd></div>
                <div><dt>"7 d"</dt><dd>{uptime_cell(&s.uptime_7d)}</dd></div>
                <div><dt>"30 d"</dt><dd>{uptime_cell(&s.uptime_30d)}</dd></div>
                <div><dt>"p95 24 h"</dt><dd>{ms(s.p95_ms_24h)}</dd></div>
                <div><dt>"Last checked"</dt><dd>{last}</dd></div>
            </dl>
            {actions}
            {result}
        </li>
    }
    .into_any()
}
