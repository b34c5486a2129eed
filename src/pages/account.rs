//! The signed-in person's own page: who they are, their tenants, and a new password.

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
    let confirm_error = RwSignal::new(None::<String>);
    let new_error = RwSignal::new(None::<String>);
    let form_ref = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = change.value().get() {
            toasts.success("Password changed. Your other sessions have ended.");
            if let Some(f) = form_ref.get() {
                f.reset();
            }
        }
    });
    let server_field = move |f: &'static str| match change.value().get() {
        Some(Err(e)) => e.field(f),
        _ => None,
    };
    let other_error = move || match change.value().get() {
        Some(Err(e)) if e.fields().is_empty() => Some(e.to_string()),
        _ => None,
    };
    let pending = change.pending();
    view! {
        <Title text="Your account"/>
        <header class="page-header"><div><h1>"Your account"</h1></div></header>
        <Transition fallback=|| view! { <Loading/> }>
            {move || session.me().map(|me| view! {
                <div class="grid grid-2">
                    <section class="card">
                        <div class="card-header"><h2 class="card-title">"You"</h2></div>
                        <dl class="props">
                            <dt>"Name"</dt><dd>{me.name.clone()}</dd>
                            <dt>"Email"</dt><dd>{me.email.clone()}</dd>
                            <dt>"Role"</dt><dd>{if me.is_platform_admin { "Platform admin" } else { "Tenant member" }}</dd>
                        </dl>
                    </section>
                    <section class="card">
                        <div class="card-header"><h2 class="card-title">"Your tenants"</h2></div>
                        {if me.memberships.is_empty() {
                            view! { <p class="muted">"You don't belong to any tenant yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="plain-list">
                                    {me.memberships.clone().into_iter().map(|m| view! {
                                        <li><A href=format!("/tenants/{}", m.slug)>{m.name.clone()}</A>" · "<span class="muted">{m.role.label()}</span></li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                </div>
            })}
        </Transition>
        <section class="card narrow">
            <div class="card-header"><h2 class="card-title">"Change password"</h2></div>
            <Show when=move || other_error().is_some()>
                <div class="alert alert-error" role="alert">{other_error}</div>
            </Show>
            <ActionForm action=change node_ref=form_ref attr:class="stack"
                on:submit=move |ev| {
                    let form = ev.target().and_then(|t| leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlFormElement>(t).ok());
                    let value = |name: &str| form.as_ref()
                        .and_then(|f| f.elements().named_item(name))
                        .and_then(|e| leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(e).ok())
                        .map(|i| i.value())
                        .unwrap_or_default();
                    let (new, again) = (value("new_password"), value("confirm_password"));
                    new_error.set(check_password(&new).err());
                    confirm_error.set((new != again).then(|| "The two new passwords differ.".to_string()));
                    if new_error.get_untracked().is_some() || confirm_error.get_untracked().is_some() {
                        ev.prevent_default();
                    }
                }>
                <div class="field">
                    <label for="current_password">"Current password"</label>
                    <input id="current_password" name="current_password" type="password" autocomplete="current-password" required/>
                    <FieldError message=Signal::derive(move || server_field("current_password")) id="current-error"/>
                </div>
                <div class="field">
                    <label for="new_password">"New password"</label>
                    <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="10"/>
                    <p class="hint">"At least 10 characters. Your other sessions end when you change it."</p>
                    <FieldError message=Signal::derive(move || new_error.get().or_else(|| server_field("new_password"))) id="new-error"/>
                </div>
                <div class="field">
                    <label for="confirm_password">"New password again"</label>
                    <input id="confirm_password" type="password" name="confirm_password" autocomplete="new-password" required/>
                    <FieldError message=Signal::derive(move || confirm_error.get()) id="confirm-error"/>
                </div>
                <div>
                    <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                        {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                        "Change password"
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}
