//! The signed-in person's own page: who they are, their tenants and roles, and a new
//! password (checked in the browser first; the server checks again and answers per field).

use crate::components::*;
use crate::fns::auth::ChangePassword;
use crate::model::validate::check_password;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session();
    let change = ServerAction::<ChangePassword>::new();
    let toasts = use_toasts();
    let new_password = RwSignal::new(String::new());
    let confirm_password = RwSignal::new(String::new());
    let confirm_error = RwSignal::new(None::<String>);
    let new_error = RwSignal::new(None::<String>);
    let form_ref = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = change.value().get() {
            toasts.success("Password changed. You stay signed in here; your other sessions have ended.");
            if let Some(f) = form_ref.get() {
                f.reset();
            }
            new_password.set(String::new());
            confirm_password.set(String::new());
        }
    });
    let server_field = move |f: &'static str| match change.value().get() {
        Some(Err(e)) => e.field(f),
        _ => None,
    };
    let current_msg = Signal::derive(move || server_field("current_password"));
    let new_msg = Signal::derive(move || new_error.get().or_else(|| server_field("new_password")));
    let confirm_msg = Signal::derive(move || confirm_error.get());
    let other_error = move || match change.value().get() {
        Some(Err(e)) if e.fields().is_empty() => Some(e.to_string()),
        _ => None,
    };
    // Runs before the form is sent (a click on the button, also from Enter in a field):
    // a refused check keeps the form from being sent at all.
    let check = move |ev: leptos::ev::MouseEvent| {
        let (new, again) = (new_password.get_untracked(), confirm_password.get_untracked());
        new_error.set(check_password(&new).err());
        confirm_error.set((new != again).then(|| "The two new passwords differ.".to_string()));
        if new_error.get_untracked().is_some() || confirm_error.get_untracked().is_some() {
            ev.prevent_default();
        }
    };
    let pending = change.pending();
    let described = |hint: Option<&'static str>, err: &'static str, msg: Signal<Option<String>>| {
        move || {
            let ids: Vec<&str> = hint.into_iter().chain(msg.get().map(|_| err)).collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <Title text="Your account"/>
        <header class="page-header"><div><h1>"Your account"</h1><p class="subtitle">"Who you are here, your tenants, and your password."</p></div></header>
        <Transition fallback=|| view! { <Loading/> }>
            {move || session.me().map(|me| view! {
                <div class="grid grid-2">
                    <section class="card" aria-labelledby="you-title">
                        <div class="card-header"><h2 class="card-title" id="you-title">"You"</h2></div>
                        <dl class="props">
                            <dt>"Name"</dt><dd>{me.name.clone()}</dd>
                            <dt>"Email"</dt><dd>{me.email.clone()}</dd>
                            <dt>"Access"</dt><dd>{if me.is_platform_admin {
                                view! { <span class="badge badge-plan">"Platform admin"</span>" "<span class="muted">"every tenant"</span> }.into_any()
                            } else {
                                view! { <span>"The tenants below"</span> }.into_any()
                            }}</dd>
                        </dl>
                    </section>
                    <section class="card" aria-labelledby="tenants-title">
                        <div class="card-header"><h2 class="card-title" id="tenants-title">"Your tenants"</h2></div>
                        {if me.memberships.is_empty() {
                            let text = if me.is_platform_admin {
                                "You aren't a member of any tenant; as a platform admin you can open them all."
                            } else {
                                "You don't belong to any tenant yet. Ask a tenant's owner or admin to invite you."
                            };
                            view! { <p class="muted">{text}</p> }.into_any()
                        } else {
                            let active = me.active_tenant;
                            view! {
                                <ul class="list">
                                    {me.memberships.clone().into_iter().map(|m| view! {
                                        <li class="list-item">
                                            <div>
                                                <A href=format!("/tenants/{}", m.slug) attr:class="cell-title">{m.name.clone()}</A>
                                                {(Some(m.tenant_id) == active).then(|| view! { <span class="cell-sub muted">"You're working in this one"</span> })}
                                            </div>
                                            <span class="row">
                                                <span class="badge badge-neutral">{m.role.label()}</span>
                                                <StatusBadge status=m.status/>
                                            </span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                </div>
            })}
        </Transition>
        <section class="card narrow" aria-labelledby="password-title">
            <div class="card-header"><h2 class="card-title" id="password-title">"Change password"</h2></div>
            <Show when=move || other_error().is_some()>
                <div class="alert alert-error" role="alert">{other_error}</div>
            </Show>
            <ActionForm action=change node_ref=form_ref attr:class="stack">
                <div class="field" class:invalid=move || current_msg.get().is_some()>
                    <label for="current_password">"Current password"</label>
                    <input id="current_password" name="current_password" type="password" autocomplete="current-password" required
                        aria-invalid=move || current_msg.get().is_some().to_string()
                        aria-describedby=described(None, "current-error", current_msg)/>
                    <FieldError message=current_msg id="current-error"/>
                </div>
                <div class="field" class:invalid=move || new_msg.get().is_some()>
                    <label for="new_password">"New password"</label>
                    <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="10"
                        on:input=move |ev| { new_password.set(event_target_value(&ev)); new_error.set(None); }
                        aria-invalid=move || new_msg.get().is_some().to_string()
                        aria-describedby=described(Some("new-hint"), "new-error", new_msg)/>
                    <p class="hint" id="new-hint">"At least 10 characters. Your other sessions end when you change it."</p>
                    <FieldError message=new_msg id="new-error"/>
                </div>
                <div class="field" class:invalid=move || confirm_msg.get().is_some()>
                    <label for="confirm_password">"New password again"</label>
                    <input id="confirm_password" type="password" autocomplete="new-password" required
                        on:input=move |ev| { confirm_password.set(event_target_value(&ev)); confirm_error.set(None); }
                        aria-invalid=move || confirm_msg.get().is_some().to_string()
                        aria-describedby=described(None, "confirm-error", confirm_msg)/>
                    <FieldError message=confirm_msg id="confirm-error"/>
                </div>
                <div>
                    <button class="btn btn-primary" type="submit" disabled=move || pending.get() on:click=check>
                        <Busy when=pending/>
                        "Change password"
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}
