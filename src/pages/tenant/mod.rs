//! One tenant (PRODUCT.md T4), as nested routes: this layout loads the tenant once and
//! shows its header, the lifecycle actions legal for its status (each confirmed, with a
//! reason where one is needed) and the tab links; each tab is a route of its own, rendered
//! in the `<Outlet/>`:
//!
//! | address | tab |
//! | --- | --- |
//! | `/tenants/:id` | `overview` |
//! | `/tenants/:id/members` | `members` |
//! | `/tenants/:id/api-keys` | `api_keys` |
//! | `/tenants/:id/workflows` | `workflows` |
//! | `/tenants/:id/audit` | `audit` |
//! | `/tenants/:id/usage` | `usage` |
//! | `/tenants/:id/resources` | `resources` |
//! | `/tenants/:id/health` | `health` |
//! | `/tenants/:id/webhooks` | `webhooks` |
//! | `/tenants/:id/settings` | `settings` |
//!
//! A new tab is a module here (its view wrapped in `tab(path, …)`), a line in `TABS` and a
//! route in `app.rs`. Old addresses (`/tenants/:id?tab=members`) are redirected to the
//! tab's own. Everything here works without JavaScript: the tabs are links and the
//! confirmations are reached by links.

pub mod api_keys;
pub mod audit;
mod branding;
mod config;
mod domains;
mod flags;
pub mod health;
pub mod members;
pub mod overview;
pub mod plan_change;
pub mod policies;
pub mod resources;
pub mod settings;
pub mod usage;
pub mod webhooks;
pub mod workflows;

use crate::components::*;
use crate::error::AppError;
use crate::fns::tenants::{get_tenant, ChangeStatus};
use crate::model::validate::*;
use crate::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::{use_location, use_navigate, use_params_map, use_query_map};
use leptos_router::params::ParamsMap;
use leptos_router::NavigateOptions;

/// The tabs in the order they are shown: (path below the tenant's address, label, the
/// permission that shows it).
const TABS: [(&str, &str, Option<Permission>); 10] = [
    ("", "Overview", None),
    ("members", "Members", Some(Permission::MembersRead)),
    ("api-keys", "API keys", Some(Permission::ApiKeysManage)),
    ("workflows", "Workflows", None),
    ("audit", "Audit", Some(Permission::AuditRead)),
    ("usage", "Usage", Some(Permission::UsageRead)),
    ("resources", "Resources", Some(Permission::UsageRead)),
    ("health", "Health", Some(Permission::HealthRead)),
    ("webhooks", "Webhooks", Some(Permission::WebhooksManage)),
    // Every member reads the settings; the forms check `TenantEdit` themselves.
    ("settings", "Settings", None),
];

/// Where an old `?tab=` address of the tenant page now lives: `base` is the tenant's
/// address (`/tenants/acme`), `query` the address's query. The other query parameters are
/// kept (`?tab=members&remove=…` → `/tenants/acme/members?remove=…`); `edit` became
/// `settings`, and a tab that never existed opens the overview, as it did.
pub fn old_tab_address(base: &str, query: &ParamsMap) -> Option<String> {
    let tab = query.get_str("tab")?;
    let path = match tab {
        "edit" => "settings",
        t => TABS.iter().map(|(path, ..)| *path).find(|p| *p == t).unwrap_or(""),
    };
    let encode = crate::model::query::encode_component;
    let rest: Vec<String> =
        query.into_iter().filter(|(k, _)| *k != "tab").map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    let base = base.trim_end_matches('/');
    let path = if path.is_empty() { base.to_string() } else { format!("{base}/{path}") };
    Some(if rest.is_empty() { path } else { format!("{path}?{}", rest.join("&")) })
}

/// What the layout gives its tabs: the tenant it loaded.
#[derive(Clone, Copy)]
struct LoadedTenant(Loaded<Result<Tenant, AppError>>);

/// The tenant the layout loaded and the person looking. Tabs render inside the layout once
/// the tenant has loaded, so it is there for them.
fn use_tenant() -> Option<(Tenant, Option<Me>)> {
    let LoadedTenant(tenant) = use_context()?;
    let t = tenant.get_untracked()?.ok()?;
    let me = untrack(|| use_session().me());
    Some((t, me))
}

