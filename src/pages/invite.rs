//! Accepting an invitation (PRODUCT.md A3): the link from the email. A new person chooses
//! a name and password; someone with an account signs in as that email first, then
//! accepts. Works without JavaScript.

use crate::components::format::time;
use crate::components::*;
use crate::fns::members::{get_invitation, AcceptInvitation};
use crate::model::validate::check_password;
use crate::model::{InvitationPreview, InvitationStatus, Me};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let preview = resource(token, get_invitation);
    let session = use_session();
    view! {
        <Title text="Invitation"/>
        <div class="auth-page">
            <div class="auth-card card">
                <div class="brand auth-brand"><span class="brand-mark" aria-hidden="true"></span><span>"Tenantry"</span></div>
                <Suspense fallback=|| view! { <Loading text="Opening your invitation…"/> }>
                    {move || Suspend::new(async move {
                        let me = session.load().await;
                        match preview.await {
                            Ok(p) => view! { <Invitation p token=token() me/> }.into_any(),
                            Err(e) => view! {
                                <h1>"This invitation link doesn't work"</h1>
                                <div class="alert alert-error" role="alert">{e.to_string()}</div>
                                <p class="muted">
                                    "Check that you opened the whole link from the email. If it still doesn't work, "
                                    "ask the person who invited you to send a new invitation."
                                </p>
                                <p><a href="/login">"Go to sign-in"</a></p>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </div>
    }
}

#[component]
fn Invitation(p: InvitationPreview, token: String, me: Option<Me>) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    // Accepted: the server redirects to the tenant, followed with a full page load (see
    // `hydrate` in lib.rs); the button stays busy until it arrives.
    let pending = Signal::derive({
        let pending = accept.pending();
        move || pending.get() || matches!(accept.value().get(), Some(Ok(())))
    });
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let local_password = RwSignal::new(None::<String>);
    let local_again = RwSignal::new(None::<String>);
    let field = move |f: &'static str| {
        Signal::derive(move || match accept.value().get() {
            Some(Err(e)) => e.field(f),
            _ => None,
        })
    };
    let password_error = Signal::derive(move || local_password.get().or_else(|| field("password").get()));
    let again_error = Signal::derive(move || local_again.get());
    let name_error = field("name");
    let other = move || match accept.value().get() {
        Some(Err(e)) if e.fields().is_empty() => Some(e.to_string()),
        _ => None,
    };
    // Checked before sending; without JavaScript the server checks the password alone.
    let check = move |ev: leptos::ev::MouseEvent| {
        let p = password.get_untracked();
        local_password.set(check_password(&p).err());
        local_again.set((p != again.get_untracked()).then(|| "The two passwords differ.".to_string()));
        if local_password.get_untracked().is_some() || local_again.get_untracked().is_some() {
            ev.prevent_default();
        }
    };

    let signed_in_as = me.as_ref().map(|m| m.email.clone());
    let is_invitee = signed_in_as.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&p.email));
    let next = crate::model::query::encode_component(&format!("/invite/{token}"));
    let heading = format!("Join {}", p.tenant_name);
    let body = match p.status {
        InvitationStatus::Accepted => view! {
            <div class="alert alert-info" role="note">
                <span>"This invitation was already accepted. "<a href="/login">"Sign in"</a>" to open the tenant."</span>
            </div>
        }
        .into_any(),
        InvitationStatus::Revoked => view! {
            <div class="alert alert-warning" role="note">
                "This invitation was withdrawn. Ask the person who invited you for a new one."
            </div>
        }
        .into_any(),
        InvitationStatus::Expired => view! {
            <div class="alert alert-warning" role="note">
                "This invitation has expired. Ask the person who invited you to send it again."
            </div>
        }
        .into_any(),
        InvitationStatus::Pending if p.existing_user && !is_invitee => {
            let note = match &signed_in_as {
                Some(other) => format!(
                    "You're signed in as {other}, but this invitation is for {}. Sign in as {} to accept it.",
                    p.email, p.email
                ),
                None => format!("{} already has a Tenantry account. Sign in with it to accept.", p.email),
            };
            view! {
                <p>{note}</p>
                <a class="btn btn-primary btn-block" href=format!("/login?next={next}")>{format!("Sign in as {}", p.email)}</a>
            }
            .into_any()
        }
        InvitationStatus::Pending => {
            let new_person = !p.existing_user;
            let lead = if new_person {
                "Choose your name and a password to create your account and join."
            } else {
                "You're signed in with this email. Accept to join."
            };
            view! {
                <p>{lead}</p>
                <Show when=move || other().is_some()>
                    <div class="alert alert-error" role="alert">{other}</div>
                </Show>
                <ActionForm action=accept attr:class="stack">
                    <input type="hidden" name="token" value=token.clone()/>
                    {new_person.then(|| view! {
                        <div class="field" class:invalid=move || name_error.get().is_some()>
                            <label for="name">"Your name"</label>
                            <input id="name" name="name" type="text" autocomplete="name" required maxlength="120"
                                aria-invalid=move || name_error.get().is_some().to_string()
                                aria-describedby=move || name_error.get().map(|_| "name-error")/>
                            <FieldError message=name_error id="name-error"/>
                        </div>
                        <div class="field" class:invalid=move || password_error.get().is_some()>
                            <label for="password">"Choose a password"</label>
                            <input id="password" name="password" type="password" autocomplete="new-password" required minlength="10"
                                on:input=move |ev| { password.set(event_target_value(&ev)); local_password.set(None); }
                                aria-invalid=move || password_error.get().is_some().to_string()
                                aria-describedby=move || if password_error.get().is_some() { "password-hint password-error" } else { "password-hint" }/>
                            <p class="hint" id="password-hint">"At least 10 characters."</p>
                            <FieldError message=password_error id="password-error"/>
                        </div>
                        <div class="field" class:invalid=move || again_error.get().is_some()>
                            <label for="password-again">"Password again"</label>
                            <input id="password-again" type="password" autocomplete="new-password" required
                                on:input=move |ev| { again.set(event_target_value(&ev)); local_again.set(None); }
                                aria-invalid=move || again_error.get().is_some().to_string()
                                aria-describedby=move || again_error.get().map(|_| "password-again-error")/>
                            <FieldError message=again_error id="password-again-error"/>
                        </div>
                    })}
                    <button class="btn btn-primary btn-block" type="submit" disabled=move || pending.get()
                        on:click=move |ev| if new_person { check(ev) }>
                        <Busy when=pending/>
                        "Accept invitation"
                    </button>
                </ActionForm>
            }
            .into_any()
        }
    };
    view! {
        <h1>{heading}</h1>
        <dl class="props invite-facts">
            <dt>"Tenant"</dt><dd>{p.tenant_name.clone()}</dd>
            <dt>"Your role"</dt><dd>{p.role.label()}</dd>
            <dt>"For"</dt><dd>{p.email.clone()}</dd>
            <dt>"Expires"</dt><dd>{time(&p.expires_at)}</dd>
        </dl>
        {body}
    }
}
