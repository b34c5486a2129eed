//! Signing in and out, switching tenant and changing one's password (PRODUCT.md A1, A4).

use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::validate::{check_password, normalize_email};
use crate::model::Me;
use crate::server::access::{Actor, Caller};
use crate::server::auth::{self, Backend, PasswordCredentials};
use crate::server::state::AppState;
use axum_login::{AuthSession, AuthnBackend};
use chrono::Utc;
use std::net::IpAddr;
use uuid::Uuid;

const WRONG: &str = "That email and password don't match an active account.";

/// Checks the throttle, then the password; on success rotates the session id and starts
/// the session's clocks. Failures never say whether the email exists.
pub async fn sign_in(
    state: &AppState,
    session: &mut AuthSession<Backend>,
    ip: Option<IpAddr>,
    email: &str,
    password: String,
) -> Result<(), AppError> {
    let email = normalize_email(email);
    if email.is_empty() || password.is_empty() {
        return Err(AppError::invalid(
            if email.is_empty() { "email" } else { "password" },
            "Enter your email and password.",
        ));
    }
    let cfg = &state.config.auth;
    let window = chrono::Duration::seconds(cfg.failure_window_secs.max(1) as i64);
    let f = db::sign_ins::failures_since(&state.pool, &email, ip, Utc::now() - window).await?;
    let wait = |oldest: Option<chrono::DateTime<Utc>>| {
        oldest.map_or(window.num_seconds(), |t| (t + window - Utc::now()).num_seconds()).max(1) as u64
    };
    let retry = if f.by_email >= cfg.max_failures_per_account as i64 {
        Some(wait(f.oldest_by_email))
    } else if f.by_ip >= cfg.max_failures_per_address as i64 {
        Some(wait(f.oldest_by_ip))
    } else {
        None
    };
    if let Some(secs) = retry {
        return Err(AppError::TooManyRequests {
            message: format!("Too many failed sign-ins. Try again in {}.", human_wait(secs)),
            retry_after_secs: secs,
        });
    }
    let user = session
        .authenticate(PasswordCredentials { email: email.clone(), password })
        .await
        .map_err(|e| AppError::internal("sign in", e))?;
    let Some(user) = user else {
        db::sign_ins::record_failure(&state.pool, &email, ip).await?;
        return Err(AppError::unauthorized(WRONG));
    };
    session.login(&user).await.map_err(|e| AppError::internal("sign in", e))?;
    auth::remember(session, auth::SIGNED_IN_AT, Utc::now().timestamp()).await?;
    db::sign_ins::clear(&state.pool, &email).await?;
    db::users::touch_sign_in(&state.pool, user.account.id).await?;
    record(state, &Actor::user(user.account.id, &user.account.email, ip), "user.signed_in", user.account.id).await?;
    Ok(())
}

fn human_wait(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} seconds"),
        60..=119 => "a minute".into(),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

pub async fn sign_out(state: &AppState, session: &mut AuthSession<Backend>, caller: &Caller) -> Result<(), AppError> {
    if let Some(id) = caller.user_id() {
        record(state, &caller.actor(), "user.signed_out", id).await?;
    }
    session.logout().await.map_err(|e| AppError::internal("sign out", e))?;
    Ok(())
}

/// Makes `tenant` the one the session works in; the caller must belong to it.
pub async fn switch_tenant(session: &mut AuthSession<Backend>, caller: &Caller, tenant: Uuid) -> Result<Me, AppError> {
    caller.require_on(tenant, crate::model::Permission::TenantRead)?;
    let mut me = caller
        .me()
        .cloned()
        .ok_or_else(|| AppError::forbidden("Only people switch tenants; API keys are bound to theirs."))?;
    auth::remember(session, auth::ACTIVE_TENANT, tenant).await?;
    me.active_tenant = Some(tenant);
    Ok(me)
}

/// Changes the caller's password. Every other session of theirs ends (their session hash
/// no longer matches); this one is renewed.
pub async fn change_password(
    state: &AppState,
    session: &mut AuthSession<Backend>,
    caller: &Caller,
    current: String,
    new: String,
) -> Result<(), AppError> {
    let me = caller.me().ok_or_else(|| AppError::unauthorized("Sign in to change your password."))?;
    check_password(&new).map_err(|m| AppError::invalid("new_password", m))?;
    let account = db::users::credentials_by_email(&state.pool, &me.email)
        .await?
        .ok_or_else(|| AppError::unauthorized("Sign in again."))?;
    if !auth::verify_password(current, account.password_hash).await? {
        return Err(AppError::invalid("current_password", "That is not your current password."));
    }
    let hash = auth::hash_password(new).await?;
    db::users::set_password(&state.pool, me.id, &hash).await?;
    record(state, &caller.actor(), "user.password_changed", me.id).await?;
    let user = session.backend.get_user(&me.id).await.map_err(|e| AppError::internal("reload user", e))?;
    if let Some(user) = user {
        session.login(&user).await.map_err(|e| AppError::internal("renew session", e))?;
    }
    Ok(())
}

async fn record(state: &AppState, actor: &Actor, action: &str, user: Uuid) -> Result<(), AppError> {
    db::audit::record(
        &state.pool,
        actor,
        NewEvent {
            tenant_id: None,
            action,
            target_type: "user",
            target_id: Some(user.to_string()),
            before: None,
            after: None,
            reason: None,
        },
    )
    .await?;
    Ok(())
}