/// Whether the person may do `p` in this tenant.
pub(super) fn may(me: &Option<Me>, t: &Tenant, p: Permission) -> bool {
    me.as_ref().is_some_and(|m| m.can(p, Some(t.id)))
}

/// The tab at `path` (as in `TABS`): `view(tenant, me)` for people whose role includes it,
/// else a note saying it doesn't (the tab's address can be typed in without its link).
pub fn tab<V: IntoView + 'static>(path: &str, view: impl FnOnce(Tenant, Option<Me>) -> V) -> Option<AnyView> {
    let (t, me) = use_tenant()?;
    let needs = TABS.iter().find(|(p, ..)| *p == path).and_then(|(_, _, needs)| *needs);
    Some(if needs.is_none_or(|p| may(&me, &t, p)) {
        view(t, me).into_any()
    } else {
        view! {
            <div class="alert alert-info" role="note">"Your role in this tenant doesn't include this section."</div>
        }
        .into_any()
    })
}

#[component]
pub fn TenantLayout() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let location = use_location();
    let key = move || params.read().get("id").unwrap_or_default();
    // Old links: `/tenants/acme?tab=members` is now `/tenants/acme/members` (a 302 on the
    // server, a replacing navigation in the browser).
    let moved = Memo::new(move |_| {
        let path = location.pathname.get();
        let on_overview = path.trim_end_matches('/').split('/').count() == 3;
        on_overview.then(|| old_tab_address(&path, &query.read())).flatten()
    });
    let refresh = Refresh::new();
    let tenant = resource(move || (key(), refresh.track()), |(k, _)| get_tenant(k));
    let in_transition =
        Signal::derive(move || tenant.get().and_then(Result::ok).is_some_and(|t| t.status.is_in_transition()));
    provide_context(TenantRefresh {
        refresh,
        in_transition,
        rechecked: RwSignal::new(false),
        settled_run: RwSignal::new(None),
    });
    provide_context(LoadedTenant(tenant));

    // After a lifecycle action: say what happened, reload, close the confirmation. It lives
    // here, not in the dialog, so a dialog rebuilt after a reload never replays a result.
    let act = ServerAction::<ChangeStatus>::new();
    after(act)
        .refresh(refresh)
        .close(|t: &Tenant| format!("/tenants/{}", t.slug))
        .fields_in_form()
        .toast(|t| format!("{} is now {}.", t.name, t.status).into());

    // Only the confirmation reads the query here: opening one keeps the tab as it is.
    let confirm = Memo::new(move |_| query.read().get("confirm").and_then(|a| LifecycleAction::parse(&a)));
    let session = use_session();
    view! {
        {move || moved.get().map(|path| view! { <Redirect path options=NavigateOptions { replace: true, ..Default::default() }/> })}
        <Transition fallback=|| view! { <Loading text="Loading tenant…"/> }>
            {move || Suspend::new(async move {
                let me = session.load().await;
                match tenant.await {
                    Ok(t) => {
                        let actions = if may(&me, &t, Permission::TenantLifecycle) {
                            LifecycleAction::available_from(t.status)
                        } else {
                            Vec::new()
                        };
                        let dialog_tenant = t.clone();
                        let dialog_actions = actions.clone();
                        let dialog = move || {
                            confirm.get().filter(|a| dialog_actions.contains(a)).map(|action| {
                                view! { <ConfirmAction t=dialog_tenant.clone() action act/> }
                            })
                        };
                        // The tenant's colours, live: a save reloads the tenant, and with it these.
                        let (brand, vars) = crate::model::branding::theme(&t.branding).unzip();
                        view! {
                            <div class=brand.map(|c| format!("branded {c}")) style=vars>
                                <TenantHeader t me actions/>
                                <Outlet/>
                            </div>
                            {dialog}
                        }
                        .into_any()
                    }
                    Err(e) => view! {
                        <Title text="Tenant not found"/>
                        <header class="page-header"><div><h1>"Tenant not found"</h1></div></header>
                        <ErrorAlert error=e/>
                        <p><a href="/tenants">"Back to the tenant list"</a></p>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// The name, status, lifecycle actions, the banner of a tenant that is not active, and the
/// tab links (`aria-current="page"` on the tab shown, kept up to date by `<A>`).
#[component]
fn TenantHeader(t: Tenant, me: Option<Me>, actions: Vec<LifecycleAction>) -> impl IntoView {
    let base = format!("/tenants/{}", t.slug);
    let is_admin = me.as_ref().is_some_and(|m| m.is_platform_admin);
    let action_buttons = actions
        .iter()
        .map(|a| {
            let class = match a {
                LifecycleAction::Terminate => "btn btn-danger",
                LifecycleAction::Activate | LifecycleAction::Resume => "btn btn-primary",
                LifecycleAction::Suspend => "btn",
            };
            view! { <a class=class href=format!("{base}?confirm={}", a.as_str())>{a.label()}</a> }
        })
        .collect_view();
    let tabs = TABS
        .iter()
        .filter(|(_, _, p)| p.is_none_or(|p| may(&me, &t, p)))
        .map(|(path, label, _)| {
            let href = if path.is_empty() { base.clone() } else { format!("{base}/{path}") };
            view! { <A href attr:class="tab" exact=true scroll=false>{*label}</A> }
        })
        .collect_view();
    // Members of a tenant that is not active may look but not change anything: one banner
    // says why. Platform admins (who may still act) see the status and its reason.
    let banner = (!matches!(t.status, TenantStatus::Active)).then(|| {
        let reason = t.status_reason.clone().filter(|r| !r.trim().is_empty());
        if is_admin {
            reason.map(|r| {
                view! { <div class="alert alert-warning" role="note"><strong>{format!("{}: ", t.status.label())}</strong>{r}</div> }
                    .into_any()
            })
        } else {
            let what = match &reason {
                Some(r) => format!("{} is {}: {}.", t.name, t.status.label().to_lowercase(), r.trim_end_matches('.')),
                None => format!("{} is {}.", t.name, t.status.label().to_lowercase()),
            };
            Some(
                view! {
                    <div class="alert alert-warning" role="note">
                        <span><strong>{what}</strong>" You can look but not change anything."</span>
                    </div>
                }
                .into_any(),
            )
        }
    });
    // On a narrow screen the tabs scroll sideways: keep the current one in view.
    let nav = NodeRef::<leptos::html::Nav>::new();
    let location = use_location();
    Effect::new(move |_| {
        let path = location.pathname.get();
        if let Some(nav) = nav.get() {
            reveal_current_tab(&nav, &path);
        }
    });
    view! {
        <Title text=t.name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb"><A href="/tenants">"Tenants"</A> " / " <span>{t.slug.clone()}</span></nav>
        <header class="page-header">
            <div class="tenant-title">
                {t.branding.logo_url.clone().map(|src| view! { <img class="tenant-logo" src=src alt=format!("{} logo", t.name)/> })}
                <div>
                    <h1 class="row">{t.name.clone()} <StatusBadge status=t.status/></h1>
                    <p class="subtitle mono">{t.slug.clone()}</p>
                </div>
            </div>
            <div class="actions btn-group">{action_buttons}</div>
        </header>
        {banner}
        <nav class="tabs" aria-label="Tenant sections" node_ref=nav>{tabs}</nav>
    }
}

/// Scrolls the tab bar sideways (only it, never the page) so the link to `path` shows.
fn reveal_current_tab(nav: &web_sys::HtmlElement, path: &str) {
    use leptos::wasm_bindgen::JsCast;
    let links = nav.children();
    let Some(tab) = (0..links.length())
        .filter_map(|i| links.item(i))
        .find(|a| a.get_attribute("href").as_deref() == Some(path))
        .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let (left, width) = (tab.offset_left() - nav.offset_left(), tab.offset_width());
    let (shown, view) = (nav.scroll_left(), nav.client_width());
    if left < shown || left + width > shown + view {
        nav.set_scroll_left((left + width / 2 - view / 2).max(0));
    }
}

/// The confirmation for a lifecycle action, as a modal panel reached by a link, so it works
/// with and without JavaScript.
#[component]
fn ConfirmAction(t: Tenant, action: LifecycleAction, act: ServerAction<ChangeStatus>) -> impl IntoView {
    let back = format!("/tenants/{}", t.slug);
    let reason_error = Signal::derive(move || match act.value().get() {
        Some(Err(e)) => e.field("reason"),
        _ => None,
    });
    let pending = act.pending();
    let title_id = "confirm-title";
    let btn_class = if action.is_destructive() { "btn btn-danger" } else { "btn btn-primary" };
    let close = back.clone();
    let navigate = use_navigate();
    view! {
        <div class="modal-overlay" on:keydown=move |ev| if ev.key() == "Escape" { navigate(&close, Default::default()) }>
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby=title_id>
                <h2 class="modal-title" id=title_id>{format!("{} {}?", action.label(), t.name)}</h2>
                <ActionForm action=act>
                    <div class="modal-body">
                        <p>{action.explanation()}</p>
                        <input type="hidden" name="id" value=t.id.to_string()/>
                        <input type="hidden" name="action" value=action.as_str()/>
                        {action.needs_reason().then(|| view! {
                            <div class="field" class:invalid=move || reason_error.get().is_some()>
                                <label for="reason">"Reason"</label>
                                <textarea id="reason" name="reason" rows="3" required maxlength=REASON_MAX
                                    autofocus aria-describedby=move || if reason_error.get().is_some() { "reason-hint reason-error" } else { "reason-hint" }
                                    aria-invalid=move || reason_error.get().is_some().to_string()></textarea>
                                <p class="hint" id="reason-hint">"Kept in the audit trail and shown to operators."</p>
                                <FieldError message=reason_error id="reason-error"/>
                            </div>
                        })}
                    </div>
                    <div class="modal-actions">
                        <a class="btn btn-ghost" href=back.clone()>"Cancel"</a>
                        <button class=btn_class type="submit" disabled=move || pending.get() autofocus=!action.needs_reason()>
                            <Busy when=pending/>
                            {action.label()}
                        </button>
                    </div>
                </ActionForm>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::old_tab_address;
    use leptos_router::params::ParamsMap;

    fn query(pairs: &[(&'static str, &str)]) -> ParamsMap {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn old_tab_addresses_move_to_the_tab_routes() {
        let at = |q: &[(&'static str, &str)]| old_tab_address("/tenants/acme", &query(q));
        assert_eq!(at(&[]), None);
        assert_eq!(at(&[("confirm", "suspend")]), None);
        assert_eq!(at(&[("tab", "members")]).as_deref(), Some("/tenants/acme/members"));
        assert_eq!(at(&[("tab", "api-keys")]).as_deref(), Some("/tenants/acme/api-keys"));
        assert_eq!(at(&[("tab", "workflows")]).as_deref(), Some("/tenants/acme/workflows"));
        assert_eq!(at(&[("tab", "audit")]).as_deref(), Some("/tenants/acme/audit"));
        assert_eq!(at(&[("tab", "edit")]).as_deref(), Some("/tenants/acme/settings"));
        assert_eq!(at(&[("tab", "settings")]).as_deref(), Some("/tenants/acme/settings"));
        assert_eq!(at(&[("tab", "overview")]).as_deref(), Some("/tenants/acme"));
        assert_eq!(at(&[("tab", "nope")]).as_deref(), Some("/tenants/acme"));
        // The other parameters stay.
        let uuid = "0d9c3f4e-2b1a-4c5d-8e7f-112233445566";
        assert_eq!(at(&[("tab", "members"), ("remove", uuid)]), Some(format!("/tenants/acme/members?remove={uuid}")));
        assert_eq!(at(&[("tab", "audit"), ("q", "a b&c")]).as_deref(), Some("/tenants/acme/audit?q=a%20b%26c"));
        assert_eq!(
            old_tab_address("/tenants/acme/", &query(&[("tab", "audit")])).as_deref(),
            Some("/tenants/acme/audit")
        );
    }
}
