//! The HTML shell, the layout and the routes.

use crate::components::icons::Icon;
use crate::components::{ToastRegion, Toasts};
use crate::pages;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="description" content="Tenantry: manage every tenant of your SaaS platform."/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    Toasts::provide();
    // Pages wait for their data before the HTML is sent (SsrMode::Async), so every page
    // is complete without JavaScript and hydration starts from finished markup.
    view! {
        <Stylesheet id="leptos" href="/pkg/tenantry.css"/>
        <Title formatter=|text: String| if text.is_empty() { "Tenantry".to_string() } else { format!("{text} · Tenantry") }/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <div class="app">
                <Sidebar/>
                <main class="main" id="main" tabindex="-1">
                    <Routes fallback=pages::not_found::NotFound>
                        <Route path=path!("/") view=pages::dashboard::Dashboard ssr=SsrMode::Async/>
                        <Route path=path!("/tenants") view=pages::tenants::TenantList ssr=SsrMode::Async/>
                        <Route path=path!("/tenants/new") view=pages::tenant_new::NewTenantPage ssr=SsrMode::Async/>
                        <Route path=path!("/tenants/:id") view=pages::tenant::TenantPage ssr=SsrMode::Async/>
                        <Route path=path!("/audit") view=pages::audit::AuditPage ssr=SsrMode::Async/>
                        <Route path=path!("/api-docs") view=pages::api_docs::ApiDocs ssr=SsrMode::Async/>
                        <Route path=path!("/status") view=pages::status::StatusPage ssr=SsrMode::Async/>
                    </Routes>
                </main>
            </div>
            <ToastRegion/>
        </Router>
    }
}

#[component]
fn Sidebar() -> impl IntoView {
    view! {
        <aside class="sidebar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true"></span>
                <span>"Tenantry"</span>
            </a>
            <nav class="nav" aria-label="Main">
                <ul>
                    <li><A href="/" exact=true><Icon name="dashboard"/><span>"Dashboard"</span></A></li>
                    <li><A href="/tenants"><Icon name="tenants"/><span>"Tenants"</span></A></li>
                    <li><A href="/audit"><Icon name="audit"/><span>"Audit log"</span></A></li>
                    <li><A href="/api-docs"><Icon name="api"/><span>"REST API"</span></A></li>
                    <li><A href="/status"><Icon name="status"/><span>"System status"</span></A></li>
                </ul>
            </nav>
            <div class="sidebar-footer">"Operator console · v" {env!("CARGO_PKG_VERSION")}</div>
        </aside>
    }
}
