//! A tenant's Health tab (PRODUCT.md H2–H4): the checks of the tenant's own services with
//! their state, uptime, response times and last result; the response-time chart of one
//! check (`?check=<id>&range=24h|7d`); the incidents, open ones first. Owners and admins
//! add, edit and delete checks, run one now and acknowledge incidents.
//!
//! It refreshes on its own at the interval the person picks, so a service going down shows
//! without a reload. What must survive a refresh lives in `HealthPanel`, outside the
//! `<Transition>` whose content each refresh replaces: the actions (so a rebuilt view never
//! replays a result), the "check now" results, the chart's hover and the add/edit form (so
//! what is typed stays). Deleting and acknowledging are confirmations reached by links
//! (`?delete=<id>`, `?ack=<id>`), so they work without JavaScript; the form and "check
//! now" need it.

use super::tab;
use crate::components::format::{ago, ms, span, time, uptime, uptime_title};
use crate::components::*;
use crate::error::{AppError, FieldErrors};
use crate::fns::monitoring::*;
use crate::model::monitoring::*;
use crate::model::Tenant;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

#[component]
pub fn HealthTab() -> impl IntoView {
    tab("health", |t, _| view! { <HealthPanel t/> })
}

/// The chart's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Range {
    Day,
    Week,
}

impl Range {
    fn parse(s: Option<&str>) -> Self {
        if s == Some("7d") {
            Range::Week
        } else {
            Range::Day
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Range::Day => "24h",
            Range::Week => "7d",
        }
    }

    fn hours(self) -> i32 {
        match self {
            Range::Day => 24,
            Range::Week => 168,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Range::Day => "24 h",
            Range::Week => "7 d",
        }
    }
}

/// What one refresh loads: the tab's data and the hours of the check the chart shows (its
/// own error doesn't hide the rest).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct HealthView {
    health: TenantHealth,
    chart: Option<(Uuid, Result<Vec<HourPoint>, AppError>)>,
}

/// A "check now": on its way, or what it found.
#[derive(Debug, Clone)]
enum Run {
    Pending,
    Done(Result<ProbeResult, AppError>),
}

/// The add/edit form's subject.
#[derive(Debug, Clone)]
enum Editor {
    New,
    Edit(Box<Check>),
}

/// The tab's address with the chart's choice, plus one more parameter (`delete`, `ack`).
#[derive(Clone, Copy)]
struct Addr {
    base: StoredValue<String>,
    check: Memo<Option<Uuid>>,
    range: Memo<Range>,
}

impl Addr {
    fn href(&self, extra: Option<(&str, String)>) -> String {
        self.with(self.check.get_untracked(), self.range.get_untracked(), extra)
    }

    fn with(&self, check: Option<Uuid>, range: Range, extra: Option<(&str, String)>) -> String {
        let mut params = Vec::new();
        if let Some(c) = check {
            params.push(format!("check={c}"));
        }
        if range != Range::Day {
            params.push(format!("range={}", range.as_str()));
        }
        if let Some((k, v)) = extra {
            params.push(format!("{k}={v}"));
        }
        let base = self.base.get_value();
        if params.is_empty() {
            base
        } else {
            format!("{base}?{}", params.join("&"))
        }
    }
}

/// What the views below the panel share (all `Copy`).
#[derive(Clone, Copy)]
struct Ctx {
    tenant: Uuid,
    addr: Addr,
    delete_id: Memo<Option<Uuid>>,
    ack_id: Memo<Option<Uuid>>,
    runs: RwSignal<HashMap<Uuid, Run>>,
    run_now: Callback<(Uuid, String)>,
    /// Opens the form; the second value is the id of the button that opened it (the focus
    /// goes back there when it closes).
    open_form: Callback<(Editor, String)>,
    delete: ServerAction<DeleteHealthCheck>,
    ack: ServerAction<AcknowledgeIncident>,
    hover: RwSignal<Option<usize>>,
    auto: AutoRefresh,
    /// The id of the element in the tab that has (or just lost) the focus.
    last_focus: StoredValue<Option<String>>,
}

fn focus(id: &str) -> bool {
    use leptos::wasm_bindgen::JsCast;
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|e| e.focus().is_ok())
}

