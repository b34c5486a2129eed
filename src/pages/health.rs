//! The platform Health page (PRODUCT.md H4): every tenant's health checks in one dense
//! table, the worst first (down, degraded, pending, up), with counts per state and open
//! incidents, filtered by state and a search. The filters are in the address (a plain GET
//! form, so it works without JavaScript); it refreshes on its own at the interval the
//! person picks.

use crate::components::format::{ms, span, time, uptime, uptime_title};
use crate::components::*;
use crate::fns::monitoring::get_health_overview;
use crate::model::monitoring::{CheckState, Overview, OverviewRow};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use std::time::Duration;

fn overview_href(state: Option<&str>, q: Option<&str>) -> String {
    let encode = crate::model::query::encode_component;
    let mut params = Vec::new();
    if let Some(s) = state.filter(|s| !s.is_empty()) {
        params.push(format!("state={}", encode(s)));
    }
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        params.push(format!("q={}", encode(q)));
    }
    if params.is_empty() {
        "/health".into()
    } else {
        format!("/health?{}", params.join("&"))
    }
}

#[component]
pub fn HealthPage() -> impl IntoView {
    let query = use_query_map();
    let state = Memo::new(move |_| {
        query.read().get("state").and_then(|s| CheckState::parse(&s)).map(|s| s.as_str().to_string())
    });
    let q = Memo::new(move |_| query.read().get("q").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
    let auto = use_auto_refresh(15);
    let data = resource(move || (state.get(), q.get(), auto.track()), |(s, q, _)| get_health_overview(s, q));
    let (pending, set_pending) = signal(false);
    let loading = Signal::from(pending);

    let navigate = use_navigate();
    let search_ref = NodeRef::<html::Input>::new();
    let state_ref = NodeRef::<html::Select>::new();
    // Reads the form into the address (replacing the history entry while typing).
    let apply = Callback::new(move |replace: bool| {
        let s = state_ref.get_untracked().map(|e| e.value());
        let q = search_ref.get_untracked().map(|e| e.value());
        navigate(
            &overview_href(s.as_deref(), q.as_deref()),
            NavigateOptions { replace, scroll: false, ..Default::default() },
        );
    });
    // One request after the typing pauses, not one per keystroke.
    let mut search_later = debounce(Duration::from_millis(300), move |_: ()| apply.run(true));
    let q_value = move || q.get().unwrap_or_default();
    let state_options = move || {
        let now = state.get().unwrap_or_default();
        let all = view! { <option value="" selected=now.is_empty()>"All states"</option> };
        let each = CheckState::ALL
            .into_iter()
            .map(|s| view! { <option value=s.as_str() selected=now == s.as_str()>{s.label()}</option> })
            .collect_view();
        view! { {all}{each} }
    };

    view! {
        <Title text="Health"/>
        <header class="page-header">
            <div>
                <h1>"Health"</h1>
                <p class="subtitle">"Every tenant's health checks, the worst first."</p>
            </div>
            <RefreshControl auto loading/>
        </header>
        <form class="toolbar" method="get" action="/health" role="search"
            on:submit=move |ev| { ev.prevent_default(); apply.run(false); }>
            <div class="search-wrap">
                <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
                    <circle cx="11" cy="11" r="7"></circle>
                    <path d="M20 20l-3.5-3.5"></path>
                </svg>
                <label class="sr-only" for="health-search">"Search checks"</label>
                <input id="health-search" class="search" type="search" name="q" node_ref=search_ref
                    placeholder="Search tenant, check or URL" autocomplete="off" value=q_value prop:value=q_value
                    on:input=move |_| search_later(())/>
            </div>
            <label class="sr-only" for="health-state">"State"</label>
            <select id="health-state" name="state" node_ref=state_ref on:change=move |_| apply.run(false)>
                {state_options}
            </select>
            <button class="btn" type="submit">"Apply"</button>
            {move || (state.get().is_some() || q.get().is_some()).then(|| view! { <a class="btn btn-ghost" href="/health">"Clear"</a> })}
        </form>
        <Transition fallback=|| view! { <Loading text="Loading health checks…"/> } set_pending>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(o) => {
                        let filtered = state.get_untracked().is_some() || q.get_untracked().is_some();
                        view! { <OverviewBody o auto filtered q=q.get_untracked()/> }.into_any()
                    }
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn OverviewBody(o: Overview, auto: AutoRefresh, filtered: bool, q: Option<String>) -> AnyView {
    let now = o.now;
    let stat = |s: CheckState, n: i64| {
        let href = overview_href(Some(s.as_str()), q.as_deref());
        view! {
            <a class="card stat stat-link health-stat" class:nonzero={n > 0} href=href data-state=s.as_str()
                data-testid=format!("count-{}", s.as_str())>
                <span class="stat-label">{s.label()}</span>
                <span class="stat-value">{crate::model::units::number(n)}</span>
                <span class="stat-hint">{if n == 1 { "check" } else { "checks" }}</span>
            </a>
        }
    };
    let shown = o.rows.len();
    let rows = o.rows.into_iter().map(|r| row(r, now)).collect_view();
    let empty = (shown == 0).then(|| {
        let text = if filtered { "No check matches these filters." } else { "No tenant has a health check yet." };
        view! { <p class="muted pad">{text}</p> }
    });
    view! {
        <UpdatedAt auto at=now/>
        <div class="grid health-stats">
            {stat(CheckState::Down, o.down)}
            {stat(CheckState::Degraded, o.degraded)}
            {stat(CheckState::Up, o.up)}
            {stat(CheckState::Pending, o.pending)}
            <div class="card stat health-stat" class:nonzero={o.open_incidents > 0} data-state="incidents" data-testid="count-incidents">
                <span class="stat-label">"Open incidents"</span>
                <span class="stat-value">{crate::model::units::number(o.open_incidents)}</span>
                <span class="stat-hint">"down or degraded right now"</span>
            </div>
        </div>
        <section class="card table-card" aria-labelledby="health-checks-title">
            <div class="card-header">
                <h2 class="card-title" id="health-checks-title">"Checks"</h2>
                <span class="muted small">{format!("{} shown", crate::model::units::number(shown as i64))}</span>
            </div>
            {empty}
            {(shown > 0).then(|| view! {
                <div class="table-wrap health-table-wrap">
                    <table class="table health-table">
                        <thead><tr>
                            <th scope="col">"State"</th>
                            <th scope="col">"Check"</th>
                            <th scope="col">"Tenant"</th>
                            <th scope="col" class="num">"Uptime 24 h"</th>
                            <th scope="col" class="num">"p95 24 h"</th>
                            <th scope="col">"For"</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            })}
        </section>
    }
    .into_any()
}

/// One check: plain cells, no reactive parts, so a thousand rows stay cheap.
fn row(r: OverviewRow, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let since = r.state_since;
    let incident = r.incident_since.filter(|i| *i != since).map(|i| {
        view! { <span class="cell-sub">{format!("incident for {}", span((now - i).num_seconds()))}</span> }
    });
    view! {
        <tr data-state=r.state.as_str() data-check=r.check_id.to_string()>
            <td class="nowrap">
                <span class=health_class(r.state)>{r.state.label()}</span>
                {(!r.enabled).then(|| view! { <span class="cell-sub">"paused"</span> })}
            </td>
            <td class="col-name">
                <span class="cell-title">{r.name}</span>
                <span class="cell-sub mono health-url" title=r.url.clone()>{r.url.clone()}</span>
            </td>
            <td><a href=format!("/tenants/{}/health", r.tenant_slug)>{r.tenant_name}</a></td>
            <td class="num" title=uptime_title(&r.uptime_24h)>{uptime(&r.uptime_24h)}</td>
            <td class="num">{ms(r.p95_ms_24h)}</td>
            <td class="nowrap">
                <time datetime=since.to_rfc3339() title=format!("Since {}", time(&since))>{span((now - since).num_seconds())}</time>
                {incident}
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_make_the_address() {
        assert_eq!(overview_href(None, None), "/health");
        assert_eq!(overview_href(Some("down"), Some(" acme ")), "/health?state=down&q=acme");
        assert_eq!(overview_href(Some(""), Some("a b")), "/health?q=a%20b");
    }
}
