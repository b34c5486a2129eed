//! The HTML shell, the layout and the routes.

use crate::components::icons::Icon;
use crate::components::{use_session, use_toasts, Session, ToastRegion, Toasts, Unread, UnreadBadge};
use crate::fns::auth::{SignOut, SwitchTenant};
use crate::model::Me;
use crate::pages;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes, A};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::{lazy_route, path, Lazy, LazyRoute, SsrMode};

/// The Content-Security-Policy of every page: scripts only from this origin or carrying
/// this response's nonce (Leptos puts it on its hydration scripts), WebAssembly allowed,
/// no framing, forms only to this origin.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; \
         form-action 'self'; object-src 'none'"
    )
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(res)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(v) = http::HeaderValue::from_str(&content_security_policy(&nonce)) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="description" content="Tenantry: manage every tenant of your SaaS platform."/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                // In the server-rendered head rather than a `<Stylesheet>` in App: the page
                // is styled from its first byte either way, and the client needn't carry
                // code to hydrate a tag that never changes.
                <link rel="stylesheet" id="leptos" href="/pkg/tenantry.css"/>
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
    Session::provide();
    Unread::provide();
    // Pages wait for their data before the HTML is sent (SsrMode::Async), so every page
    // is complete without JavaScript and hydration starts from finished markup.
    view! {
        <Title formatter=|text: String| if text.is_empty() { "Tenantry".to_string() } else { format!("{text} · Tenantry") }/>
        <Router>
            <Layout/>
            <ToastRegion/>
        </Router>
    }
}

