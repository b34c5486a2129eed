//! Server functions for a tenant's members and invitations.

use crate::error::AppError;
use crate::model::{Invitation, InvitationPreview, Member};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{
    fns::respond,
    model::Role,
    server::access::Caller,
    server::auth::Backend,
    server::services::{invitations, members},
    server::state::AppState,
};

#[cfg(feature = "ssr")]
fn parse_role(role: &str) -> Result<Role, AppError> {
    Role::parse(role).ok_or_else(|| AppError::invalid("role", "Choose owner, admin, member or viewer."))
}

#[server]
pub async fn list_members(tenant: Uuid) -> Result<Vec<Member>, AppError> {
    respond(async { members::list(&AppState::from_context()?.pool, &Caller::current(), tenant).await }.await)
}

#[server]
pub async fn change_member_role(tenant: Uuid, user: Uuid, role: String) -> Result<Member, AppError> {
    respond(
        async {
            let role = parse_role(&role)?;
            members::change_role(&AppState::from_context()?.pool, &Caller::current(), tenant, user, role).await
        }
        .await,
    )
}

#[server]
pub async fn remove_member(tenant: Uuid, user: Uuid) -> Result<(), AppError> {
    respond(async { members::remove(&AppState::from_context()?.pool, &Caller::current(), tenant, user).await }.await)
}

#[server]
pub async fn list_invitations(tenant: Uuid) -> Result<Vec<Invitation>, AppError> {
    respond(async { invitations::list(&AppState::from_context()?.pool, &Caller::current(), tenant).await }.await)
}

#[server]
pub async fn invite_member(tenant: Uuid, email: String, role: String) -> Result<Invitation, AppError> {
    respond(
        async {
            let role = parse_role(&role)?;
            invitations::invite(&AppState::from_context()?, &Caller::current(), tenant, &email, role).await
        }
        .await,
    )
}

#[server]
pub async fn resend_invitation(tenant: Uuid, invitation: Uuid) -> Result<Invitation, AppError> {
    respond(
        async { invitations::resend(&AppState::from_context()?, &Caller::current(), tenant, invitation).await }.await,
    )
}

#[server]
pub async fn revoke_invitation(tenant: Uuid, invitation: Uuid) -> Result<Invitation, AppError> {
    respond(
        async { invitations::revoke(&AppState::from_context()?.pool, &Caller::current(), tenant, invitation).await }
            .await,
    )
}

/// What an invitation link is for; anyone holding the link may ask.
#[server]
pub async fn get_invitation(token: String) -> Result<InvitationPreview, AppError> {
    respond(async { invitations::preview(&AppState::from_context()?.pool, &token).await }.await)
}

/// Accepts an invitation; plain form fields, so it works without JavaScript. A new person
/// gives a name and password and is signed in; then the browser goes to the tenant.
#[server]
pub async fn accept_invitation(token: String, name: Option<String>, password: Option<String>) -> Result<(), AppError> {
    respond(
        async {
            let state = AppState::from_context()?;
            let host = crate::fns::auth::session_host(&state).await?;
            let mut session = leptos_axum::extract::<axum_login::AuthSession<Backend>>()
                .await
                .map_err(|e| AppError::internal("auth session", e))?;
            let tenant =
                invitations::accept(&state, &mut session, &Caller::current(), &host, &token, name, password).await?;
            leptos_axum::redirect(&format!("/tenants/{tenant}"));
            Ok(())
        }
        .await,
    )
}
