//! Invitations (PRODUCT.md A3): invite by email with a role, resend, revoke, accept.
//! The token is mailed and only its SHA-256 is kept; a resend replaces it, so only the
//! newest link works, and accepting locks the row, so a link works once.

use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::validate::{check_email, normalize_email};
use crate::model::{Invitation, InvitationPreview, InvitationStatus, Permission, Role};
use crate::server::access::Caller;
use crate::server::auth::{self, Backend};
use crate::server::mail::InvitationMail;
use crate::server::services::{members::check_owner_rule, users};
use crate::server::state::AppState;
use axum_login::{AuthSession, AuthnBackend};
use chrono::Utc;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// Pending invitations carry people's emails, so listing them needs MembersManage.
pub async fn list(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<Vec<Invitation>, AppError> {
    caller.require_on(tenant, Permission::MembersManage)?;
    db::invitations::list(pool, tenant).await
}

struct TenantSeats {
    tenant_name: String,
    plan_name: String,
    max_users: i64,
}

async fn seats(db: &mut sqlx::PgConnection, tenant: Uuid) -> Result<TenantSeats, AppError> {
    let (tenant_name, plan_name, max_users) = db::tenants::name_and_seats(&mut *db, tenant)
        .await?
        .ok_or_else(|| AppError::not_found(crate::model::messages::NO_TENANT))?;
    Ok(TenantSeats { tenant_name, plan_name, max_users })
}

pub async fn invite(
    state: &AppState,
    caller: &Caller,
    tenant: Uuid,
    email: &str,
    role: Role,
) -> Result<Invitation, AppError> {
    caller.require_on(tenant, Permission::MembersManage)?;
    let email = normalize_email(email);
    check_email(&email).map_err(|m| AppError::invalid("email", m))?;
    check_owner_rule(caller, tenant, None, Some(role))
        .map_err(|_| AppError::forbidden("Only an owner can invite another owner. Choose admin, member or viewer."))?;
    let mut tx = state.pool.begin().await?;
    db::tenants::lock(&mut *tx, tenant).await?;
    within_mail_limit(state, &mut tx, tenant).await?;
    let t = seats(&mut tx, tenant).await?;
    let already = db::memberships::has_email(&mut *tx, tenant, &email).await?;
    if already {
        return Err(AppError::conflict_on("email", format!("{email} is already a member of {}.", t.tenant_name)));
    }
    let used = db::memberships::seats_used(&mut *tx, tenant).await?;
    if used >= t.max_users {
        return Err(AppError::conflict_on(
            "email",
            format!(
                "{} allows {} {} (the {} plan's limit, or the hard limit on its Resources tab); it has {used} (members and pending invitations). Remove someone, or raise the limit.",
                t.tenant_name, t.max_users, if t.max_users == 1 { "person" } else { "people" }, t.plan_name
            ),
        ));
    }
    let token = auth::random_token(32);
    let expires = Utc::now() + chrono::Duration::days(state.config.auth.invitation_expiry_days.clamp(1, 90) as i64);
    let id = db::invitations::insert(&mut *tx, tenant, &email, role, &auth::sha256(&token), caller.user_id(), expires)
        .await?;
    record(&mut tx, caller, tenant, "invitation.created", id, json!({ "email": email, "role": role })).await?;
    tx.commit().await?;
    send(state, caller, id, tenant, &t.tenant_name, &email, role, &token, expires).await?;
    get(&state.pool, tenant, id).await
}

/// Invitation emails per tenant and hour (`[auth].invitation_mails_per_hour`), so a
/// tenant's admin (or a stolen session) can't turn the portal into a mail cannon. Counted
/// under the tenant row lock the caller holds, from the invitation audit events.
async fn within_mail_limit(state: &AppState, tx: &mut sqlx::PgConnection, tenant: Uuid) -> Result<(), AppError> {
    let limit = state.config.auth.invitation_mails_per_hour as i64;
    let (sent, oldest) = db::audit::invitation_mails_last_hour(&mut *tx, tenant).await?;
    if sent >= limit {
        let wait = oldest.map_or(3600, |t| (t + chrono::Duration::hours(1) - Utc::now()).num_seconds().max(1));
        return Err(AppError::TooManyRequests {
            message: format!(
                "This tenant has sent {sent} invitation emails in the last hour, the most allowed. Try again in {} minutes.",
                (wait as u64).div_ceil(60)
            ),
            retry_after_secs: wait as u64,
        });
    }
    Ok(())
}

/// Sends (or re-sends) the email and records the outcome on the invitation.
#[allow(clippy::too_many_arguments)]
async fn send(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    tenant: Uuid,
    tenant_name: &str,
    email: &str,
    role: Role,
    token: &str,
    expires: chrono::DateTime<Utc>,
) -> Result<(), AppError> {
    let inviter =
        caller.me().map(|m| format!("{} ({})", m.name, m.email)).unwrap_or_else(|| "Your platform operator".into());
    let branding = db::tenants::branding(&state.pool, tenant).await?.unwrap_or_default();
    let mail = InvitationMail {
        to: email,
        tenant: tenant_name,
        inviter: &inviter,
        role: role.as_str(),
        token,
        expires,
        branding: &branding,
    };
    let outcome = state.mailer.send_invitation(&mail).await;
    db::invitations::mark_sent(&state.pool, id, outcome.err().as_deref()).await
}

async fn get(pool: &PgPool, tenant: Uuid, id: Uuid) -> Result<Invitation, AppError> {
    db::invitations::get(pool, tenant, id).await?.map(Into::into).ok_or_else(not_found)
}

fn not_found() -> AppError {
    AppError::not_found("No such invitation in this tenant.")
}

pub async fn resend(state: &AppState, caller: &Caller, tenant: Uuid, id: Uuid) -> Result<Invitation, AppError> {
    caller.require_on(tenant, Permission::MembersManage)?;
    let mut tx = state.pool.begin().await?;
    db::tenants::lock(&mut *tx, tenant).await?;
    let row = db::invitations::get(&mut *tx, tenant, id).await?.ok_or_else(not_found)?;
    if row.status != "pending" {
        return Err(AppError::conflict(format!("This invitation was {}; invite again instead.", row.status)));
    }
    within_mail_limit(state, &mut tx, tenant).await?;
    let t = seats(&mut tx, tenant).await?;
    let token = auth::random_token(32);
    let expires = Utc::now() + chrono::Duration::days(state.config.auth.invitation_expiry_days.clamp(1, 90) as i64);
    db::invitations::renew(&mut *tx, id, &auth::sha256(&token), expires).await?;
    record(&mut tx, caller, tenant, "invitation.resent", id, json!({ "email": row.email })).await?;
    tx.commit().await?;
    send(state, caller, id, tenant, &t.tenant_name, &row.email, row.role(), &token, expires).await?;
    get(&state.pool, tenant, id).await
}

pub async fn revoke(pool: &PgPool, caller: &Caller, tenant: Uuid, id: Uuid) -> Result<Invitation, AppError> {
    caller.require_on(tenant, Permission::MembersManage)?;
    let mut tx = pool.begin().await?;
    let row = db::invitations::get(&mut *tx, tenant, id).await?.ok_or_else(not_found)?;
    if row.status != "pending" {
        return Err(AppError::conflict(format!("This invitation was already {}.", row.status)));
    }
    db::invitations::set_status(&mut *tx, id, "revoked").await?;
    record(&mut tx, caller, tenant, "invitation.revoked", id, json!({ "email": row.email })).await?;
    tx.commit().await?;
    get(pool, tenant, id).await
}

const INVALID_LINK: &str = "This invitation link is not valid. Ask for a new invitation.";

/// What the accept page shows; anyone holding the link may see it.
pub async fn preview(pool: &PgPool, token: &str) -> Result<InvitationPreview, AppError> {
    let row = db::invitations::by_token(pool, &auth::sha256(token.trim()))
        .await?
        .ok_or_else(|| AppError::not_found(INVALID_LINK))?;
    let tenant_name: String = db::tenants::name(pool, row.tenant_id).await?;
    let existing_user = db::users::credentials_by_email(pool, &row.email).await?.is_some();
    Ok(InvitationPreview {
        tenant_name,
        email: row.email.clone(),
        role: row.role(),
        status: row.status(),
        expires_at: row.expires_at,
        existing_user,
    })
}

/// Accepts: a new person sets a name and password and is signed in; someone with an
/// account must be signed in as the invited email.
pub async fn accept(
    state: &AppState,
    session: &mut AuthSession<Backend>,
    caller: &Caller,
    host: &str,
    token: &str,
    name: Option<String>,
    password: Option<String>,
) -> Result<Uuid, AppError> {
    let mut tx = state.pool.begin().await?;
    let row = db::invitations::by_token_for_update(&mut *tx, &auth::sha256(token.trim()))
        .await?
        .ok_or_else(|| AppError::not_found(INVALID_LINK))?;
    match row.status() {
        InvitationStatus::Pending => {}
        InvitationStatus::Accepted => {
            return Err(AppError::conflict("This invitation was already accepted. Sign in instead."))
        }
        InvitationStatus::Revoked => {
            return Err(AppError::conflict("This invitation was withdrawn. Ask for a new one."))
        }
        InvitationStatus::Expired => return Err(AppError::conflict("This invitation has expired. Ask for a new one.")),
    }
    let existing = db::users::credentials_by_email(&mut *tx, &row.email).await?;
    let (user, new_account) = match existing {
        Some(u) => {
            if caller.user_id() != Some(u.id) {
                return Err(AppError::conflict(format!(
                    "{} already has an account. Sign in as {} first, then open the link again.",
                    row.email, row.email
                )));
            }
            (u.id, false)
        }
        None => {
            let name = name.unwrap_or_default();
            let password = password.unwrap_or_default();
            // Validate here so a bad form leaves the invitation untouched.
            let id = users::create_in(
                &mut tx,
                &Caller::system(),
                users::NewUser { email: row.email.clone(), name, password, is_platform_admin: false },
            )
            .await?;
            (id, true)
        }
    };
    db::memberships::add(&mut *tx, row.tenant_id, user, row.role()).await?;
    super::members::publish(&mut tx, row.tenant_id, "member.joined", user, Some(row.role()), None).await?;
    db::invitations::set_status(&mut *tx, row.id, "accepted").await?;
    let actor = crate::model::Actor::user(user, &row.email, caller.source_ip);
    for (action, target_type, target) in
        [("invitation.accepted", "invitation", row.id.to_string()), ("member.added", "user", user.to_string())]
    {
        NewEvent::new(action, target_type, target)
            .in_tenant(row.tenant_id)
            .after(json!({ "email": row.email, "role": row.role() }))
            .record(&mut *tx, &actor)
            .await?;
    }
    tx.commit().await?;
    if new_account {
        if let Some(u) = session.backend.get_user(&user).await.map_err(|e| AppError::internal("load user", e))? {
            session.session.cycle_id().await.map_err(|e| AppError::internal("sign in", e))?;
            session.login(&u).await.map_err(|e| AppError::internal("sign in", e))?;
            auth::signed_in(session, host).await?;
        }
    }
    auth::remember(session, auth::ACTIVE_TENANT, row.tenant_id).await?;
    Ok(row.tenant_id)
}

async fn record(
    tx: &mut sqlx::PgConnection,
    caller: &Caller,
    tenant: Uuid,
    action: &str,
    id: Uuid,
    after: serde_json::Value,
) -> Result<(), AppError> {
    NewEvent::new(action, "invitation", id).in_tenant(tenant).after(after).record(&mut *tx, &caller.actor()).await?;
    Ok(())
}