#[component]
fn HealthPanel(t: Tenant) -> AnyView {
    let tenant = t.id;
    let query = use_query_map();
    let check_q = Memo::new(move |_| query.read().get("check").and_then(|v| Uuid::parse_str(&v).ok()));
    let range = Memo::new(move |_| Range::parse(query.read().get("range").as_deref()));
    let delete_id = Memo::new(move |_| query.read().get("delete").and_then(|v| Uuid::parse_str(&v).ok()));
    let ack_id = Memo::new(move |_| query.read().get("ack").and_then(|v| Uuid::parse_str(&v).ok()));
    let addr = Addr { base: StoredValue::new(format!("/tenants/{}/health", t.slug)), check: check_q, range };

    let auto = use_auto_refresh(15);
    // A refresh rebuilds what it shows: not while a confirmation is open (it would lose
    // what is typed in it); the ticks missed meanwhile refresh it when it closes.
    let tick = Memo::new(move |prev: Option<&u32>| {
        let t = auto.track();
        match prev {
            Some(p) if delete_id.get().is_some() || ack_id.get().is_some() => *p,
            _ => t,
        }
    });
    let saved = Refresh::new();
    let ran = RwSignal::new(0u32);
    // One server call per refresh: the checks, the incidents and the chosen chart.
    let data = Resource::new(
        move || (tick.get(), saved.track(), ran.get(), check_q.get(), range.get()),
        move |(.., check, range)| async move {
            let mut health = get_tenant_health(tenant, check, Some(range.hours())).await?;
            let chart = health.chart_check.map(|c| (c, Ok(std::mem::take(&mut health.chart))));
            Ok::<_, AppError>(HealthView { health, chart })
        },
    );

    let delete = ServerAction::<DeleteHealthCheck>::new();
    after(delete).refresh(saved).close(move |_| addr.href(None)).toast(|()| "Check deleted.".into());
    let ack = ServerAction::<AcknowledgeIncident>::new();
    after(ack)
        .refresh(saved)
        .close(move |_| addr.href(None))
        .fields_in_form()
        .toast(|i| format!("Acknowledged the incident on {}.", i.check_name).into());

    // "Check now": one at a time per check; the result stays next to the check (and is
    // read out by the live region below) across refreshes.
    let runs = RwSignal::new(HashMap::<Uuid, Run>::new());
    let announce = RwSignal::new(String::new());
    let run_now = Callback::new(move |(check, name): (Uuid, String)| {
        if runs.with_untracked(|r| matches!(r.get(&check), Some(Run::Pending))) {
            return;
        }
        runs.update(|r| {
            r.insert(check, Run::Pending);
        });
        announce.set(format!("Checking {name}…"));
        leptos::task::spawn_local(async move {
            let result = run_health_check(tenant, check).await;
            let said = match &result {
                Ok(p) => format!("{name}: {}.", probe_summary(p)),
                Err(e) => format!("{name} could not be checked: {e}"),
            };
            // The tab may have been left meanwhile.
            let _ = runs.try_update(|r| r.insert(check, Run::Done(result)));
            let _ = announce.try_set(said);
            let _ = ran.try_update(|n| *n += 1);
        });
    });

    let editor = RwSignal::new(None::<Editor>);
    let opener = StoredValue::new(String::new());
    let open_form = Callback::new(move |(e, from): (Editor, String)| {
        opener.set_value(from);
        editor.set(Some(e));
    });
    let close_form = Callback::new(move |()| {
        editor.set(None);
        let back = opener.get_value();
        request_animation_frame(move || {
            if !focus(&back) {
                focus("add-check");
            }
        });
    });

    // A refresh replaces the buttons: the focus goes back to the one that had it.
    let last_focus = StoredValue::new(None::<String>);
    let focus_in = move |ev: leptos::ev::FocusEvent| {
        use leptos::wasm_bindgen::JsCast;
        let id = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|e| e.id());
        last_focus.set_value(id.filter(|id| !id.is_empty()));
    };
    let focus_out = move |ev: leptos::ev::FocusEvent| {
        if ev.related_target().is_some() {
            last_focus.set_value(None);
        }
    };

    let ctx = Ctx {
        tenant,
        addr,
        delete_id,
        ack_id,
        runs,
        run_now,
        open_form,
        delete,
        ack,
        hover: RwSignal::new(None),
        auto,
        last_focus,
    };
    let (pending, set_pending) = signal(false);
    let loading = Signal::from(pending);
    view! {
        <section class="stack-lg health-tab" aria-label="Health" on:focusin=focus_in on:focusout=focus_out>
            <div class="toolbar">
                <h2 class="section-title">"Health checks"</h2>
                <RefreshControl auto loading/>
            </div>
            <p class="sr-only" role="status" aria-live="polite" aria-atomic="true">{move || announce.get()}</p>
            <Transition fallback=|| view! { <Loading text="Loading health checks…"/> } set_pending>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <HealthBody v ctx/> }.into_any(),
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Transition>
            {move || editor.get().map(|editor| view! { <CheckForm tenant editor close=close_form saved/> })}
        </section>
    }
    .into_any()
}

