//! Workflows (PRODUCT.md P4, I2): every run the person may see, refreshing on its own
//! while any is unfinished, with retry and discard for platform admins; the tenant
//! template's versions and roll-outs; and a tenant's own Workflows tab.

use crate::components::format::{date, number};
use crate::components::*;
use crate::fns::workflows::{list_exports, list_tenant_workflows, list_workflows, DiscardWorkflow, RetryWorkflow};
use crate::model::{RunStatus, Tenant, WorkflowKind, WorkflowRun};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::time::Duration;
use uuid::Uuid;

const REFRESH: Duration = Duration::from_secs(2);

/// Retry and discard for a failed run (platform admins only).
#[component]
fn RunActions(
    run: WorkflowRun,
    retry: ServerAction<RetryWorkflow>,
    discard: ServerAction<DiscardWorkflow>,
) -> impl IntoView {
    let id = run.id;
    let failed = run.status == RunStatus::Failed;
    let can_discard = failed && run.kind == WorkflowKind::Provision;
    let busy = move || retry.pending().get() || discard.pending().get();
    failed.then(|| {
        view! {
            <div class="run-actions">
                <button class="btn btn-sm btn-primary" type="button" disabled=busy
                    on:click=move |_| { retry.dispatch(RetryWorkflow { id }); }>
                    {move || retry.pending().get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                    "Retry"
                </button>
                {can_discard.then(|| view! {
                    <button class="btn btn-sm btn-danger" type="button" disabled=busy
                        on:click=move |_| { discard.dispatch(DiscardWorkflow { id }); }>
                        "Discard tenant"
                    </button>
                })}
            </div>
        }
    })
}

/// A list of runs from `load`, refreshed every 2 s while one is unfinished.
#[component]
fn RunList<F, Fut>(load: F, show_tenant: bool, admin: bool, empty: &'static str) -> impl IntoView
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = Result<Vec<WorkflowRun>, crate::error::AppError>> + Send + 'static,
{
    let retry = ServerAction::<RetryWorkflow>::new();
    let discard = ServerAction::<DiscardWorkflow>::new();
    let toasts = use_toasts();
    let refresh = RwSignal::new(0u32);
    let live = RwSignal::new(false);
    let tick = use_live(live.into(), REFRESH);
    let runs = Resource::new(move || (tick.get(), refresh.get()), move |_| load());
    // When the last unfinished run finishes, the page around the list (the tenant's
    // header and status) is reloaded once. The run may also have finished between the
    // server reading the tenant and reading its runs: then the first list is already
    // settled while the header still shows a status in transition, and it reloads too.
    let settled = use_context::<crate::pages::tenant::TenantRefresh>();
    Effect::new(move |was_open: Option<bool>| {
        let Some(Ok(list)) = runs.get() else { return was_open.unwrap_or(false) };
        let open = list.iter().any(|r| r.status.is_open());
        live.set(open);
        if let Some(t) = settled {
            let finished = was_open == Some(true) && !open;
            let stale = was_open.is_none() && !open && t.in_transition.get_untracked() && !t.rechecked.get_untracked();
            if stale {
                t.rechecked.set(true);
            }
            if finished || stale {
                t.refresh.update(|n| *n += 1);
            }
        }
        open
    });
    Effect::new(move |_| match retry.value().get() {
        Some(Ok(r)) => {
            toasts.success(format!("{} of {} restarted: {}.", r.kind.label(), r.tenant_name, r.status.as_str()));
            refresh.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    Effect::new(move |_| match discard.value().get() {
        Some(Ok(r)) => {
            toasts.success(format!("{} was discarded and terminated.", r.tenant_name));
            refresh.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <Transition fallback=|| view! { <Loading text="Loading workflows…"/> }>
            {move || Suspend::new(async move {
                match runs.await {
                    Ok(list) if list.is_empty() => view! { <Empty title=empty text="Provisioning, suspension and termination show up here as they run."/> }.into_any(),
                    Ok(list) => view! {
                        <div class="run-list" aria-live="polite">
                            {list.into_iter().map(|run| {
                                let actions = admin.then(|| view! { <RunActions run=run.clone() retry discard/> }.into_any());
                                view! { <RunCard run show_tenant actions=actions.unwrap_or_else(|| ().into_any())/> }
                            }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The tenant page's Workflows tab.
#[component]
pub fn TenantWorkflows(t: Tenant, admin: bool) -> impl IntoView {
    let id: Uuid = t.id;
    view! {
        <section class="stack" aria-label="Workflows">
            <RunList load=move || list_tenant_workflows(id) show_tenant=false admin empty="No workflows have run for this tenant."/>
        </section>
    }
}

#[component]
pub fn WorkflowsPage() -> impl IntoView {
    let query = use_query_map();
    let session = use_session();
    let status = Memo::new(move |_| query.read().get("status").unwrap_or_else(|| "all".into()));
    let tabs = [("all", "All"), ("open", "Unfinished"), ("failed", "Failed"), ("succeeded", "Succeeded")];
    view! {
        <Title text="Workflows"/>
        <header class="page-header">
            <div>
                <h1>"Workflows"</h1>
                <p class="subtitle">"Provisioning, suspension and termination, step by step. Unfinished runs refresh on their own."</p>
            </div>
        </header>
        <nav class="tabs" aria-label="Filter workflows">
            {tabs.into_iter().map(|(key, label)| {
                let href = if key == "all" { "/workflows".to_string() } else { format!("/workflows?status={key}") };
                view! { <a class="tab" href=href aria-current=move || (status.get() == key).then_some("page")>{label}</a> }
            }).collect_view()}
        </nav>
        <Suspense fallback=|| view! { <Loading text="Loading…"/> }>
            {move || Suspend::new(async move {
                let admin = session.load().await.is_some_and(|m| m.is_platform_admin);
                let s = status.get();
                let filter = (s != "all").then_some(s);
                view! {
                    <RunList load=move || list_workflows(filter.clone()) show_tenant=true admin empty="No workflows match."/>
                    {admin.then(|| view! { <crate::pages::template::TemplatePanel/> })}
                }.into_any()
            })}
        </Suspense>
    }
}

/// A terminated tenant's data archives, to download until the retention date.
#[component]
pub fn TenantExports(t: Tenant) -> impl IntoView {
    let id = t.id;
    let slug = t.slug.clone();
    let exports = Resource::new(move || id, list_exports);
    view! {
        <section class="card stack" aria-labelledby="exports-title">
            <h2 id="exports-title" class="card-title">"Data exports"</h2>
            <Transition fallback=|| view! { <Loading text="Loading exports…"/> }>
                {move || {
                    let slug = slug.clone();
                    Suspend::new(async move {
                        match exports.await {
                            Ok(list) if list.is_empty() => view! { <p class="muted">"No export yet; it is made when the tenant is terminated."</p> }.into_any(),
                            Ok(list) => view! {
                                <ul class="exports">
                                    {list.into_iter().map(|e| view! {
                                        <li>
                                            <a class="btn btn-sm" href=format!("/api/v1/tenants/{}/exports/{}", slug, e.id) download=e.file_name.clone()>"Download"</a>
                                            " " <strong>{e.file_name.clone()}</strong>
                                            <span class="muted">{format!(" · {} KB · kept until {} · SHA-256 {}…", number((e.size_bytes + 1023) / 1024), date(&e.expires_at), &e.sha256[..12.min(e.sha256.len())])}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}