/// Public pages (sign-in, invitations) stand alone; every other page has the sidebar.
#[component]
fn Layout() -> impl IntoView {
    let location = use_location();
    let bare = move || {
        let p = location.pathname.get();
        p.starts_with("/login") || p.starts_with("/invite/")
    };
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="app" class:app-bare=bare>
            <Show when=move || !bare()><Sidebar/></Show>
            <main class="main" id="main" tabindex="-1">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::dashboard::Dashboard ssr=SsrMode::Async/>
                    <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view={Lazy::<NotificationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/tenants") view={Lazy::<TenantListRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/tenants/new") view={Lazy::<WizardRoute>::new()} ssr=SsrMode::Async/>
                    <ParentRoute path=path!("/tenants/:id") view={Lazy::<TenantRoute>::new()} ssr=SsrMode::Async>
                        <Route path=path!("") view={Lazy::<TenantOverviewRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("members") view={Lazy::<TenantMembersRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("api-keys") view={Lazy::<TenantKeysRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("workflows") view={Lazy::<TenantWorkflowsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("audit") view={Lazy::<TenantAuditRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("usage") view={Lazy::<TenantUsageRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("resources") view={Lazy::<TenantResourcesRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("health") view={Lazy::<TenantHealthRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("webhooks") view={Lazy::<TenantWebhooksRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("settings") view={Lazy::<TenantSettingsRoute>::new()} ssr=SsrMode::Async/>
                    </ParentRoute>
                    <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/workflows") view={Lazy::<WorkflowsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/plans") view={Lazy::<PlansRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/usage") view={Lazy::<UsageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/health") view={Lazy::<HealthRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/limits") view={Lazy::<LimitsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/api-docs") view={Lazy::<ApiDocsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/status") view={Lazy::<StatusRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
        </div>
    }
}

/// Every page but the dashboard is a lazy route: its code is a chunk of its own in the
/// release build (`cargo leptos build --release --split`), fetched when the page is first
/// shown. The dashboard is where everyone lands after signing in, so it is part of the main
/// bundle: as a lazy route it needed its own chunk and some 230 small chunks of code it
/// shares with other pages, one request each, and those requests (not the bytes) held it
/// above 1 s to interactive. The tenant page is a lazy layout with a lazy route per tab.
/// Pages fetch their own data in their components, so a route's `data()` is empty.
macro_rules! lazy_page {
    ($($route:ident => $page:path),* $(,)?) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

lazy_page! {
    LoginRoute => pages::login::LoginPage,
    InviteRoute => pages::invite::InvitePage,
    AccountRoute => pages::account::AccountPage,
    NotificationsRoute => pages::notifications::NotificationsPage,
    UsersRoute => pages::users::UsersPage,
    TenantListRoute => pages::tenants::TenantList,
    WizardRoute => pages::wizard::WizardPage,
    TenantRoute => pages::tenant::TenantLayout,
    TenantOverviewRoute => pages::tenant::overview::OverviewTab,
    TenantMembersRoute => pages::tenant::members::MembersTab,
    TenantKeysRoute => pages::tenant::api_keys::ApiKeysTab,
    TenantWorkflowsRoute => pages::tenant::workflows::WorkflowsTab,
    TenantAuditRoute => pages::tenant::audit::AuditTab,
    TenantUsageRoute => pages::tenant::usage::UsageTab,
    TenantResourcesRoute => pages::tenant::resources::ResourcesTab,
    TenantHealthRoute => pages::tenant::health::HealthTab,
    TenantWebhooksRoute => pages::tenant::webhooks::WebhooksTab,
    TenantSettingsRoute => pages::tenant::settings::SettingsTab,
    UsageRoute => pages::usage::UsagePage,
    HealthRoute => pages::health::HealthPage,
    LimitsRoute => pages::limits::LimitsPage,
    AuditRoute => pages::audit::AuditPage,
    WorkflowsRoute => pages::workflows::WorkflowsPage,
    PlansRoute => pages::plans::PlansPage,
    ApiDocsRoute => pages::api_docs::ApiDocs,
    StatusRoute => pages::status::StatusPage,
}

#[component]
fn Sidebar() -> impl IntoView {
    let session = use_session();
    view! {
        <aside class="sidebar">
            <a class="brand" href="/" aria-label="Tenantry home">
                <span class="brand-mark" aria-hidden="true"></span>
                <span>"Tenantry"</span>
            </a>
            <Transition fallback=|| ()>
                {move || {
                    let me = session.me();
                    let admin = me.as_ref().is_some_and(|m| m.is_platform_admin);
                    let audit = me.as_ref().is_some_and(crate::components::reads_audit);
                    let links = NAV
                        .iter()
                        .filter(|(.., who)| match who {
                            Shown::Everyone => true,
                            Shown::SignedIn => me.is_some(),
                            Shown::PlatformAdmins => admin,
                            Shown::AuditReaders => audit,
                        })
                        .map(|&(href, icon, label, who)| view! {
                            <li>
                                <A href=href exact=href == "/">
                                    <Icon name=icon/><span>{label}</span>
                                    {(who == Shown::SignedIn).then(|| view! { <UnreadBadge/> })}
                                </A>
                            </li>
                        })
                        .collect_view();
                    view! {
                        <nav class="nav" aria-label="Main">
                            <ul>{links}</ul>
                        </nav>
                        {me.map(|me| view! { <UserBox me/> })}
                    }
                }}
            </Transition>
            <div class="sidebar-footer">"Tenantry · v" {env!("CARGO_PKG_VERSION")}</div>
        </aside>
    }
}

/// Who sees a link of the main navigation.
#[derive(Clone, Copy, PartialEq)]
enum Shown {
    Everyone,
    /// Signed-in people; the link carries the unread count (Notifications).
    SignedIn,
    PlatformAdmins,
    /// People whose roles include the audit trail somewhere.
    AuditReaders,
}

/// The main navigation, in order: path, icon, label, who sees it.
const NAV: [(&str, &str, &str, Shown); 12] = [
    ("/", "dashboard", "Dashboard", Shown::Everyone),
    ("/tenants", "tenants", "Tenants", Shown::Everyone),
    ("/workflows", "workflows", "Workflows", Shown::Everyone),
    ("/notifications", "bell", "Notifications", Shown::SignedIn),
    ("/usage", "usage", "Usage", Shown::PlatformAdmins),
    ("/health", "health", "Health", Shown::PlatformAdmins),
    ("/limits", "limits", "Limits", Shown::PlatformAdmins),
    ("/plans", "plans", "Plans", Shown::PlatformAdmins),
    ("/audit", "audit", "Audit log", Shown::AuditReaders),
    ("/users", "users", "Users", Shown::PlatformAdmins),
    ("/api-docs", "api", "REST API", Shown::Everyone),
    ("/status", "status", "System status", Shown::Everyone),
];

/// Who is signed in, the tenant they work in (with a switcher when they have several),
/// and a menu with their account and signing out. The forms work without JavaScript too.
#[component]
fn UserBox(me: Me) -> impl IntoView {
    let session = use_session();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let active = me.active().cloned();
    let context = match (&active, me.is_platform_admin) {
        (Some(t), _) => view! {
            <span class="context-name" title=t.name.clone()>{t.name.clone()}</span>
            <span class="context-role">{t.role.label()}</span>
        }
        .into_any(),
        (None, true) => {
            view! { <span class="context-name">"All tenants"</span><span class="context-role">"Platform admin"</span> }
                .into_any()
        }
        (None, false) => view! { <span class="context-name muted">"No tenant yet"</span> }.into_any(),
    };
    let many = me.memberships.len() > 1 || (me.is_platform_admin && !me.memberships.is_empty());
    // Nothing chosen yet: say so rather than pretend the first tenant is active.
    let placeholder = active.is_none().then(|| {
        let text = if me.is_platform_admin { "All tenants" } else { "Choose a tenant…" };
        view! { <option value="" disabled selected>{text}</option> }
    });
    let options = me
        .memberships
        .iter()
        .map(|m| {
            let selected = Some(m.tenant_id) == me.active_tenant;
            view! { <option value=m.tenant_id.to_string() selected=selected>{format!("{} ({})", m.name, m.role.label())}</option> }
        })
        .collect_view();
    // Plain forms that post to the server functions (so they work without JavaScript), sent
    // with typed arguments once hydrated. An `ActionForm` would read its fields back through
    // serde_qs, a query-string parser the main bundle would carry for these two forms alone;
    // and the calls themselves are lazy functions (below).
    let select = NodeRef::<leptos::html::Select>::new();
    let choose_tenant = move || {
        let Some(tenant) = select.get_untracked().and_then(|s| s.value().parse().ok()) else { return };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match switch_tenant_now(tenant).await {
                Ok(me) => {
                    session.refresh();
                    if let Some(t) = me.active() {
                        navigate(&format!("/tenants/{}", t.slug), Default::default());
                    }
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    let on_switch = {
        let choose_tenant = choose_tenant.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            choose_tenant();
        }
    };
    // Signed out: the server redirects to /login, followed with a full page load (see
    // `hydrate` in lib.rs), so nothing of the last person stays in memory.
    let on_sign_out = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            if let Err(e) = sign_out_now().await {
                toasts.error(e.to_string());
            }
        });
    };
    let menu = NodeRef::<leptos::html::Details>::new();
    let close_menu = move || {
        if let Some(d) = menu.get_untracked() {
            let _ = d.remove_attribute("open");
        }
    };
    // Close the menu whenever the page changes.
    let location = use_location();
    Effect::new(move |first: Option<()>| {
        location.pathname.track();
        // Not on the first run: someone may have opened the menu before the page hydrated.
        if first.is_some() {
            close_menu();
        }
    });
    let initials = initials(&me.name, &me.email);
    view! {
        <section class="userbox" aria-label="Your account">
            {if many {
                // The select shows the tenant; "Working in" is its visible caption.
                view! {
                    <form class="switcher" method="post" action=SwitchTenant::url() on:submit=on_switch>
                        <span class="context-label switcher-label" aria-hidden="true">"Working in"</span>
                        <select id="switch-tenant" name="tenant" aria-label="Switch tenant" node_ref=select
                        on:change=move |_| choose_tenant()>
                            {placeholder}
                            {options}
                        </select>
                        <noscript><button class="btn btn-sm" type="submit">"Switch"</button></noscript>
                    </form>
                }.into_any()
            } else {
                view! {
                    <div class="context">
                        <span class="context-label">"Working in"</span>
                        {context}
                    </div>
                }.into_any()
            }}
            <details class="usermenu" node_ref=menu
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        close_menu();
                    }
                }>
                <summary class="usermenu-toggle">
                    <span class="avatar" aria-hidden="true">{initials}</span>
                    <span class="who">
                        <span class="who-name">{me.name.clone()}</span>
                        <span class="who-email" title=me.email.clone()>{me.email.clone()}</span>
                    </span>
                    <svg class="usermenu-chevron" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor"
                        stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
                        <path d="m7 10 5 5 5-5"></path>
                    </svg>
                </summary>
                <div class="usermenu-panel">
                    <div class="usermenu-head" aria-hidden="true">
                        <span class="who-name">{me.name.clone()}</span>
                        <span class="who-email">{me.email.clone()}</span>
                    </div>
                    <A href="/account" attr:class="usermenu-item">"Account"</A>
                    <form method="post" action=SignOut::url() on:submit=on_sign_out>
                        <button class="usermenu-item" type="submit">"Sign out"</button>
                    </form>
                </div>
            </details>
        </section>
    }
}

/// Switching tenants and signing out are rare, so the client code that makes these calls
/// (sending them, reading the answers) is loaded on first use (`#[lazy]`, a chunk of its
/// own with `--split`), not with every first page.
#[lazy]
async fn switch_tenant_now(tenant: uuid::Uuid) -> Result<Me, crate::error::AppError> {
    crate::fns::auth::switch_tenant(tenant).await
}

#[lazy]
async fn sign_out_now() -> Result<(), crate::error::AppError> {
    crate::fns::auth::sign_out().await
}

/// "Olivia Owner" → "OO"; falls back to the email's first letter.
fn initials(name: &str, email: &str) -> String {
    let from_name: String = name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect();
    if from_name.is_empty() {
        email.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default()
    } else {
        from_name.to_uppercase()
    }
}
