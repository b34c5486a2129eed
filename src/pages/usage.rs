//! The platform Usage page (PRODUCT.md U2, U3): one metric at a time by day, week or
//! month against the buckets before, the top tenants and those growing fastest. Metric and
//! period are in the address (links, so it works without JavaScript); it refreshes on its
//! own at the interval the person picks.

use crate::components::format::{amount_in, day_month};
use crate::components::*;
use crate::fns::usage::get_platform_usage;
use crate::model::usage::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn UsagePage() -> impl IntoView {
    let query = use_query_map();
    let metric = Memo::new(move |_| query.read().get("metric").unwrap_or_else(|| "api_calls".into()));
    let period = Memo::new(move |_| query.read().get("period").unwrap_or_else(|| "day".into()));
    let auto = use_auto_refresh(15);
    let data = resource(move || (metric.get(), period.get(), auto.track()), |(m, p, _)| get_platform_usage(m, p));
    let hover = RwSignal::new(None::<usize>);
    let (pending, set_pending) = signal(false);
    let loading = Signal::from(pending);
    view! {
        <Title text="Usage"/>
        <header class="page-header">
            <div>
                <h1>"Usage"</h1>
                <p class="subtitle">"What every tenant reports and the portal measures, from the hourly and daily rollups."</p>
            </div>
            <RefreshControl auto loading/>
        </header>
        <Transition fallback=|| view! { <Loading text="Loading usage…"/> } set_pending>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(u) => view! { <UsageView u hover auto/> }.into_any(),
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn href(metric: &str, period: Period) -> String {
    format!("/usage?metric={metric}&period={}", period.as_str())
}

#[component]
fn UsageView(u: PlatformUsage, hover: RwSignal<Option<usize>>, auto: AutoRefresh) -> AnyView {
    let m = u.metric.clone();
    let period = u.trend.period;
    let unit = m.unit.clone();
    let metric_tabs = u
        .metrics
        .iter()
        .map(|x| {
            let current = (x.id == m.id).then_some("page");
            view! { <a class="tab" href=href(&x.id, period) aria-current=current>{x.name.clone()}</a> }
        })
        .collect_view();
    let period_tabs = [Period::Day, Period::Week, Period::Month]
        .into_iter()
        .map(|p| {
            let current = (p == period).then_some("page");
            let label = match p {
                Period::Day => "Days",
                Period::Week => "Weeks",
                Period::Month => "Months",
            };
            view! { <a class="tab" href=href(&m.id, p) aria-current=current>{label}</a> }
        })
        .collect_view();
    let t = u.trend;
    let label = move |at: &chrono::DateTime<chrono::Utc>| match period {
        Period::Day => day_month(at.date_naive()),
        Period::Week => at.format("wk %b %-d").to_string(),
        Period::Month => at.format("%b %Y").to_string(),
    };
    let points: Vec<(String, Option<f64>)> = t.points.iter().map(|p| (label(&p.at), Some(p.value))).collect();
    let previous: Vec<f64> = t.previous.iter().map(|p| p.value).collect();
    let fmt = amount_in(&unit);
    let change = t
        .change_percent
        .map(|c| format!("{}{c:.1}% vs the {} before", if c >= 0.0 { "+" } else { "" }, t.points.len()));
    let what = match m.aggregation {
        Aggregation::Sum => "in total",
        Aggregation::Max => "at the peak",
        Aggregation::Last => "latest, all tenants",
    };
    let caption = format!("{} per {}", m.name, period.as_str());
    view! {
        <div class="usage-nav">
            <nav class="status-tabs" aria-label="Metric">{metric_tabs}</nav>
            <UpdatedAt auto at=u.as_of/>
        </div>
        <div class="grid grid-3">
            <div class="card stat">
                <span class="stat-label">{format!("{} · {} {}s", m.name, t.points.len(), period.as_str())}</span>
                <span class="stat-value" data-testid="platform-total">{fmt(t.total)}</span>
                <span class="stat-hint">{what}</span>
            </div>
            <div class="card stat">
                <span class="stat-label">"Before that"</span>
                <span class="stat-value">{fmt(t.previous_total)}</span>
                <span class="stat-hint">{change.unwrap_or_else(|| "no use to compare with".into())}</span>
            </div>
            <div class="card stat">
                <span class="stat-label">"Rollup lag"</span>
                <span class="stat-value" data-testid="rollup-lag">{format!("{:.0} s", u.rollup_lag_seconds)}</span>
                <span class="stat-hint">"age of the oldest event not yet in the charts"</span>
            </div>
        </div>
        <section class="card">
            <div class="card-header">
                <h2 class="card-title">{caption.clone()}</h2>
                <nav class="segmented" aria-label="Period">{period_tabs}</nav>
            </div>
            <SeriesChart points previous=Some(previous) format=fmt caption hover/>
            <p class="hint">{format!("Pale bars: the {} {}s just before.", t.points.len(), period.as_str())}</p>
        </section>
        <div class="grid grid-2">
            <TopList title=format!("Top tenants {}", this_period(period)) rows=u.top.top fmt/>
            <TopList title="Growing fastest".to_string() rows=u.top.growing fmt/>
        </div>
    }
    .into_any()
}

fn this_period(p: Period) -> &'static str {
    match p {
        Period::Day => "today",
        Period::Week => "this week",
        Period::Month => "this month",
    }
}

#[component]
fn TopList(title: String, rows: Vec<TopTenant>, fmt: fn(f64) -> String) -> AnyView {
    let empty = rows.is_empty();
    let items = rows
        .into_iter()
        .map(|r| {
            let change = r.change_percent.map(|c| format!("{}{c:.0}%", if c >= 0.0 { "+" } else { "" }));
            view! {
                <tr>
                    <td><a href=format!("/tenants/{}/usage", r.slug)>{r.name.clone()}</a></td>
                    <td class="num">{fmt(r.value)}</td>
                    <td class="num muted">{change.unwrap_or_else(|| "new".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card table-card">
            <div class="card-header"><h2 class="card-title">{title}</h2></div>
            {if empty {
                view! { <p class="muted">"No tenant has used it yet in this period."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <thead><tr><th>"Tenant"</th><th class="num">"Use"</th><th class="num">"Change"</th></tr></thead>
                            <tbody>{items}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}
