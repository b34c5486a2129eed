//! The audit log (PRODUCT.md E1): every event, filterable by tenant, action and time.

use crate::components::*;
use crate::fns::audit::{audit_actions, list_audit};
use crate::fns::tenants::get_tenant;
use crate::model::*;
use chrono::{NaiveDate, TimeZone, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn day_start(s: &str) -> Option<chrono::DateTime<Utc>> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t))
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_query_map();
    let get = move |k: &str| params.with(|m| m.get(k)).filter(|v| !v.trim().is_empty());
    let key = move || (get("tenant"), get("action"), get("since"), get("until"), get("cursor"));
    let events = resource(key, |(tenant, action, since, until, cursor)| async move {
        let tenant_id = match tenant {
            Some(t) => Some(get_tenant(t).await?.id),
            None => None,
        };
        let q = AuditQuery {
            tenant_id,
            action,
            since: since.as_deref().and_then(day_start),
            until: until.as_deref().and_then(day_start).map(|d| d + chrono::Duration::days(1)),
            limit: Some(50),
            cursor,
        };
        list_audit(q).await
    });
    let actions = resource(|| (), |_| audit_actions());
    let next_href = move |cursor: String| {
        let mut parts = Vec::new();
        for k in ["tenant", "action", "since", "until"] {
            if let Some(v) = get(k) {
                parts.push(format!("{k}={}", crate::model::query::encode_component(&v)));
            }
        }
        parts.push(format!("cursor={cursor}"));
        format!("/audit?{}", parts.join("&"))
    };
    // The export takes the same filters, in the REST API's terms.
    let export_href = move || {
        let mut parts = Vec::new();
        if let Some(t) = get("tenant") {
            parts.push(format!("tenant_id={}", crate::model::query::encode_component(&t)));
        }
        if let Some(a) = get("action") {
            parts.push(format!("action={}", crate::model::query::encode_component(&a)));
        }
        if let Some(d) = get("since").filter(|d| day_start(d).is_some()) {
            parts.push(format!("since={d}T00:00:00Z"));
        }
        if let Some(d) = get("until").and_then(|d| day_start(&d)) {
            let end = (d + chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
            parts.push(format!("until={end}"));
        }
        format!("/api/v1/audit/export.csv?{}", parts.join("&"))
    };
    view! {
        <Title text="Audit log"/>
        <header class="page-header">
            <div>
                <h1>"Audit log"</h1>
                <p class="subtitle">"Every change, who made it and when. Events are never changed or removed."</p>
            </div>
            <div class="actions">
                <a class="btn" href=export_href download title="The events matching these filters, as CSV">"Export CSV"</a>
            </div>
        </header>
        <Transition fallback=|| ()>
            {move || {
                let session = use_session();
                session.me().filter(|m| !reads_audit(m)).map(|_| view! {
                    <div class="alert alert-info" role="note">
                        "Your role doesn't include the audit trail, so no events are shown. Owners, admins and members of a tenant can read its trail."
                    </div>
                })
            }}
        </Transition>
        <form class="toolbar" method="get" action="/audit">
            <div class="field-inline">
                <label for="a-tenant">"Tenant"</label>
                <input id="a-tenant" name="tenant" type="text" placeholder="slug or id" value=move || get("tenant").unwrap_or_default()/>
            </div>
            <div class="field-inline">
                <label for="a-action">"Action"</label>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let list = actions.await.unwrap_or_default();
                        let current = get("action").unwrap_or_default();
                        view! {
                            <select id="a-action" name="action">
                                <option value="" selected=current.is_empty()>"All actions"</option>
                                {list.into_iter().map(|a| {
                                    let sel = a == current;
                                    view! { <option value=a.clone() selected=sel>{a.clone()}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })}
                </Transition>
            </div>
            <div class="field-inline">
                <label for="a-since">"From"</label>
                <input id="a-since" name="since" type="date" value=move || get("since").unwrap_or_default()/>
            </div>
            <div class="field-inline">
                <label for="a-until">"To"</label>
                <input id="a-until" name="until" type="date" value=move || get("until").unwrap_or_default()/>
            </div>
            <button class="btn" type="submit">"Filter"</button>
            <a class="btn btn-ghost" href="/audit">"Clear"</a>
        </form>
        <section class="card">
            <Transition fallback=|| view! { <Loading text="Loading events…"/> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(p) if p.items.is_empty() => view! {
                            <Empty title="No events match" text="Try a wider time range or fewer filters."/>
                        }.into_any(),
                        Ok(p) => {
                            let next = p.next_cursor.clone().map(next_href);
                            view! {
                                <Timeline events=p.items.into_iter().map(Into::into).collect() show_tenant=true/>
                                <div class="pager">
                                    <span></span>
                                    {match next {
                                        Some(h) => view! { <a class="btn btn-sm" href=h rel="next">"Older events →"</a> }.into_any(),
                                        None => view! { <span class="muted small">"Beginning of the log"</span> }.into_any(),
                                    }}
                                </div>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
