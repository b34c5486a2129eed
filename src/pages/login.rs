//! Sign-in (PRODUCT.md A1): email and password; a plain form, so it works without
//! JavaScript. The server answers the same for a wrong password and an unknown email, and
//! says how long to wait after too many failures.

use crate::components::*;
use crate::fns::auth::SignIn;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".into());
    let action = ServerAction::<SignIn>::new();
    let session = use_session();
    let pending = action.pending();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            session.refresh();
        }
    });
    let error = move || match action.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    view! {
        <Title text="Sign in"/>
        <div class="auth-page">
            <div class="auth-card card">
                <div class="brand auth-brand"><span class="brand-mark" aria-hidden="true"></span><span>"Tenantry"</span></div>
                <h1>"Sign in"</h1>
                <p class="subtitle">"Manage your tenants, people and keys."</p>
                <Show when=move || error().is_some()>
                    <div class="alert alert-error" role="alert" id="login-error">{error}</div>
                </Show>
                <ActionForm action=action attr:class="stack">
                    <input type="hidden" name="next" value=next/>
                    <div class="field">
                        <label for="email">"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="username" required autofocus
                            aria-describedby=move || error().map(|_| "login-error")/>
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input id="password" name="password" type="password" autocomplete="current-password" required/>
                    </div>
                    <button class="btn btn-primary btn-block" type="submit" disabled=move || pending.get()>
                        {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <p class="hint auth-foot">"New here? Ask a tenant admin to invite you; the invitation email has a link to set your password."</p>
            </div>
        </div>
    }
}
