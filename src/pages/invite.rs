//! Accepting an invitation (PRODUCT.md A3): the link from the email. A new person chooses
//! a name and password; someone with an account signs in first. Works without JavaScript.

use crate::components::format::time;
use crate::components::*;
use crate::fns::members::{get_invitation, AcceptInvitation};
use crate::model::{InvitationPreview, InvitationStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let preview = Resource::new(token, get_invitation);
    view! {
        <Title text="Invitation"/>
        <div class="auth-page">
            <div class="auth-card card">
                <div class="brand auth-brand"><span class="brand-mark" aria-hidden="true"></span><span>"Tenantry"</span></div>
                <Suspense fallback=|| view! { <Loading text="Opening your invitation…"/> }>
                    {move || Suspend::new(async move {
                        match preview.await {
                            Ok(p) => view! { <Invitation p token=token()/> }.into_any(),
                            Err(e) => view! {
                                <h1>"Invitation not found"</h1>
                                <div class="alert alert-error" role="alert">{e.to_string()}</div>
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
fn Invitation(p: InvitationPreview, token: String) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let session = use_session();
    Effect::new(move |_| {
        if let Some(Ok(())) = accept.value().get() {
            session.refresh();
        }
    });
    let pending = accept.pending();
    let field = move |f: &'static str| {
        Signal::derive(move || match accept.value().get() {
            Some(Err(e)) => e.field(f),
            _ => None,
        })
    };
    let other = move || match accept.value().get() {
        Some(Err(e)) if e.fields().is_empty() => Some(e.to_string()),
        _ => None,
    };
    let heading = format!("Join {}", p.tenant_name);
    let intro = format!("You're invited as {} with {}.", p.role.label().to_lowercase(), p.email);
    let body = match p.status {
        InvitationStatus::Accepted => view! { <div class="alert alert-info" role="note">"This invitation was already accepted. "<a href="/login">"Sign in"</a></div> }.into_any(),
        InvitationStatus::Revoked => view! { <div class="alert alert-warning" role="note">"This invitation was withdrawn. Ask the person who invited you for a new one."</div> }.into_any(),
        InvitationStatus::Expired => view! { <div class="alert alert-warning" role="note">"This invitation has expired. Ask the person who invited you to resend it."</div> }.into_any(),
        InvitationStatus::Pending => {
            let me = use_me();
            let signed_in_as_invitee = me.as_ref().is_some_and(|m| m.email == p.email);
            if p.existing_user && !signed_in_as_invitee {
                let next = crate::model::query::encode_component(&format!("/invite/{token}"));
                view! {
                    <p>{format!("{} already has a Tenantry account. Sign in with it to accept.", p.email)}</p>
                    <a class="btn btn-primary btn-block" href=format!("/login?next={next}")>{format!("Sign in as {}", p.email)}</a>
                }.into_any()
            } else {
                view! {
                    <Show when=move || other().is_some()>
                        <div class="alert alert-error" role="alert">{other}</div>
                    </Show>
                    <ActionForm action=accept attr:class="stack">
                        <input type="hidden" name="token" value=token.clone()/>
                        {(!p.existing_user).then(|| view! {
                            <div class="field">
                                <label for="name">"Your name"</label>
                                <input id="name" name="name" type="text" autocomplete="name" required maxlength="120"/>
                                <FieldError message=field("name") id="name-error"/>
                            </div>
                            <div class="field">
                                <label for="password">"Choose a password"</label>
                                <input id="password" name="password" type="password" autocomplete="new-password" required minlength="10"/>
                                <p class="hint">"At least 10 characters."</p>
                                <FieldError message=field("password") id="password-error"/>
                            </div>
                        })}
                        <button class="btn btn-primary btn-block" type="submit" disabled=move || pending.get()>
                            {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                            "Accept invitation"
                        </button>
                    </ActionForm>
                }.into_any()
            }
        }
    };
    view! {
        <h1>{heading}</h1>
        <p class="subtitle">{intro}</p>
        <p class="hint">"Expires " {time(&p.expires_at)}</p>
        {body}
    }
}
