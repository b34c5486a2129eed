//! Platform admins' Users page (PRODUCT.md A1, A2): search, disable and re-enable, each
//! confirmed in a server-rendered dialog (`?disable=<id>`, `?enable=<id>`). A disabled
//! person's sessions end at once. "Load more" appends the next page with JavaScript and is
//! a plain link to it without.

use crate::components::format::{date, opt_time};
use crate::components::*;
use crate::fns::users::{list_users, SetUserStatus};
use crate::model::query::encode_component;
use crate::model::{User, UserStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use uuid::Uuid;

/// `/users` with the search (and cursor, and a confirmation) in the address.
fn users_href(q: &str, cursor: Option<&str>, extra: Option<(&str, Uuid)>) -> String {
    let mut parts = Vec::new();
    if !q.is_empty() {
        parts.push(format!("q={}", encode_component(q)));
    }
    if let Some(c) = cursor {
        parts.push(format!("cursor={}", encode_component(c)));
    }
    if let Some((k, id)) = extra {
        parts.push(format!("{k}={id}"));
    }
    if parts.is_empty() {
        "/users".into()
    } else {
        format!("/users?{}", parts.join("&"))
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let search = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let start = Memo::new(move |_| query.read().get("cursor").filter(|c| !c.is_empty()));
    let confirm = Memo::new(move |_| {
        let q = query.read();
        let id = |k: &str| q.get(k).and_then(|v| Uuid::parse_str(&v).ok());
        id("disable").map(|u| (u, UserStatus::Disabled)).or_else(|| id("enable").map(|u| (u, UserStatus::Active)))
    });
    let set_status = ServerAction::<SetUserStatus>::new();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let session = use_session();
    let refresh = RwSignal::new(0u32);
    let more = RwSignal::new(Vec::<User>::new());
    let next = RwSignal::new(None::<String>);
    let loading_more = RwSignal::new(false);
    let users = resource(move || (search.get(), start.get(), refresh.get()), |(q, c, _)| list_users(q, c));
    Effect::new(move |_| match set_status.value().get() {
        Some(Ok(u)) => {
            toasts.success(match u.status {
                UserStatus::Disabled => format!("{} is disabled and was signed out everywhere.", u.email),
                UserStatus::Active => format!("{} can sign in again.", u.email),
            });
            more.set(Vec::new());
            refresh.update(|n| *n += 1);
            navigate(&users_href(&search.get_untracked(), start.get_untracked().as_deref(), None), Default::default());
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let load_more = move |ev: leptos::ev::MouseEvent| {
        let Some(c) = next.get_untracked() else { return };
        ev.prevent_default();
        loading_more.set(true);
        let q = search.get_untracked();
        leptos::task::spawn_local(async move {
            match list_users(q, Some(c)).await {
                Ok(page) => {
                    next.set(page.next_cursor.clone());
                    more.update(|m| m.extend(page.items));
                }
                Err(e) => toasts.error(e.to_string()),
            }
            loading_more.set(false);
        });
    };
    view! {
        <Title text="Users"/>
        <header class="page-header">
            <div><h1>"Users"</h1><p class="subtitle">"Everyone who can sign in, across all tenants. Disabling someone signs them out at once."</p></div>
        </header>
        <form class="toolbar" method="get" action="/users" role="search">
            <label class="sr-only" for="user-search">"Search users"</label>
            <input id="user-search" class="search" type="search" name="q" placeholder="Search by email or name"
                value=move || search.get() prop:value=move || search.get()/>
            <button class="btn" type="submit">"Search"</button>
            <Show when=move || !search.get().is_empty()>
                <a class="btn btn-ghost" href="/users">"Clear"</a>
            </Show>
        </form>
        <Suspense fallback=|| view! { <Loading text="Loading users…"/> }>
            {move || Suspend::new(async move {
                let me = session.load().await.map(|m| m.id);
                match users.await {
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <Empty title="No users match" text="Try another search: part of an email address or a name."/>
                    }.into_any(),
                    Ok(page) => {
                        more.set(Vec::new());
                        next.set(page.next_cursor.clone());
                        let q = search.get_untracked();
                        let at = start.get_untracked();
                        let first = page.items.clone();
                        let (q2, at2) = (q.clone(), at.clone());
                        let dialog = move || {
                            let (id, to) = confirm.get()?;
                            let u = first.iter().find(|u| u.id == id).cloned().or_else(|| more.with(|m| m.iter().find(|u| u.id == id).cloned()))?;
                            if u.status == to || Some(u.id) == me {
                                return None;
                            }
                            Some(view! { <StatusDialog u to cancel_href=users_href(&q2, at2.as_deref(), None) set_status/> })
                        };
                        let (q3, at3) = (q.clone(), at.clone());
                        view! {
                            <div class="table-wrap">
                                <table class="table table-stack">
                                    <thead><tr>
                                        <th scope="col">"Person"</th><th scope="col">"Status"</th><th scope="col" class="num">"Tenants"</th>
                                        <th scope="col">"Created"</th><th scope="col">"Last sign-in"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|u| view! { <UserRow u me q=q.clone() at=at.clone()/> }).collect_view()}
                                        <For each=move || more.get() key=|u| u.id children=move |u| view! { <UserRow u me q=q3.clone() at=at3.clone()/> }/>
                                    </tbody>
                                </table>
                            </div>
                            <div class="pager">
                                <span>{move || at.is_some().then(|| view! { <a href=users_href(&q, None, None)>"Back to the first page"</a> })}</span>
                                <span>
                                    <Show when=move || next.get().is_some()>
                                        <a class="btn" href=move || users_href(&search.get_untracked(), next.get().as_deref(), None)
                                            on:click=load_more aria-disabled=move || loading_more.get().to_string()>
                                            <Busy when=loading_more/>
                                            "Load more"
                                        </a>
                                    </Show>
                                </span>
                            </div>
                            {dialog}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserRow(u: User, me: Option<Uuid>, q: String, at: Option<String>) -> AnyView {
    let disabled = u.status == UserStatus::Disabled;
    // Nobody disables themselves (the server refuses it too).
    let is_me = me == Some(u.id);
    let (param, label) = if disabled { ("enable", "Re-enable") } else { ("disable", "Disable") };
    let href = users_href(&q, at.as_deref(), Some((param, u.id)));
    let aria = format!("{label} {}", u.email);
    view! {
        <tr class:row-muted=disabled>
            <td class="col-name">
                <div class="cell-title">
                    {u.name.clone()}
                    {u.is_platform_admin.then(|| view! { " " <span class="badge badge-plan">"Platform admin"</span> })}
                    {is_me.then(|| view! { " " <span class="badge badge-neutral">"You"</span> })}
                </div>
                <div class="cell-sub muted">{u.email.clone()}</div>
            </td>
            <td data-label="Status">{if disabled {
                view! { <span class="badge badge-failed">"Disabled"</span> }.into_any()
            } else {
                view! { <span class="badge badge-active">"Active"</span> }.into_any()
            }}</td>
            <td class="num" data-label="Tenants">{u.tenants}</td>
            <td class="nowrap" data-label="Created">{date(&u.created_at)}</td>
            <td class="nowrap" data-label="Last sign-in">{opt_time(&u.last_sign_in_at)}</td>
            <td class="cell-actions">
                {(!is_me).then(|| view! { <a class=if disabled { "btn btn-sm" } else { "btn btn-sm btn-ghost" } href=href aria-label=aria>{label}</a> })}
            </td>
        </tr>
    }
    // Erased: a row's full view type, nested in the table, the list and the async block
    // around them, is deeper than the compiler's query limit in release builds (the
    // Leptos book's advice for large views is `into_any()` at such boundaries).
    .into_any()
}

#[component]
fn StatusDialog(
    u: User,
    to: UserStatus,
    cancel_href: String,
    set_status: ServerAction<SetUserStatus>,
) -> impl IntoView {
    let (title, text, label, value) = match to {
        UserStatus::Disabled => (
            format!("Disable {}?", u.name),
            format!(
                "{} is signed out everywhere at once and can't sign in until re-enabled. Their memberships and roles stay as they are.",
                u.email
            ),
            "Disable",
            "disabled",
        ),
        UserStatus::Active => (
            format!("Re-enable {}?", u.name),
            format!("{} can sign in again with their password, with the same tenants and roles as before.", u.email),
            "Re-enable",
            "active",
        ),
    };
    view! {
        <ConfirmDialog title cancel_href=cancel_href.clone()>
            <ActionForm action=set_status>
                <input type="hidden" name="user" value=u.id.to_string()/>
                <input type="hidden" name="status" value=value/>
                <div class="modal-body" id="confirm-text"><p>{text}</p></div>
                <ConfirmButtons cancel_href label danger=to == UserStatus::Disabled pending=set_status.pending()/>
            </ActionForm>
        </ConfirmDialog>
    }
}
