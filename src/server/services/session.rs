//! Signing in and out, switching tenant and changing one's password (PRODUCT.md A1, A4).

use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::validate::{check_password, normalize_email, EMAIL_MAX, PASSWORD_MAX};
use crate::model::Actor;
use crate::model::Me;
use crate::server::access::Caller;
use crate::server::auth::{self, Backend, PasswordCredentials};
use crate::server::state::AppState;
use axum_login::{AuthSession, AuthnBackend};
use chrono::Utc;
use std::net::IpAddr;
use uuid::Uuid;

const WRONG: &str = "That email and password don't match an active account.";

/// Checks the throttle, then the password; on success gives the session a new id and
/// starts its clocks. Failures never say whether the email exists.
///
/// The throttle can't be raced: under a lock per account and per address (transaction-
/// scoped advisory locks, so every instance shares them) each attempt first counts the
/// recent failures and then records itself as one, before any password is checked. Twenty
/// guesses sent at once therefore see 0, 1, 2, … earlier failures, and only the allowed
/// number reach argon2; a correct password then takes its own attempt back.
pub async fn sign_in(
    state: &AppState,
    session: &mut AuthSession<Backend>,
    ip: Option<IpAddr>,
    host: &str,
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
    // Caps before any work: an email can't be longer than 254 characters, and nobody's
    // password is longer than the longest one we let people set.
    if email.chars().count() > EMAIL_MAX {
        return Err(AppError::invalid("email", format!("An email address has at most {EMAIL_MAX} characters.")));
    }
    if password.chars().count() > PASSWORD_MAX {
        return Err(AppError::invalid("password", format!("A password has at most {PASSWORD_MAX} characters.")));
    }
    reserve_attempt(state, &email, ip).await?;
    let user = session
        .authenticate(PasswordCredentials { email: email.clone(), password })
        .await
        .map_err(|e| AppError::internal("sign in", e))?;
    let Some(user) = user else {
        return Err(AppError::unauthorized(WRONG));
    };
    // A new id even when the browser was signed in already (axum-login only cycles it for
    // a session without a user): a cookie planted or seen before sign-in never becomes one.
    session.session.cycle_id().await.map_err(|e| AppError::internal("sign in", e))?;
    session.login(&user).await.map_err(|e| AppError::internal("sign in", e))?;
    auth::signed_in(session, host).await?;
    db::sign_ins::clear(&state.pool, &email).await?;
    db::users::touch_sign_in(&state.pool, user.account.id).await?;
    record(state, &Actor::user(user.account.id, &user.account.email, ip), "user.signed_in", user.account.id).await?;
    Ok(())
}

/// Counts the recent failures for the account and the address and, when neither is over
/// its limit, records this attempt as a failure (taken back on success). Serialised per
/// account and per address; the locks are always taken in that order, so two attempts
/// can't wait on each other.
async fn reserve_attempt(state: &AppState, email: &str, ip: Option<IpAddr>) -> Result<(), AppError> {
    let cfg = &state.config.auth;
    let window = chrono::Duration::seconds(cfg.failure_window_secs.max(1) as i64);
    let mut tx = state.pool.begin().await?;
    db::sign_ins::lock(&mut *tx, &format!("account:{email}")).await?;
    if let Some(ip) = ip {
        db::sign_ins::lock(&mut *tx, &format!("address:{ip}")).await?;
    }
    let f = db::sign_ins::failures_since(&mut *tx, email, ip, Utc::now() - window).await?;
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
    db::sign_ins::record_failure(&mut *tx, email, ip).await?;
    tx.commit().await?;
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
    NewEvent::new(action, "user", user).record(&state.pool, actor).await?;
    Ok(())
}
