//! Sign-in (PRODUCT.md A1): email and password; a plain form posting to the `sign_in`
//! server function, so it works without JavaScript (the server redirects to `next`). The
//! server answers the same for a wrong password and an unknown email, and says how long
//! to wait after too many failures.

use crate::components::*;
use crate::fns::auth::{safe_next, sign_in_brand, SignIn, TenantBrand};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = Memo::new(move |_| safe_next(query.read().get("next").as_deref()));
    let action = ServerAction::<SignIn>::new();
    let session = use_session();
    let pending = action.pending();
    // Signed in: the server answers with a redirect to `next`, which the app follows with a
    // full page load (see `hydrate` in lib.rs), so everything there is built for the
    // person. Until that page arrives the button stays busy.
    let arriving = Signal::derive(move || matches!(action.value().get(), Some(Ok(()))));
    let error = move || match action.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let busy = move || pending.get() || arriving.get();
    // Reached at a tenant's own address: its name, logo and colours, on the whole card.
    let brand = resource(|| (), |_| sign_in_brand());
    let header = move |b: Option<TenantBrand>| {
        match b {
        Some(b) => {
            let logo = b.branding.logo_url.clone().map(|src| {
                view! { <img class="tenant-logo" src=src alt=format!("{} logo", b.name)/> }
            });
            view! {
                <div class="auth-tenant" data-testid="sign-in-brand">{logo}<strong>{b.name.clone()}</strong></div>
                <h1>"Sign in"</h1>
                <p class="subtitle">{format!("to {} on Tenantry.", b.name)}</p>
            }
            .into_any()
        }
        None => view! {
            <div class="brand auth-brand"><span class="brand-mark" aria-hidden="true"></span><span>"Tenantry"</span></div>
            <h1>"Sign in"</h1>
            <p class="subtitle">"Manage your tenants, their people and API keys."</p>
        }
        .into_any(),
    }
    };
    let card = move |b: Option<TenantBrand>| {
        let (class, style) = b.as_ref().and_then(|b| crate::model::branding::theme(&b.branding)).unzip();
        view! {
        <div class=class.map_or("auth-page".to_string(), |c| format!("auth-page branded {c}")) style=style>
            <div class="auth-card card">
                {header(b)}
                <Transition fallback=|| ()>
                    {move || session.me().map(|me| view! {
                        <div class="alert alert-info" role="note">
                            <span>{format!("You're signed in as {}. ", me.email)}<a href=next.get()>"Continue"</a>" or sign in as someone else."</span>
                        </div>
                    })}
                </Transition>
                <Show when=move || error().is_some()>
                    <div class="alert alert-error" role="alert" id="login-error">{error}</div>
                </Show>
                <ActionForm action=action attr:class="stack">
                    <input type="hidden" name="next" value=move || next.get()/>
                    <div class="field">
                        <label for="email">"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="username" required autofocus
                            aria-invalid=move || error().is_some().to_string()
                            aria-describedby=move || error().map(|_| "login-error")/>
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input id="password" name="password" type="password" autocomplete="current-password" required
                            aria-invalid=move || error().is_some().to_string()
                            aria-describedby=move || error().map(|_| "login-error")/>
                    </div>
                    <button class="btn btn-primary btn-block" type="submit" disabled=busy>
                        <Busy when=Signal::derive(busy)/>
                        {move || if busy() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <p class="hint auth-foot">"New here? Ask a tenant's owner or admin to invite you: the invitation email has a link to set your password."</p>
            </div>
        </div>
        }
    };
    view! {
        <Title text="Sign in"/>
        <Suspense fallback=|| view! { <div class="auth-page"></div> }>
            {move || Suspend::new(async move { card(brand.await.ok().flatten()) })}
        </Suspense>
    }
}
