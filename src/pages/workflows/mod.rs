//! Workflows (PRODUCT.md P4, I2): every run the person may see, refreshing on its own
//! while any is unfinished, with retry and discard for platform admins (the list is
//! `components::RunList`, shared with a tenant's Workflows tab); the tenant template's
//! versions and roll-outs.

mod template;

use crate::components::*;
use crate::fns::workflows::list_workflows;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

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
                    {admin.then(|| view! { <template::TemplatePanel/> })}
                }.into_any()
            })}
        </Suspense>
    }
}