/// "Up · HTTP 200 · 45 ms" (the cause too when it wasn't up).
fn probe_summary(p: &ProbeResult) -> String {
    let mut parts = vec![p.outcome.state().label().to_string()];
    if let Some(s) = p.status {
        parts.push(format!("HTTP {s}"));
    }
    parts.push(format!("{} ms", p.ms));
    if let Some(c) = p.cause {
        parts.push(c.label().to_string());
    }
    parts.join(" · ")
}

#[component]
fn HealthBody(v: HealthView, ctx: Ctx) -> AnyView {
    // Rebuilt by a refresh: give the focus back if the refresh took it away.
    Effect::new(move |_| {
        if let Some(id) = ctx.last_focus.get_value() {
            request_animation_frame(move || {
                if document().active_element().is_none_or(|e| e.tag_name() == "BODY") {
                    focus(&id);
                }
            });
        }
    });
    let HealthView { health, chart } = v;
    let TenantHealth { checks, incidents, can_manage, now, .. } = health;
    let mut counts = HashMap::<CheckState, usize>::new();
    for c in &checks {
        *counts.entry(c.check.state).or_default() += 1;
    }
    let stat = |s: CheckState, hint: &'static str| {
        let n = counts.get(&s).copied().unwrap_or(0);
        view! {
            <div class="card stat health-stat" class:nonzero={n > 0} data-state=s.as_str()
                data-testid=format!("count-{}", s.as_str())>
                <span class="stat-label">{s.label()}</span>
                <span class="stat-value">{n}</span>
                <span class="stat-hint">{hint}</span>
            </div>
        }
    };
    let empty = checks.is_empty();
    let names: Vec<(Uuid, String)> = checks.iter().map(|c| (c.check.id, c.check.name.clone())).collect();
    let delete_names = names.clone();
    let delete_dialog = move || {
        let id = ctx.delete_id.get().filter(|_| can_manage)?;
        let name = delete_names.iter().find(|(c, _)| *c == id)?.1.clone();
        Some(view! { <DeleteDialog id name ctx/> })
    };
    let ack_list = incidents.clone();
    let ack_dialog = move || {
        let id = ctx.ack_id.get().filter(|_| can_manage)?;
        let i = ack_list.iter().find(|i| i.id == id)?.clone();
        Some(view! { <AckDialog i ctx/> })
    };
    let cards = checks.into_iter().map(|s| view! { <CheckCard s now can_manage ctx/> }).collect_view();
    let add = move || {
        view! {
            <button type="button" class="btn btn-primary" id="add-check"
                on:click=move |_| ctx.open_form.run((Editor::New, "add-check".into()))>
                <icons::Icon name="plus"/>"Add a check"
            </button>
        }
    };
    view! {
        <UpdatedAt auto=ctx.auto at=now/>
        {can_manage.then(|| view! {
            <noscript><p class="alert alert-info">"Adding and editing checks and checking now need JavaScript."</p></noscript>
        })}
        {(!empty).then(|| view! {
            <div class="grid grid-4 health-counts">
                {stat(CheckState::Down, "not answering")}
                {stat(CheckState::Degraded, "slow or not quite right")}
                {stat(CheckState::Up, "answering as expected")}
                {stat(CheckState::Pending, "not probed enough yet")}
            </div>
        })}
        <section class="card" aria-labelledby="checks-title">
            <div class="card-header">
                <h2 class="card-title" id="checks-title">"Checks"</h2>
                {(can_manage && !empty).then(add)}
            </div>
            {if empty {
                view! {
                    <Empty title="No health checks yet"
                        text="A check requests an address of this tenant's service every minute or so and tells you when it \
                              stops answering, answers with an error or gets slow: with uptime, response times and incidents.">
                        {can_manage.then(add)}
                    </Empty>
                }
                .into_any()
            } else {
                view! { <ul class="check-list" role="list">{cards}</ul> }.into_any()
            }}
        </section>
        {chart.map(|(shown, points)| view! { <ChartCard names shown points now ctx/> })}
        {(!empty || !incidents.is_empty()).then(|| view! { <IncidentsCard list=incidents now can_manage ctx/> })}
        {delete_dialog}
        {ack_dialog}
    }
    .into_any()
}

