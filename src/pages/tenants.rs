//! The tenant list (PRODUCT.md T3): search as you type, filters, sortable columns, keyset
//! pages and counts per status. The URL holds the whole query, so any view can be
//! bookmarked; the filter form is a plain GET form, so it also works without JavaScript.

use crate::components::format::{self, date, time, title_case};
use crate::components::icons::Icon;
use crate::components::*;
use crate::fns::tenants::{get_catalog, list_tenants, tenant_status_counts};
use crate::model::*;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use std::time::Duration;

fn href(q: &TenantQuery) -> String {
    let qs = q.to_query_string();
    if qs.is_empty() {
        "/tenants".into()
    } else {
        format!("/tenants?{qs}")
    }
}

#[component]
pub fn TenantList() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|m| TenantQuery::from_params(|k| m.get_str(k))));
    // Counts ignore the status and the page, so they only refetch when other filters change.
    let count_key = Memo::new(move |_| {
        query.get().ok().map(|q| TenantQuery { status: None, cursor: None, sort: Sort::default(), limit: None, ..q })
    });
    let page = resource(
        move || query.get(),
        |q| async move {
            match q {
                Ok(q) => list_tenants(q).await,
                Err(e) => Err(e),
            }
        },
    );
    let counts = resource(
        move || count_key.get(),
        |q| async move {
            match q {
                Some(q) => tenant_status_counts(q).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let catalog = resource(|| (), |_| get_catalog());

    let navigate = use_navigate();
    let search_ref = NodeRef::<html::Input>::new();
    let plan_ref = NodeRef::<html::Select>::new();
    let region_ref = NodeRef::<html::Select>::new();
    let isolation_ref = NodeRef::<html::Select>::new();

    // Reads the form into a query and moves the URL there (replacing history entries while typing).
    let apply = Callback::new(move |replace: bool| {
        let current = query.get_untracked().unwrap_or_default();
        let value = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let next = TenantQuery {
            q: value(search_ref.get_untracked().map(|e| e.value())),
            plan: value(plan_ref.get_untracked().map(|e| e.value())),
            region: value(region_ref.get_untracked().map(|e| e.value())),
            isolation: value(isolation_ref.get_untracked().map(|e| e.value())).and_then(|s| Isolation::parse(&s)),
            cursor: None,
            ..current
        };
        navigate(&href(&next), NavigateOptions { replace, scroll: false, ..Default::default() });
    });
    // One request after the typing pauses, not one per keystroke.
    let mut search_later = debounce(Duration::from_millis(300), move |_: ()| apply.run(true));

    let q_value = move || query.get().ok().and_then(|q| q.q).unwrap_or_default();
    let filter_value =
        move |f: fn(&TenantQuery) -> Option<String>| query.get().ok().and_then(|q| f(&q)).unwrap_or_default();

    view! {
        <Title text="Tenants"/>
        <header class="page-header">
            <div>
                <h1>"Tenants"</h1>
                <p class="subtitle">"Search, filter and open any tenant."</p>
            </div>
            <div class="actions">
                <Transition fallback=|| ()>
                    {move || crate::components::use_session().me().filter(|m| m.can(crate::model::Permission::TenantsCreate, None)).map(|_| view! {
                        <a class="btn btn-primary" href="/tenants/new"><Icon name="plus"/>"New tenant"</a>
                    })}
                </Transition>
            </div>
        </header>

        <form class="toolbar" method="get" action="/tenants" role="search"
            on:submit=move |ev| { ev.prevent_default(); apply.run(false); }>
            <div class="search-wrap">
                <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">
                    <circle cx="11" cy="11" r="7"></circle>
                    <path d="M20 20l-3.5-3.5"></path>
                </svg>
                <label class="sr-only" for="tenant-search">"Search tenants"</label>
                <input id="tenant-search" class="search" type="search" name="q" node_ref=search_ref
                    placeholder="Search name, slug or domain" autocomplete="off" value=q_value prop:value=q_value
                    on:input=move |_| search_later(())/>
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let cat = catalog.await.unwrap_or_default();
                    let plan_now = filter_value(|q| q.plan.clone());
                    let region_now = filter_value(|q| q.region.clone());
                    let iso_now = filter_value(|q| q.isolation.map(|i| i.as_str().to_string()));
                    view! {
                        <label class="sr-only" for="f-plan">"Plan"</label>
                        <select id="f-plan" name="plan" node_ref=plan_ref on:change=move |_| apply.run(false)>
                            <option value="" selected=plan_now.is_empty()>"All plans"</option>
                            {cat.plans.into_iter().map(|p| {
                                let sel = p.id == plan_now;
                                view! { <option value=p.id.clone() selected=sel>{p.name.clone()}</option> }
                            }).collect_view()}
                        </select>
                        <label class="sr-only" for="f-region">"Region"</label>
                        <select id="f-region" name="region" node_ref=region_ref on:change=move |_| apply.run(false)>
                            <option value="" selected=region_now.is_empty()>"All regions"</option>
                            {cat.regions.into_iter().map(|r| {
                                let sel = r.id == region_now;
                                view! { <option value=r.id.clone() selected=sel>{r.name.clone()}</option> }
                            }).collect_view()}
                        </select>
                        <label class="sr-only" for="f-isolation">"Isolation"</label>
                        <select id="f-isolation" name="isolation" node_ref=isolation_ref on:change=move |_| apply.run(false)>
                            <option value="" selected=iso_now.is_empty()>"Any isolation"</option>
                            {Isolation::ALL.into_iter().map(|i| {
                                let sel = i.as_str() == iso_now;
                                view! { <option value=i.as_str() selected=sel>{i.label()}</option> }
                            }).collect_view()}
                        </select>
                    }
                })}
            </Transition>
            {move || query.get().ok().and_then(|q| q.status).map(|s| view! { <input type="hidden" name="status" value=s.as_str()/> })}
            {move || query.get().ok().filter(|q| q.sort != Sort::default()).map(|q| view! { <input type="hidden" name="sort" value=q.sort.as_param()/> })}
            <button class="btn" type="submit">"Apply"</button>
            {move || query.get().ok().filter(|q| q.has_filters()).map(|_| view! { <a class="btn btn-ghost" href="/tenants">"Clear"</a> })}
        </form>

        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let counts = counts.await.unwrap_or_default();
                let q = query.get().unwrap_or_default();
                view! { <StatusTabs counts q/> }
            })}
        </Transition>

        <Transition fallback=|| view! { <Loading text="Loading tenants…"/> }>
            {move || Suspend::new(async move {
                let q = query.get();
                let me = crate::components::use_session().load().await;
                match (page.await, q) {
                    (Ok(p), Ok(q)) => view! { <TenantTable page=p q me/> }.into_any(),
                    (Err(e), _) | (_, Err(e)) => view! { <ErrorAlert error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StatusTabs(counts: Vec<Count>, q: TenantQuery) -> impl IntoView {
    let total: i64 = counts.iter().map(|c| c.count).sum();
    let all = TenantQuery { status: None, cursor: None, ..q.clone() };
    let current = q.status;
    let tabs = TenantStatus::ALL
        .into_iter()
        .map(|s| {
            let n = counts.iter().find(|c| c.key == s.as_str()).map_or(0, |c| c.count);
            let link = href(&TenantQuery { status: Some(s), cursor: None, ..q.clone() });
            view! {
                <a class="tab" href=link aria-current=(current == Some(s)).then_some("page")>
                    {s.label()} <span class="count">{format::number(n)}</span>
                </a>
            }
        })
        .collect_view();
    view! {
        <nav class="status-tabs" aria-label="Filter by status">
            <a class="tab" href=href(&all) aria-current=current.is_none().then_some("page")>
                "All" <span class="count">{format::number(total)}</span>
            </a>
            {tabs}
        </nav>
    }
}

#[component]
fn SortHeader(label: &'static str, field: SortField, q: TenantQuery) -> impl IntoView {
    let active = q.sort.field == field;
    let next = TenantQuery { sort: q.sort.toggled_for(field), cursor: None, ..q.clone() };
    let (aria, class) = match (active, q.sort.descending) {
        (false, _) => ("none", "sort"),
        (true, false) => ("ascending", "sort sort-asc"),
        (true, true) => ("descending", "sort sort-desc"),
    };
    view! {
        <th scope="col" aria-sort=aria>
            <a class=class href=href(&next)>{label}</a>
        </th>
    }
}

#[component]
fn TenantTable(page: Page<TenantSummary>, q: TenantQuery, me: Option<crate::model::Me>) -> impl IntoView {
    if page.items.is_empty() {
        let filtered = q.has_filters();
        let can_create = me.as_ref().is_some_and(|m| m.can(crate::model::Permission::TenantsCreate, None));
        let text = if filtered {
            "Try fewer filters or a shorter search."
        } else if can_create {
            "Create the first tenant to get started."
        } else {
            "You don't belong to any tenant yet. Ask a tenant's owner or admin to invite you."
        };
        return view! {
            <Empty title=if filtered { "No tenants match" } else { "No tenants yet" } text=text>
                {if filtered {
                    view! { <a class="btn" href="/tenants">"Clear filters"</a> }.into_any()
                } else {
                    can_create.then(|| view! { <a class="btn btn-primary" href="/tenants/new">"New tenant"</a> }).into_any()
                }}
            </Empty>
        }
        .into_any();
    }
    let shown = page.items.len();
    let next = page.next_cursor.clone().map(|c| href(&TenantQuery { cursor: Some(c), ..q.clone() }));
    let first = q.cursor.is_some().then(|| href(&q.first_page()));
    let rows = page
        .items
        .into_iter()
        .map(|t| {
            let link = format!("/tenants/{}", t.slug);
            view! {
                <tr>
                    <td class="col-name">
                        <a class="cell-title" href=link>{t.name.clone()}</a>
                        <div class="cell-sub mono">{t.slug.clone()}</div>
                    </td>
                    <td><StatusBadge status=t.status/></td>
                    <td><PlanBadge plan=t.plan.clone()/></td>
                    <td class="nowrap">{t.region.clone()}</td>
                    <td><IsolationBadge isolation=t.isolation/></td>
                    <td class="col-domain truncate" title=t.domain.clone()>{t.domain.clone().unwrap_or_else(|| "—".into())}</td>
                    <td class="nowrap muted" title=time(&t.created_at)>{date(&t.created_at)}</td>
                    <td class="nowrap muted" title=time(&t.updated_at)>{date(&t.updated_at)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption class="sr-only">"Tenants"</caption>
                <thead>
                    <tr>
                        <SortHeader label="Name" field=SortField::Name q=q.clone()/>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Plan"</th>
                        <th scope="col">"Region"</th>
                        <th scope="col">"Isolation"</th>
                        <th scope="col">"Domain"</th>
                        <SortHeader label="Created" field=SortField::CreatedAt q=q.clone()/>
                        <SortHeader label="Updated" field=SortField::UpdatedAt q=q.clone()/>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <div class="pager">
            <span class="muted small">{format!("Showing {shown} tenant{}", if shown == 1 { "" } else { "s" })}
                {q.sort.field.as_str().ne("created_at").then(|| format!(" · sorted by {}", title_case(&q.sort.field.as_str().replace('_', " "))))}
            </span>
            <div class="btn-group">
                {first.map(|h| view! { <a class="btn btn-sm" href=h>"First page"</a> })}
                {match next {
                    Some(h) => view! { <a class="btn btn-sm" href=h rel="next">"Next page →"</a> }.into_any(),
                    None => view! { <span class="muted small">"End of list"</span> }.into_any(),
                }}
            </div>
        </div>
    }
    .into_any()
}
