//! The platform Limits page (PRODUCT.md R2, R7): every tenant's unresolved alerts, and
//! every active tenant's resources at or over their soft limit, fullest first or sorted by tenant or resource (links, so it works
//! without JavaScript), each linking to the tenant's Resources tab. It refreshes on its own
//! at the interval the person picks.

use crate::components::format::{amount_in, day_month};
use crate::components::*;
use crate::fns::resources::get_platform_limits;
use crate::model::resources::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LimitsPage() -> impl IntoView {
    let query = use_query_map();
    let sort = Memo::new(move |_| LimitSort::parse(&query.read().get("sort").unwrap_or_default()));
    let auto = use_auto_refresh(15);
    let saved = Refresh::new();
    let data =
        resource(move || (sort.get(), auto.track(), saved.track()), |(s, ..)| get_platform_limits(s.as_str().into()));
    let (pending, set_pending) = signal(false);
    let loading = Signal::from(pending);
    view! {
        <Title text="Limits"/>
        <header class="page-header">
            <div>
                <h1>"Limits"</h1>
                <p class="subtitle">"Tenants using their resources at or beyond the soft limit, across the platform."</p>
            </div>
            <RefreshControl auto loading/>
        </header>
        <Transition fallback=|| view! { <Loading text="Loading limits…"/> } set_pending>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(l) => view! { <LimitsTable l sort=sort.get_untracked() auto saved/> }.into_any(),
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn LimitsTable(l: PlatformLimits, sort: LimitSort, auto: AutoRefresh, saved: Refresh) -> AnyView {
    let open_alerts = l.alerts.len();
    let over = l.rows.iter().filter(|r| r.level == Level::Hard).count();
    let near = l.rows.len() - over;
    let head = move |key: LimitSort, label: &'static str| {
        let current = (key == sort).then_some("ascending");
        view! {
            <th aria-sort=current.unwrap_or("none")>
                <a href=format!("/limits?sort={}", key.as_str()) aria-current=(key == sort).then_some("true")>{label}</a>
            </th>
        }
    };
    let empty = l.rows.is_empty();
    let rows = l
        .rows
        .into_iter()
        .map(|r| {
            let fmt = amount_in(&r.unit);
            let share = if r.limits.hard_limit > 0 { r.used / r.limits.hard_limit as f64 * 100.0 } else { 100.0 };
            let (class, label) = match r.level {
                Level::Hard => ("badge badge-failed", "at hard limit"),
                Level::Soft => ("badge badge-warning", "past soft limit"),
                Level::Ok => ("badge", "ok"),
            };
            let meter = match r.level {
                Level::Hard => "meter meter-over",
                Level::Soft => "meter meter-near",
                Level::Ok => "meter",
            };
            view! {
                <tr data-tenant=r.tenant_slug.clone() data-resource=r.resource.clone()>
                    <td><a href=format!("/tenants/{}/resources", r.tenant_slug)>{r.tenant_name.clone()}</a></td>
                    <td>{r.resource_name.clone()}</td>
                    <td class="num">{fmt(r.used)}</td>
                    <td class="num">{format!("{} / {}", fmt(r.limits.soft_limit as f64), fmt(r.limits.hard_limit as f64))}</td>
                    <td class="limit-share">
                        <div class=meter role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{:.0}", share.min(100.0))
                            aria-label=format!("{:.0}% of the hard limit", share)>
                            <span style=format!("width: {:.1}%", share.min(100.0))></span>
                        </div>
                        <span class="num">{format!("{share:.0}%")}</span>
                    </td>
                    <td><span class=class>{label}</span></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <UpdatedAt auto at=l.as_of/>
        <div class="grid grid-4 usage-kpis">
            <div class="card stat"><span class="stat-label">"At a hard limit"</span><span class="stat-value" class:warn={over > 0}>{over}</span></div>
            <div class="card stat"><span class="stat-label">"Past a soft limit"</span><span class="stat-value">{near}</span></div>
            <div class="card stat"><span class="stat-label">"Unresolved alerts"</span><span class="stat-value">{open_alerts}</span></div>
        </div>
        <section class="card" aria-labelledby="platform-alerts-title" data-testid="alerts">
            <div class="card-header">
                <h2 class="card-title" id="platform-alerts-title">"Unresolved alerts"</h2>
                {(open_alerts > 0).then(|| view! { <span class="badge badge-warning">{open_alerts}</span> })}
            </div>
            <AlertList list=l.alerts show_tenant=true can_ack=|_| true saved show=10
                empty="No unresolved alerts on any tenant."/>
        </section>
        <Soonest list=l.soonest/>
        <section class="card table-card" aria-labelledby="limits-title">
            <div class="card-header"><h2 class="card-title" id="limits-title">"At or over a soft limit"</h2></div>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr>
                        {head(LimitSort::Tenant, "Tenant")}
                        {head(LimitSort::Resource, "Resource")}
                        <th class="num">"Used"</th>
                        <th class="num">"Soft / hard"</th>
                        {head(LimitSort::Share, "Of hard limit")}
                        <th>"State"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {empty.then(|| view! { <p class="muted">"Every tenant is under its soft limits."</p> })}
            {l.truncated.then(|| view! { <p class="hint">"Showing the 500 fullest."</p> })}
        </section>
    }
    .into_any()
}

/// Resources running out within 90 days at their trend, soonest first (the tabs' forecasts).
#[component]
fn Soonest(list: Vec<RunOut>) -> AnyView {
    let empty = list.is_empty();
    let day = day_month;
    let rows = list
        .into_iter()
        .map(|r| {
            let fmt = amount_in(&r.unit);
            let f = &r.forecast;
            let range = match (f.earliest, f.latest) {
                (Some(e), Some(l)) if e != l => format!("{} – {}", day(e), day(l)),
                (Some(e), None) => format!("from {}", day(e)),
                _ => String::new(),
            };
            view! {
                <tr data-tenant=r.tenant_slug.clone() data-resource=r.resource.clone()>
                    <td><a href=format!("/tenants/{}/resources", r.tenant_slug)>{r.tenant_name.clone()}</a></td>
                    <td>{r.resource_name.clone()}</td>
                    <td class="num">{format!("{} / {}", fmt(r.used), fmt(r.hard_limit as f64))}</td>
                    <td class="num">{format!("{} a day", fmt(f.per_day.abs()))}</td>
                    <td><strong>{day(r.day())}</strong><span class="muted">{(!range.is_empty()).then(|| format!(" ({range})"))}</span></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card table-card" aria-labelledby="soonest-title" data-testid="soonest">
            <div class="card-header"><h2 class="card-title" id="soonest-title">"Running out soonest"</h2></div>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr>
                        <th>"Tenant"</th><th>"Resource"</th><th class="num">"Used / hard"</th><th class="num">"Trend"</th>
                        <th>"Runs out (95 % range)"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {empty.then(|| view! { <p class="muted">"Nothing runs out within 90 days at its current trend."</p> })}
        </section>
    }
    .into_any()
}
