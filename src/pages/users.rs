//! Platform admins' Users page (PRODUCT.md A1, A2): search, disable and re-enable. A
//! disabled person's sessions end at once.

use crate::components::format::opt_time;
use crate::components::*;
use crate::fns::users::{list_users, SetUserStatus};
use crate::model::{User, UserStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let set_status = ServerAction::<SetUserStatus>::new();
    let toasts = use_toasts();
    let refresh = RwSignal::new(0u32);
    let more = RwSignal::new(Vec::<User>::new());
    let cursor = RwSignal::new(None::<String>);
    let users = Resource::new(move || (search(), refresh.get()), |(q, _)| list_users(q, None));
    Effect::new(move |_| match set_status.value().get() {
        Some(Ok(u)) => {
            toasts.success(match u.status {
                UserStatus::Disabled => format!("{} is disabled; their sessions have ended.", u.email),
                UserStatus::Active => format!("{} can sign in again.", u.email),
            });
            more.set(Vec::new());
            refresh.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let load_more = move |_| {
        if let Some(c) = cursor.get_untracked() {
            let q = search();
            leptos::task::spawn_local(async move {
                if let Ok(page) = list_users(q, Some(c)).await {
                    cursor.set(page.next_cursor.clone());
                    more.update(|m| m.extend(page.items));
                }
            });
        }
    };
    view! {
        <Title text="Users"/>
        <header class="page-header">
            <div><h1>"Users"</h1><p class="subtitle">"Everyone who can sign in, across all tenants."</p></div>
        </header>
        <form class="toolbar" method="get" action="/users" role="search">
            <label class="sr-only" for="user-search">"Search users"</label>
            <input id="user-search" class="search" type="search" name="q" placeholder="Search by email or name" value=search/>
            <button class="btn" type="submit">"Search"</button>
        </form>
        <Suspense fallback=|| view! { <Loading text="Loading users…"/> }>
            {move || Suspend::new(async move {
                match users.await {
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <Empty title="No users match" text="Try another search."/>
                    }.into_any(),
                    Ok(page) => {
                        cursor.set(page.next_cursor.clone());
                        view! {
                            <div class="card table-card">
                                <div class="table-wrap">
                                    <table class="table">
                                        <thead><tr>
                                            <th scope="col">"Person"</th><th scope="col">"Status"</th><th scope="col" class="num">"Tenants"</th>
                                            <th scope="col">"Last sign-in"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                                        </tr></thead>
                                        <tbody>
                                            {page.items.into_iter().map(|u| view! { <UserRow u set_status/> }).collect_view()}
                                            <For each=move || more.get() key=|u| u.id children=move |u| view! { <UserRow u set_status/> }/>
                                        </tbody>
                                    </table>
                                </div>
                            </div>
                            <Show when=move || cursor.get().is_some()>
                                <div class="pager"><button class="btn" on:click=load_more>"Load more"</button></div>
                            </Show>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserRow(u: User, set_status: ServerAction<SetUserStatus>) -> impl IntoView {
    let disabled = u.status == UserStatus::Disabled;
    // Nobody disables themselves (the server refuses it too).
    let is_me = use_me().is_some_and(|m| m.id == u.id);
    let (next, label) = if disabled { ("active", "Re-enable") } else { ("disabled", "Disable") };
    let email = u.email.clone();
    view! {
        <tr>
            <td class="col-name">
                <div class="cell-title">{u.name.clone()} {u.is_platform_admin.then(|| view! { " " <span class="badge badge-plan">"Platform admin"</span> })}</div>
                <div class="cell-sub muted">{u.email.clone()}</div>
            </td>
            <td>{if disabled {
                view! { <span class="badge badge-failed">"Disabled"</span> }.into_any()
            } else {
                view! { <span class="badge badge-active">"Active"</span> }.into_any()
            }}</td>
            <td class="num">{u.tenants}</td>
            <td>{opt_time(&u.last_sign_in_at)}</td>
            <td class="cell-actions">
                {(!is_me).then(|| view! {
                <ActionForm action=set_status
                    on:submit=move |ev| {
                        if !disabled && !window().confirm_with_message(&format!("Disable {email}? They are signed out at once.")).unwrap_or(true) {
                            ev.prevent_default();
                        }
                    }>
                    <input type="hidden" name="user" value=u.id.to_string()/>
                    <input type="hidden" name="status" value=next/>
                    <button class="btn btn-sm" type="submit">{label}</button>
                </ActionForm>
                })}
            </td>
        </tr>
    }
}
