//! The notification centre (PRODUCT.md C5): the newest notifications of the tenants the
//! person belongs to, unread ones marked, and their choices of what reaches them, per
//! tenant and kind of event, by email and in the app.

use crate::components::format::time;
use crate::components::*;
use crate::fns::notifications::{get_inbox, get_notification_prefs, MarkNotificationsRead, SetNotificationPrefs};
use crate::model::notifications::{Notification, NotifyEvent, PreferenceChange, Preferences};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let refresh = Refresh::new();
    let inbox = resource(move || refresh.track(), |_| get_inbox(50));
    let mark = ServerAction::<MarkNotificationsRead>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = mark.value().get() {
            refresh.bump();
            unread_changed();
        }
    });
    let pending = mark.pending();
    view! {
        <Title text="Notifications"/>
        <header class="page-header">
            <div><h1>"Notifications"</h1><p class="subtitle">"What happened in your tenants, and what you want to hear about."</p></div>
        </header>
        <section class="card" aria-labelledby="inbox-title">
            <div class="card-header"><h2 class="card-title" id="inbox-title">"Latest"</h2></div>
            <Transition fallback=|| view! { <Loading text="Loading notifications…"/> }>
                {move || Suspend::new(async move {
                    match inbox.await {
                        Ok(i) if i.items.is_empty() => view! {
                            <Empty title="Nothing yet" text="Alerts, health changes, cost, members and lifecycle events of your tenants show up here."/>
                        }.into_any(),
                        Ok(i) => {
                            let all_read = i.unread == 0;
                            view! {
                            <div class="inbox-bar">
                                <p class="hint" aria-live="polite">{format!("{} unread", i.unread)}</p>
                                <button class="btn btn-sm" type="button" disabled=move || all_read || pending.get()
                                    on:click=move |_| { mark.dispatch(MarkNotificationsRead { ids: None }); }>
                                    <Busy when=pending/>
                                    "Mark all as read"
                                </button>
                            </div>
                            <ul class="notice-list">
                                {i.items.into_iter().map(|n| view! { <NoticeRow n mark/> }).collect_view()}
                            </ul>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <PreferencesCard/>
    }
}

#[component]
fn NoticeRow(n: Notification, mark: ServerAction<MarkNotificationsRead>) -> impl IntoView {
    let unread = n.read_at.is_none();
    let id = n.id;
    view! {
        <li class="notice" class:notice-unread=unread data-testid="notice">
            <span class="notice-dot" aria-hidden="true"></span>
            <div class="notice-main">
                <div class="notice-head">
                    <span class="badge badge-neutral">{n.event.label()}</span>
                    <span class="muted">{n.tenant_name.clone()}</span>
                    <time class="muted" datetime=n.created_at.to_rfc3339()>{time(&n.created_at)}</time>
                    {unread.then(|| view! { <span class="sr-only">"Unread"</span> })}
                </div>
                <p class="notice-title">
                    {if n.link.is_empty() {
                        view! { <span>{n.title.clone()}</span> }.into_any()
                    } else {
                        view! { <a href=n.link.clone()>{n.title.clone()}</a> }.into_any()
                    }}
                </p>
                {(!n.body.is_empty()).then(|| view! { <p class="hint">{n.body.clone()}</p> })}
            </div>
            {unread.then(|| view! {
                <button class="btn btn-ghost btn-sm" type="button"
                    on:click=move |_| { mark.dispatch(MarkNotificationsRead { ids: Some(vec![id]) }); }>
                    "Mark read"
                </button>
            })}
        </li>
    }
}

/// Per tenant, a row per kind of event with two switches: by email, in the app.
#[component]
fn PreferencesCard() -> impl IntoView {
    let refresh = Refresh::new();
    let prefs = resource(move || refresh.track(), |_| get_notification_prefs());
    let save = ServerAction::<SetNotificationPrefs>::new();
    after(save).refresh(refresh).toast(|_: Preferences| "Saved your notification choices.".to_string().into());
    view! {
        <section class="card" aria-labelledby="prefs-title" data-testid="notification-prefs">
            <div class="card-header"><h2 class="card-title" id="prefs-title">"What reaches you"</h2></div>
            <p class="hint card-lead">
                "Per tenant: which kinds of event you get by email and in this notification centre. Until you choose, you see everything here, and owners also get email. A tenant's webhooks have their own topics, on its Webhooks tab."
            </p>
            <Transition fallback=|| view! { <Loading text="Loading your choices…"/> }>
                {move || Suspend::new(async move {
                    match prefs.await {
                        Ok(p) if p.preferences.is_empty() => view! {
                            <p class="hint">"You don't belong to any tenant, so there is nothing to choose."</p>
                        }.into_any(),
                        Ok(p) => view! { <PreferencesForm p save/> }.into_any(),
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PreferencesForm(p: Preferences, save: ServerAction<SetNotificationPrefs>) -> impl IntoView {
    // One signal pair per (tenant, event); sent whole on save.
    let rows: Vec<(PreferenceChange, String, RwSignal<bool>, RwSignal<bool>)> = p
        .preferences
        .iter()
        .map(|x| {
            let c = PreferenceChange { tenant_id: x.tenant_id, event: x.event, email: x.email, in_app: x.in_app };
            (c, x.tenant_name.clone(), RwSignal::new(x.email), RwSignal::new(x.in_app))
        })
        .collect();
    let all = rows.iter().map(|(c, _, e, a)| (c.tenant_id, c.event, *e, *a)).collect::<Vec<_>>();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let changes = all
            .iter()
            .map(|(t, event, e, a)| PreferenceChange {
                tenant_id: *t,
                event: *event,
                email: e.get_untracked(),
                in_app: a.get_untracked(),
            })
            .collect();
        save.dispatch(SetNotificationPrefs { changes });
    };
    let mut tenants: Vec<(uuid::Uuid, String)> = Vec::new();
    for (c, name, ..) in &rows {
        if tenants.last().map(|t| t.0) != Some(c.tenant_id) {
            tenants.push((c.tenant_id, name.clone()));
        }
    }
    let pending = save.pending();
    let tables = tenants
        .into_iter()
        .map(|(tenant, name)| {
            let body = rows
                .iter()
                .filter(|r| r.0.tenant_id == tenant)
                .map(|(c, _, email, in_app)| {
                    let (email, in_app) = (*email, *in_app);
                    let event: NotifyEvent = c.event;
                    let id = format!("{}-{}", tenant.simple(), event.as_str());
                    view! {
                        <tr>
                            <th scope="row"><span class="cell-title">{event.label()}</span><span class="cell-sub muted">{event.about()}</span></th>
                            <td><input type="checkbox" id=format!("email-{id}") aria-label=format!("{}: {} by email", name, event.label())
                                prop:checked=move || email.get() on:change=move |ev| email.set(event_target_checked(&ev))/></td>
                            <td><input type="checkbox" id=format!("app-{id}") aria-label=format!("{}: {} in the app", name, event.label())
                                prop:checked=move || in_app.get() on:change=move |ev| in_app.set(event_target_checked(&ev))/></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="table-wrap">
                    <table class="table prefs-table">
                        <caption class="prefs-caption">{name.clone()}</caption>
                        <thead><tr><th scope="col">"Kind of event"</th><th scope="col">"Email"</th><th scope="col">"In the app"</th></tr></thead>
                        <tbody>{body}</tbody>
                    </table>
                </div>
            }
        })
        .collect_view();
    view! {
        <form class="form" on:submit=submit>
            {tables}
            <div class="form-actions">
                <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                    <Busy when=pending/>
                    "Save choices"
                </button>
            </div>
        </form>
    }
}
