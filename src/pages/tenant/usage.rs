//! A tenant's Usage tab (PRODUCT.md U3, U4): this month's cost so far, a chart per metric
//! over 30 days against the tenant's allocation, the cost alert, and the invoices. It
//! refreshes on its own at the interval the person picks.

use super::tab;
use crate::components::format::{amount_in, date, day_month, money};
use crate::components::*;
use crate::fns::usage::{get_tenant_usage, SetCostAlert};
use crate::model::usage::*;
use crate::model::{Me, Permission, Tenant};
use leptos::prelude::*;

#[component]
pub fn UsageTab() -> impl IntoView {
    tab("usage", |t, me| view! { <TenantUsagePanel t me/> })
}

#[component]
fn TenantUsagePanel(t: Tenant, me: Option<Me>) -> AnyView {
    let id = t.id;
    let auto = use_auto_refresh(15);
    let saved = Refresh::new();
    let data = resource(move || (auto.track(), saved.track()), move |_| get_tenant_usage(id));
    let can_edit = me.as_ref().is_some_and(|m| m.can(Permission::TenantEdit, Some(id)));
    // Which bar each chart points at, kept across refreshes (see SeriesChart).
    let hover_of = use_hover_map();
    let (pending, set_pending) = signal(false);
    let loading = Signal::from(pending);
    view! {
        <section class="stack-lg" aria-label="Usage">
            <div class="toolbar">
                <h2 class="section-title">"Usage this month"</h2>
                <RefreshControl auto loading/>
            </div>
            <Transition fallback=|| view! { <Loading text="Loading usage…"/> } set_pending>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <UsageBody v can_edit saved hover_of auto/> }.into_any(),
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn UsageBody(
    v: TenantUsageView,
    can_edit: bool,
    saved: Refresh,
    hover_of: impl Fn(&str) -> RwSignal<Option<usize>> + Copy + 'static,
    auto: AutoRefresh,
) -> AnyView {
    let u = v.usage;
    let overage: i64 = u.metrics.iter().map(|m| m.overage_cents).sum();
    let over = overage > 0;
    let period =
        format!("{} – {}", day_month(u.period_start), (u.period_end - chrono::Duration::days(1)).format("%b %-d, %Y"));
    let lag = (u.rollup_lag_seconds >= 1.0).then(|| format!("Newest usage is {:.0} s behind.", u.rollup_lag_seconds));
    let today = u.as_of.date_naive();
    let cards = u
        .metrics
        .iter()
        .map(|m| {
            let series = v.series.iter().find(|(id, _)| *id == m.metric).map(|(_, p)| p.clone()).unwrap_or_default();
            view! { <MetricCard m=m.clone() series today hover=hover_of(&m.metric)/> }
        })
        .collect_view();
    view! {
        <UpdatedAt auto at=u.as_of/>
        <div class="grid grid-4 usage-kpis">
            <div class="card stat">
                <span class="stat-label">"Cost so far"</span>
                <span class="stat-value" data-testid="cost-so-far">{money(u.cost_cents)}</span>
                <span class="stat-hint">{period}</span>
            </div>
            <div class="card stat">
                <span class="stat-label">"Plan"</span>
                <span class="stat-value">{money(u.plan_price_cents)}</span>
                <span class="stat-hint">"per month"</span>
            </div>
            <div class="card stat">
                <span class="stat-label">"Overage"</span>
                <span class="stat-value" class:warn=over>{money(overage)}</span>
                <span class="stat-hint">"use beyond the allocation"</span>
            </div>
            <CostAlert tenant=u.tenant_id current=u.cost_alert_cents cost=u.cost_cents can_edit saved/>
        </div>
        {lag.map(|l| view! { <p class="hint">{l}</p> })}
        <div class="grid grid-2 usage-metrics">{cards}</div>
        <Invoices list=v.invoices tenant=u.tenant_id/>
    }
    .into_any()
}

/// One metric: this month against the allocation (a meter), and its last 30 days.
#[component]
fn MetricCard(m: MetricUsage, series: Vec<Point>, today: chrono::NaiveDate, hover: RwSignal<Option<usize>>) -> AnyView {
    let fmt = amount_in(&m.unit);
    let share = m.allocated.filter(|a| *a > 0.0).map(|a| (m.used / a * 100.0).min(999.0));
    let level = match share {
        Some(s) if s >= 100.0 => "over",
        Some(s) if s >= 80.0 => "near",
        _ => "ok",
    };
    // Summed metrics are allocated per month: the chart's line is a day's share of it.
    let reference = m.allocated.map(|a| match m.aggregation {
        Aggregation::Sum => (a / 30.0, "daily share of allocation".to_string()),
        _ => (a, "allocation".to_string()),
    });
    let points = daily_axis(&series, today, 30);
    let used_label = match m.aggregation {
        Aggregation::Sum => "used this month",
        Aggregation::Max => "peak this month",
        Aggregation::Last => "now",
    };
    let metric_id = m.metric.clone();
    view! {
        <article class="card usage-metric" data-metric=metric_id>
            <header class="usage-metric-head">
                <h3 class="card-title">{m.name.clone()}</h3>
                {(m.source == MetricSource::Measured).then(|| view! { <span class="badge">"measured"</span> })}
            </header>
            <p class="usage-figure">
                <strong data-testid="used">{fmt(m.used)}</strong>
                <span class="muted">{format!(" {used_label}")}</span>
                {m.allocated.map(|a| view! { <span class="muted">{format!(" of {}", fmt(a))}</span> })}
            </p>
            {share.map(|s| view! {
                <div class=format!("meter meter-{level}") role="meter" aria-valuemin="0" aria-valuemax="100"
                    aria-valuenow=format!("{:.0}", s.min(100.0)) aria-label=format!("{} used: {s:.0}% of the allocation", m.name)>
                    <span style=format!("width: {:.1}%", s.min(100.0))></span>
                </div>
            })}
            {(m.overage_cents > 0).then(|| view! { <p class="overage">{format!("Overage so far: {}", money(m.overage_cents))}</p> })}
            <SeriesChart points reference format=fmt caption=format!("{}, last 30 days", m.name) hover width=340.0/>
        </article>
    }
    .into_any()
}

/// The monthly cost alert: a threshold the owners are emailed about, once per month.
#[component]
fn CostAlert(tenant: uuid::Uuid, current: Option<i64>, cost: i64, can_edit: bool, saved: Refresh) -> AnyView {
    let set = ServerAction::<SetCostAlert>::new();
    after(set).refresh(saved).fields_in_form().toast(|_| "Cost alert saved.".into());
    let error = move || match set.value().get() {
        Some(Err(e)) => e.field("threshold").or_else(|| Some(e.to_string())),
        _ => None,
    };
    let state = match current {
        Some(c) if cost >= c => format!("Passed: {} of {}", money(cost), money(c)),
        Some(c) => format!("At {}", money(c)),
        None => "Not set".to_string(),
    };
    let value = current.map(|c| format!("{:.2}", c as f64 / 100.0)).unwrap_or_default();
    view! {
        <div class="card stat">
            <span class="stat-label">"Cost alert"</span>
            <span class="stat-value stat-value-sm" class:warn=current.is_some_and(|c| cost >= c)>{state}</span>
            {can_edit.then(|| view! {
                <ActionForm action=set attr:class="inline-form">
                    <input type="hidden" name="tenant" value=tenant.to_string()/>
                    <label class="sr-only" for="cost-threshold">"Alert threshold in dollars"</label>
                    <input id="cost-threshold" class="input input-sm" name="threshold" inputmode="decimal" placeholder="e.g. 250"
                        value=value aria-invalid=move || error().is_some().to_string() aria-describedby="cost-threshold-error"/>
                    <button class="btn btn-sm" type="submit" disabled=move || set.pending().get()>"Save"</button>
                </ActionForm>
                <FieldError message=Signal::derive(error) id="cost-threshold-error"/>
            })}
            <span class="stat-hint">"Owners get one email per month when the cost passes it."</span>
        </div>
    }
    .into_any()
}

#[component]
fn Invoices(list: Vec<Invoice>, tenant: uuid::Uuid) -> AnyView {
    let none = list.is_empty();
    let rows = list
        .into_iter()
        .map(|i| {
            let csv = format!("/api/v1/tenants/{tenant}/invoices/{}?format=csv", i.id);
            let lines = i.lines.len();
            view! {
                <tr>
                    <td>{i.number.clone()}</td>
                    <td>{i.period_start.format("%B %Y").to_string()}</td>
                    <td class="num">{money(i.total_cents)}</td>
                    <td class="num">{lines}</td>
                    <td>{date(&i.issued_at)}</td>
                    <td><a href=csv download>"CSV"</a></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card table-card" aria-labelledby="invoices-title">
            <div class="card-header"><h2 class="card-title" id="invoices-title">"Invoices"</h2></div>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th>"Number"</th><th>"Period"</th><th class="num">"Total"</th><th class="num">"Lines"</th><th>"Issued"</th><th><span class="sr-only">"Download"</span></th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {none.then(|| view! { <p class="muted">"No invoices yet: the first is issued at the start of next month."</p> })}
            <p class="hint">"Issued on the first of each month for the month before; never changed afterwards."</p>
        </section>
    }
    .into_any()
}
