//! A tenant's Health tab (PRODUCT.md H2–H4): the checks of the tenant's own services with
//! their state, uptime, response times and last result; the response-time chart of one
//! check over a period with its uptime then (`?check=<id>&range=24h|7d|30d`, or a custom
//! period `&from=<day>&to=<day>`); the incidents, open ones first. Owners and admins
//! add, edit and delete checks, run one now and acknowledge incidents.
//!
//! It refreshes on its own at the interval the person picks, so a service going down shows
//! without a reload. What must survive a refresh lives in `HealthPanel`, outside the
//! `<Transition>` whose content each refresh replaces: the actions (so a rebuilt view never
//! replays a result), the "check now" results, the chart's hover and the add/edit form (so
//! what is typed stays). Deleting and acknowledging are confirmations reached by links
//! (`?delete=<id>`, `?ack=<id>`), so they work without JavaScript; the form and "check
//! now" need it.

mod cards;
mod chart;
mod dialogs;
mod incidents;

use super::tab;
use crate::components::format::{ago, ms, span, time, uptime, uptime_title};
use crate::components::*;
use crate::error::{AppError, FieldErrors};
use crate::fns::monitoring::*;
use crate::model::monitoring::*;
use crate::model::Tenant;
use cards::*;
use chart::*;
use chrono::{DateTime, NaiveDate, Utc};
use dialogs::*;
use incidents::*;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use std::collections::HashMap;
use uuid::Uuid;

#[component]
pub fn HealthTab() -> impl IntoView {
    tab("health", |t, _| view! { <HealthPanel t/> })
}

/// The chart's period: `?range=24h|7d|30d`, or `?from=YYYY-MM-DD&to=YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Range {
    Day,
    Week,
    Month,
    /// UTC days, both included.
    Custom(NaiveDate, NaiveDate),
}

impl Range {
    const PRESETS: [Range; 3] = [Range::Day, Range::Week, Range::Month];

    /// The period the address asks for, and why it was not used when it isn't valid.
    fn parse(range: Option<&str>, from: Option<&str>, to: Option<&str>) -> (Self, Option<String>) {
        let day = |s: Option<&str>| s.and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok());
        if from.is_some() || to.is_some() {
            let custom = match (day(from), day(to)) {
                (Some(f), Some(t)) => ChartPeriod::Days(f, t).validate().map(|_| Range::Custom(f, t)),
                _ => Err("Both days of a period are dates (YYYY-MM-DD).".into()),
            };
            return match custom {
                Ok(r) => (r, None),
                Err(e) => (Range::Day, Some(format!("The period asked for is not shown: {e}"))),
            };
        }
        let r = match range {
            Some("7d") => Range::Week,
            Some("30d") => Range::Month,
            _ => Range::Day,
        };
        (r, None)
    }

    /// Its query parameters (none for the default).
    fn params(self) -> Vec<String> {
        match self {
            Range::Day => Vec::new(),
            Range::Week => vec!["range=7d".into()],
            Range::Month => vec!["range=30d".into()],
            Range::Custom(f, t) => vec![format!("from={f}"), format!("to={t}")],
        }
    }

    fn id(self) -> &'static str {
        match self {
            Range::Day => "24h",
            Range::Week => "7d",
            Range::Month => "30d",
            Range::Custom(..) => "custom",
        }
    }

    fn period(self) -> ChartPeriod {
        match self {
            Range::Day => ChartPeriod::Last(24),
            Range::Week => ChartPeriod::Last(7 * 24),
            Range::Month => ChartPeriod::Last(30 * 24),
            Range::Custom(f, t) => ChartPeriod::Days(f, t),
        }
    }

    fn label(self) -> String {
        match self {
            Range::Day => "24 h".into(),
            Range::Week => "7 d".into(),
            Range::Month => "30 d".into(),
            Range::Custom(f, t) if f == t => f.format("%b %-d, %Y").to_string(),
            Range::Custom(f, t) => format!("{} – {}", f.format("%b %-d, %Y"), t.format("%b %-d, %Y")),
        }
    }
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
        params.extend(range.params());
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
    /// Why the period in the address is not the one shown.
    range_error: Memo<Option<String>>,
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
    let parsed = Memo::new(move |_| {
        let q = query.read();
        Range::parse(q.get("range").as_deref(), q.get("from").as_deref(), q.get("to").as_deref())
    });
    let range = Memo::new(move |_| parsed.get().0);
    let range_error = Memo::new(move |_| parsed.get().1);
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
    let data = resource(
        move || (tick.get(), saved.track(), ran.get(), check_q.get(), range.get()),
        move |(.., check, range)| get_tenant_health(tenant, check, Some(range.period())),
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
        range_error,
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
                        Ok(health) => view! { <HealthBody health ctx/> }.into_any(),
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
fn HealthBody(health: TenantHealth, ctx: Ctx) -> AnyView {
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
    let TenantHealth { checks, incidents, can_manage, now, chart_check, chart, daily, period } = health;
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
        {chart_check.zip(period).map(|(shown, period)| view! { <ChartCard names shown points=chart daily period ctx/> })}
        {(!empty || !incidents.is_empty()).then(|| view! { <IncidentsCard list=incidents now can_manage ctx/> })}
        {delete_dialog}
        {ack_dialog}
    }
    .into_any()
}
