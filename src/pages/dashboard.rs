//! The dashboard (PRODUCT.md T6): tenants by status and plan, creations per day, recent
//! tenants and recent audit events.

use crate::components::format::{day_month, number, percent, time, title_case};
use crate::components::icons::Icon;
use crate::components::*;
use crate::fns::tenants::get_dashboard;
use crate::model::audit::TimelineEntry;
use crate::model::*;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Dashboard() -> impl IntoView {
    let data = resource(|| (), |_| get_dashboard());
    let session = use_session();

    view! {
        <Title text="Dashboard"/>
        <header class="page-header">
            <div>
                <h1>"Dashboard"</h1>
                <p class="subtitle">"Your tenants at a glance."</p>
            </div>
            <div class="actions">
                <Transition fallback=|| ()>
                    {move || session.me().filter(|m| m.can(Permission::TenantsCreate, None)).map(|_| view! {
                        <a class="btn btn-primary" href="/tenants/new"><Icon name="plus"/>"New tenant"</a>
                    })}
                </Transition>
            </div>
        </header>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <StatsView s=d.stats/> <Lists newest=d.newest activity=d.activity/> }.into_any(),
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Lists(newest: Vec<NewestTenant>, activity: Option<Vec<TimelineEntry>>) -> impl IntoView {
    let newest = if newest.is_empty() {
        view! { <Empty title="No tenants yet" text="Create the first tenant to see it here."/> }.into_any()
    } else {
        view! {
            <ul class="list">
                {newest.into_iter().map(|t| view! {
                    <li class="list-item">
                        <div>
                            <a class="cell-title" href=format!("/tenants/{}", t.slug)>{t.name}</a>
                            <div class="cell-sub">{t.slug} " · " {time(&t.created_at)}</div>
                        </div>
                        <StatusBadge status=t.status/>
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let audit_link = activity.is_some().then(|| view! { <a class="small" href="/audit">"Audit log"</a> });
    let activity = match activity {
        None => view! {
            <p class="muted">"Your role doesn't include the audit trail. Owners, admins and members see recent changes here."</p>
        }.into_any(),
        Some(events) if events.is_empty() => view! {
            <Empty title="No activity yet" text="Changes to tenants appear here."/>
        }.into_any(),
        Some(events) => view! { <Timeline events show_tenant=true/> }.into_any(),
    };
    view! {
        <div class="grid grid-2">
            <section class="card">
                <div class="card-header">
                    <h2 class="card-title">"Newest tenants"</h2>
                    <a class="small" href="/tenants">"All tenants"</a>
                </div>
                {newest}
            </section>
            <section class="card">
                <div class="card-header">
                    <h2 class="card-title">"Recent activity"</h2>
                    {audit_link}
                </div>
                {activity}
            </section>
        </div>
    }
}

#[component]
fn StatsView(s: TenantStats) -> impl IntoView {
    let active = s.status_count("active");
    let suspended = s.status_count("suspended");
    let attention = s.status_count("failed") + s.status_count("pending") + s.status_count("provisioning");
    let created_30: i64 = s.created_per_day.iter().map(|d| d.count).sum();
    let suspended_30: i64 = s.suspended_per_day.iter().map(|d| d.count).sum();
    let per_day: Vec<(String, i64)> = s.created_per_day.iter().map(|d| (day_month(d.day), d.count)).collect();
    let by_status: Vec<(String, i64, String, Option<String>)> = TenantStatus::ALL
        .into_iter()
        .map(|st| {
            (
                st.label().to_string(),
                s.status_count(st.as_str()),
                st.as_str().to_string(),
                Some(format!("/tenants?status={}", st.as_str())),
            )
        })
        .collect();
    let by_plan: Vec<(String, i64, String, Option<String>)> = s
        .by_plan
        .iter()
        .map(|c| (title_case(&c.key), c.count, "plan".to_string(), Some(format!("/tenants?plan={}", c.key))))
        .collect();
    view! {
        <div class="grid grid-4">
            <div class="card stat">
                <div class="stat-label">"Tenants"</div>
                <div class="stat-value">{number(s.total)}</div>
                <div class="stat-hint">{format!("{} created in the last 30 days", number(created_30))}</div>
            </div>
            <a class="card stat stat-link" href="/tenants?status=active">
                <div class="stat-label">"Active"</div>
                <div class="stat-value">{number(active)}</div>
                <div class="stat-hint">{format!("{}% of all tenants", percent(active, s.total))}</div>
            </a>
            <a class="card stat stat-link" href="/tenants?status=suspended">
                <div class="stat-label">"Suspended"</div>
                <div class="stat-value">{number(suspended)}</div>
                <div class="stat-hint">{format!("{} suspensions in the last 30 days", number(suspended_30))}</div>
            </a>
            <a class="card stat stat-link" href="/tenants?status=failed">
                <div class="stat-label">"Needs attention"</div>
                <div class="stat-value">{number(attention)}</div>
                <div class="stat-hint">"Pending, provisioning or failed"</div>
            </a>
        </div>
        <section class="card">
            <div class="card-header">
                <h2 class="card-title">"New tenants per day"</h2>
                <span class="muted small">"Last 30 days"</span>
            </div>
            <BarChart data=per_day caption="Tenants created per day"/>
        </section>
        <div class="grid grid-2">
            <section class="card">
                <div class="card-header"><h2 class="card-title">"By status"</h2></div>
                <HBars rows=by_status/>
            </section>
            <section class="card">
                <div class="card-header"><h2 class="card-title">"By plan"</h2></div>
                <HBars rows=by_plan/>
            </section>
        </div>
    }
}