/// One check: its state (colour and word), where it points, uptime and response time, the
/// last result, and for owners and admins its buttons and the last "check now".
#[component]
fn CheckCard(s: CheckSummary, now: DateTime<Utc>, can_manage: bool, ctx: Ctx) -> AnyView {
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
                    {move || running().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
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

/// The hours of the last `hours` up to `now`'s, oldest first: their labels, p50, p95 and a
/// note for the hours with failed probes.
#[allow(clippy::type_complexity)]
fn hourly_axis(
    points: &[HourPoint],
    now: DateTime<Utc>,
    range: Range,
) -> (Vec<String>, Vec<Option<f64>>, Vec<Option<f64>>, Vec<Option<String>>) {
    let by_hour: HashMap<i64, &HourPoint> = points.iter().map(|p| (p.hour.timestamp().div_euclid(3600), p)).collect();
    let this_hour = now.timestamp().div_euclid(3600);
    let n = i64::from(range.hours());
    let (mut labels, mut p50, mut p95, mut marks) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for h in (this_hour - n + 1)..=this_hour {
        let at = DateTime::<Utc>::from_timestamp(h * 3600, 0).unwrap_or(now);
        labels.push(match range {
            Range::Day => at.format("%H:%M").to_string(),
            Range::Week => at.format("%a %H:%M").to_string(),
        });
        let p = by_hour.get(&h);
        p50.push(p.and_then(|p| p.p50_ms).map(f64::from));
        p95.push(p.and_then(|p| p.p95_ms).map(f64::from));
        marks.push(
            p.filter(|p| p.down > 0)
                .map(|p| format!("{} of {} probe{} failed", p.down, p.total, if p.total == 1 { "" } else { "s" })),
        );
    }
    (labels, p50, p95, marks)
}

fn ms_axis(v: f64) -> String {
    ms(Some(v.round() as i32))
}

/// Response times of one check, p50 and p95 per hour, over 24 hours or 7 days.
#[component]
fn ChartCard(
    names: Vec<(Uuid, String)>,
    shown: Uuid,
    points: Result<Vec<HourPoint>, AppError>,
    now: DateTime<Utc>,
    ctx: Ctx,
) -> AnyView {
    let addr = ctx.addr;
    let range = addr.range.get_untracked();
    let navigate = use_navigate();
    let pick = move |ev: leptos::ev::Event| {
        let check = Uuid::parse_str(&event_target_value(&ev)).ok();
        navigate(
            &addr.with(check, addr.range.get_untracked(), None),
            NavigateOptions { replace: true, scroll: false, ..Default::default() },
        );
    };
    let name = names.iter().find(|(c, _)| *c == shown).map(|(_, n)| n.clone()).unwrap_or_default();
    let options = names
        .into_iter()
        .map(|(c, n)| view! { <option value=c.to_string() selected=c == shown>{n}</option> })
        .collect_view();
    let periods = [Range::Day, Range::Week]
        .into_iter()
        .map(|r| {
            let current = (r == range).then_some("page");
            view! {
                <a class="tab" id=format!("period-{}", r.as_str()) href=addr.with(Some(shown), r, None) aria-current=current
                    data-noscroll="true">{r.label()}</a>
            }
        })
        .collect_view();
    let body = match points {
        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
        Ok(points) => {
            let probes: i64 = points.iter().map(|p| p.total).sum();
            let (labels, p50, p95, marks) = hourly_axis(&points, now, range);
            let lines = vec![
                ChartLine { name: "p50".into(), class: "line-a", values: p50 },
                ChartLine { name: "p95".into(), class: "line-b", values: p95 },
            ];
            let caption = format!("Response times of {name} per hour, last {} (UTC)", range.label());
            view! {
                <LineChart labels lines marks=Some(marks) marks_label="failed probes" format=ms_axis caption
                    hover=ctx.hover id="response-chart"/>
                {(probes == 0).then(|| view! { <p class="muted">"No probes in this period yet."</p> })}
            }
            .into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="chart-title" data-testid="response-times">
            <div class="card-header">
                <h2 class="card-title" id="chart-title">"Response times"</h2>
                <div class="chart-controls">
                    <form class="chart-pick" method="get" action=addr.base.get_value()
                        on:submit=move |ev| ev.prevent_default()>
                        <label for="chart-check">"Check"</label>
                        <select id="chart-check" name="check" class="select-sm" on:change=pick>{options}</select>
                        <input type="hidden" name="range" value=range.as_str()/>
                        <noscript><button class="btn btn-sm" type="submit">"Show"</button></noscript>
                    </form>
                    <nav class="segmented" aria-label="Period">{periods}</nav>
                </div>
            </div>
            {body}
            <p class="hint">
                "p50: half the probes answered faster; p95: all but the slowest 5 %. Red marks: hours with failed probes."
            </p>
        </section>
    }
    .into_any()
}

/// Incidents as a timeline, open ones first.
#[component]
fn IncidentsCard(mut list: Vec<Incident>, now: DateTime<Utc>, can_manage: bool, ctx: Ctx) -> AnyView {
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

/// Deleting a check, confirmed (`?delete=<id>`; works without JavaScript).
#[component]
fn DeleteDialog(id: Uuid, name: String, ctx: Ctx) -> AnyView {
    let back = ctx.addr.href(None);
    view! {
        <ConfirmDialog title=format!("Delete the check {name}?") cancel_href=back.clone()>
            <ActionForm action=ctx.delete>
                <input type="hidden" name="tenant" value=ctx.tenant.to_string()/>
                <input type="hidden" name="check" value=id.to_string()/>
                <div class="modal-body" id="confirm-text">
                    <p>"Its probes stop, and its uptime, response times and incidents go with it. This can't be undone."</p>
                </div>
                <ConfirmButtons cancel_href=back label="Delete" danger=true pending=ctx.delete.pending()/>
            </ActionForm>
        </ConfirmDialog>
    }
    .into_any()
}

/// Acknowledging an open incident with a note, optionally silencing the check's alerts
/// (`?ack=<id>`; works without JavaScript).
#[component]
fn AckDialog(i: Incident, ctx: Ctx) -> AnyView {
    let back = ctx.addr.href(None);
    let ack = ctx.ack;
    let error = move |f: &'static str| {
        Signal::derive(move || match ack.value().get() {
            Some(Err(e)) => e.field(f),
            _ => None,
        })
    };
    let (note_error, silence_error) = (error("note"), error("silence_minutes"));
    let silences = [(0, "Don't silence"), (30, "30 minutes"), (60, "1 hour"), (240, "4 hours"), (1440, "1 day")]
        .into_iter()
        .map(|(m, label)| view! { <option value=m.to_string() selected=m == 0>{label}</option> })
        .collect_view();
    view! {
        <ConfirmDialog title=format!("Acknowledge the incident on {}?", i.check_name) cancel_href=back.clone()>
            <ActionForm action=ack>
                <input type="hidden" name="tenant" value=ctx.tenant.to_string()/>
                <input type="hidden" name="incident" value=i.id.to_string()/>
                <div class="modal-body" id="confirm-text">
                    <p>"Tells everyone someone is on it. The incident stays open until the check is up again."</p>
                    <div class="field" class:invalid=move || note_error.get().is_some()>
                        <label for="ack-note">"Note " <span class="muted">"(optional)"</span></label>
                        <textarea id="ack-note" name="note" rows="3" maxlength=MAX_NOTE autofocus
                            placeholder="e.g. Restarting the API pods"
                            aria-invalid=move || note_error.get().is_some().to_string()
                            aria-describedby=move || note_error.get().map(|_| "ack-note-error")></textarea>
                        <FieldError message=note_error id="ack-note-error"/>
                    </div>
                    <div class="field" class:invalid=move || silence_error.get().is_some()>
                        <label for="ack-silence">"Silence alerts"</label>
                        <select id="ack-silence" name="silence_minutes"
                            aria-describedby=move || if silence_error.get().is_some() { "ack-silence-hint ack-silence-error" } else { "ack-silence-hint" }>
                            {silences}
                        </select>
                        <p class="hint" id="ack-silence-hint">"No alerts about this check for that long; the probes go on."</p>
                        <FieldError message=silence_error id="ack-silence-error"/>
                    </div>
                </div>
                <ConfirmButtons cancel_href=back label="Acknowledge" pending=ack.pending()/>
            </ActionForm>
        </ConfirmDialog>
    }
    .into_any()
}

/// A check's values as the form edits them.
fn input_of(c: &Check) -> CheckInput {
    CheckInput {
        name: c.name.clone(),
        url: c.url.clone(),
        method: c.method.clone(),
        expected_status: c.expected_status.clone(),
        timeout_ms: c.timeout_ms,
        interval_secs: c.interval_secs,
        body_contains: c.body_contains.clone(),
        slow_ms: c.slow_ms,
        cert_expiry_days: c.cert_expiry_days,
        down_after: c.down_after,
        up_after: c.up_after,
        enabled: c.enabled,
    }
}

fn focus_first_error() {
    request_animation_frame(|| {
        if let Ok(Some(el)) =
            document().query_selector(".check-form .field.invalid input, .check-form .field.invalid select")
        {
            if let Ok(el) = leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                let _ = el.focus();
            }
        }
    });
}

/// Adding or editing a check, in a modal panel. Checked here with the server's own rules
/// (`CheckInput::validate`) when submitted, then again at every change until it passes; the
/// server's messages show under their fields the same way. Outside the tab's refresh, so
/// what is typed stays while the list behind it refreshes.
#[component]
fn CheckForm(tenant: Uuid, editor: Editor, close: Callback<()>, saved: Refresh) -> AnyView {
    let create = ServerAction::<CreateHealthCheck>::new();
    let update = ServerAction::<UpdateHealthCheck>::new();
    after(create).refresh(saved).fields_in_form().toast(move |c: Check| {
        close.run(());
        format!("Added the check {}: its first probe runs in a moment.", c.name).into()
    });
    after(update).refresh(saved).fields_in_form().toast(move |c: Check| {
        close.run(());
        format!("Saved the check {}.", c.name).into()
    });
    let (initial, editing) = match &editor {
        Editor::New => (CheckInput::default(), None),
        Editor::Edit(c) => (input_of(c), Some((c.id, c.name.clone()))),
    };
    let editing_id = editing.as_ref().map(|(id, _)| *id);
    let name = RwSignal::new(initial.name.clone());
    let url = RwSignal::new(initial.url.clone());
    let method = RwSignal::new(initial.method.clone());
    let expected = RwSignal::new(initial.expected_status.clone());
    let interval = RwSignal::new(initial.interval_secs.to_string());
    let timeout = RwSignal::new(initial.timeout_ms.to_string());
    let body = RwSignal::new(initial.body_contains.clone().unwrap_or_default());
    let slow = RwSignal::new(initial.slow_ms.map(|v| v.to_string()).unwrap_or_default());
    let cert = RwSignal::new(initial.cert_expiry_days.to_string());
    let down_after = RwSignal::new(initial.down_after.to_string());
    let up_after = RwSignal::new(initial.up_after.to_string());
    let enabled = RwSignal::new(initial.enabled);
    let local = RwSignal::new(FieldErrors::new());
    let tried = RwSignal::new(false);

    // The form as a `CheckInput`, or a message per field.
    let read = move || -> Result<CheckInput, FieldErrors> {
        let d = CheckInput::default();
        let mut bad = FieldErrors::new();
        let mut whole = |field: &str, s: String, fallback: i32| match s.trim().parse::<i32>() {
            Ok(v) => v,
            Err(_) => {
                bad.insert(field.to_string(), "Enter a whole number.".into());
                fallback
            }
        };
        let interval_secs = whole("interval_secs", interval.get_untracked(), d.interval_secs);
        let timeout_ms = whole("timeout_ms", timeout.get_untracked(), d.timeout_ms);
        let slow_text = slow.get_untracked();
        let slow_ms = (!slow_text.trim().is_empty()).then(|| whole("slow_ms", slow_text, 1));
        let cert_expiry_days = whole("cert_expiry_days", cert.get_untracked(), d.cert_expiry_days);
        let down = whole("down_after", down_after.get_untracked(), d.down_after);
        let up = whole("up_after", up_after.get_untracked(), d.up_after);
        let input = CheckInput {
            name: name.get_untracked(),
            url: url.get_untracked(),
            method: method.get_untracked(),
            expected_status: expected.get_untracked(),
            timeout_ms,
            interval_secs,
            body_contains: Some(body.get_untracked()).filter(|b| !b.trim().is_empty()),
            slow_ms,
            cert_expiry_days,
            down_after: down,
            up_after: up,
            enabled: enabled.get_untracked(),
        };
        match input.validate() {
            Ok(clean) if bad.is_empty() => Ok(clean),
            Ok(_) => Err(bad),
            Err(mut e) => {
                // A number that isn't one says so, not what its stand-in broke.
                e.extend(bad);
                Err(e)
            }
        }
    };
    let server = move || {
        let refused = |v: Option<Result<Check, AppError>>| v.and_then(Result::err);
        if editing_id.is_some() {
            refused(update.value().get())
        } else {
            refused(create.value().get())
        }
    };
    let err = field_errors(local, server);
    let pending = Signal::derive(move || create.pending().get() || update.pending().get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        match read() {
            Err(e) => {
                local.set(e);
                focus_first_error();
            }
            Ok(input) => {
                local.set(FieldErrors::new());
                match editing_id {
                    Some(check) => {
                        update.dispatch(UpdateHealthCheck { tenant, check, input });
                    }
                    None => {
                        create.dispatch(CreateHealthCheck { tenant, input });
                    }
                }
            }
        }
    };
    // After a first try, the messages follow every change.
    let recheck = move |_: leptos::ev::Event| {
        if tried.get_untracked() {
            local.set(read().err().unwrap_or_default());
        }
    };
    Effect::new(move |_| {
        request_animation_frame(|| {
            focus("hc-name");
        });
    });
    let title = match &editing {
        Some((_, n)) => format!("Edit the check {n}"),
        None => "Add a health check".to_string(),
    };
    let submit_label = if editing.is_some() { "Save changes" } else { "Add check" };
    let method_now = initial.method.clone();
    let methods =
        METHODS.into_iter().map(|m| view! { <option value=m selected=m == method_now>{m}</option> }).collect_view();
    let method_error = err("method");
    view! {
        <div class="modal-overlay" on:keydown=move |ev| if ev.key() == "Escape" { close.run(()) }>
            <div class="modal modal-wide" role="dialog" aria-modal="true" aria-labelledby="check-form-title">
                <h2 class="modal-title" id="check-form-title">{title}</h2>
                <form class="stack check-form" novalidate on:submit=submit on:input=recheck on:change=recheck>
                    <div class="field-row">
                        <TextField label="Name" id="hc-name" value=name error=err("name") required=true placeholder="API"/>
                        <div class="field" class:invalid=move || method_error.get().is_some()>
                            <label for="hc-method">"Method"</label>
                            <select id="hc-method" name="hc-method" on:change=move |ev| method.set(event_target_value(&ev))
                                aria-invalid=move || method_error.get().is_some().to_string()>
                                {methods}
                            </select>
                            <FieldError message=method_error id="hc-method-error"/>
                        </div>
                    </div>
                    <TextField label="URL" id="hc-url" value=url error=err("url") required=true inputmode="url"
                        placeholder="https://api.example.com/health"
                        hint="http or https. Local and private addresses are refused unless your operator allows them."/>
                    <div class="field-row">
                        <TextField label="Expected statuses" id="hc-expected" value=expected error=err("expected_status")
                            hint="Codes and ranges, e.g. 200-299, 304"/>
                        <TextField label="Body must contain" id="hc-body" value=body error=err("body_contains")
                            hint="Optional: without this text the answer counts as degraded"/>
                    </div>
                    <div class="field-grid">
                        <TextField label="Interval (seconds)" id="hc-interval" value=interval error=err("interval_secs")
                            inputmode="numeric" hint="How often: 10 to 86400"/>
                        <TextField label="Timeout (ms)" id="hc-timeout" value=timeout error=err("timeout_ms")
                            inputmode="numeric" hint="100 to 60000, at most the interval"/>
                        <TextField label="Slow above (ms)" id="hc-slow" value=slow error=err("slow_ms")
                            inputmode="numeric" hint="Optional: slower counts as degraded"/>
                        <TextField label="Certificate warning (days)" id="hc-cert" value=cert error=err("cert_expiry_days")
                            inputmode="numeric" hint="https: degraded this close to expiry; 0: never"/>
                        <TextField label="Down after (failures)" id="hc-down-after" value=down_after error=err("down_after")
                            inputmode="numeric" hint="Bad results in a row before it counts as down, 1 to 10"/>
                        <TextField label="Up after (successes)" id="hc-up-after" value=up_after error=err("up_after")
                            inputmode="numeric" hint="Good results in a row before it counts as up again, 1 to 10"/>
                    </div>
                    <label class="checkbox">
                        <input type="checkbox" id="hc-enabled" prop:checked=move || enabled.get()
                            on:change=move |ev| enabled.set(event_target_checked(&ev))/>
                        "Enabled: probe it on its schedule"
                    </label>
                    <div class="modal-actions">
                        <button type="button" class="btn btn-ghost" on:click=move |_| close.run(())>"Cancel"</button>
                        <button type="submit" class="btn btn-primary" disabled=move || pending.get()>
                            {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                            {submit_label}
                        </button>
                    </div>
                </form>
            </div>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn point(hour: DateTime<Utc>, total: i64, down: i64, p50: Option<i32>, p95: Option<i32>) -> HourPoint {
        HourPoint { hour, total, down, p50_ms: p50, p95_ms: p95 }
    }

    #[test]
    fn the_axis_has_every_hour_up_to_now_with_gaps_and_marks() {
        let now = Utc.with_ymd_and_hms(2026, 12, 8, 14, 25, 0).unwrap();
        let h = |hh: u32| Utc.with_ymd_and_hms(2026, 12, 8, hh, 0, 0).unwrap();
        let points = vec![
            point(h(14), 30, 0, Some(40), Some(90)),
            point(h(12), 60, 3, Some(55), Some(800)),
            // Older than the window: left out.
            point(h(14) - chrono::Duration::hours(30), 60, 60, None, None),
        ];
        let (labels, p50, p95, marks) = hourly_axis(&points, now, Range::Day);
        assert_eq!(labels.len(), 24);
        assert_eq!(labels.first().map(String::as_str), Some("15:00"));
        assert_eq!(labels.last().map(String::as_str), Some("14:00"));
        assert_eq!(p50[23], Some(40.0));
        assert_eq!(p95[23], Some(90.0));
        assert_eq!(p50[22], None);
        assert_eq!(p95[21], Some(800.0));
        assert_eq!(marks[21].as_deref(), Some("3 of 60 probes failed"));
        assert_eq!(marks.iter().flatten().count(), 1);

        let (labels, p50, ..) = hourly_axis(&points, now, Range::Week);
        assert_eq!(labels.len(), 168);
        assert_eq!(labels.last().map(String::as_str), Some("Tue 14:00"));
        assert_eq!(p50.iter().flatten().count(), 2);
    }

    #[test]
    fn probes_read_as_one_line() {
        let at = Utc.with_ymd_and_hms(2026, 12, 8, 14, 25, 0).unwrap();
        let up = ProbeResult {
            at,
            outcome: Outcome::Up,
            status: Some(200),
            ms: 45,
            cause: None,
            detail: None,
            cert_days_left: None,
        };
        assert_eq!(probe_summary(&up), "Up · HTTP 200 · 45 ms");
        let refused = ProbeResult { outcome: Outcome::Down, status: None, ms: 2, cause: Some(Cause::Refused), ..up };
        assert_eq!(probe_summary(&refused), "Down · 2 ms · Connection refused");
        assert_eq!(Range::parse(Some("7d")), Range::Week);
        assert_eq!(Range::parse(Some("nonsense")), Range::Day);
        assert_eq!(Range::parse(None).hours(), 24);
    }
}
