//! Feature flags (PRODUCT.md C3): each tenant's answers from the one rule
//! (`model::flags::resolve`), overrides per tenant and kill switches across the platform
//! (platform administrators), each audited.

use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::flags::{resolve, FlagInfo, FlagOverride, FlagState, KillSwitch};
use crate::model::validate::REASON_MAX;
use crate::model::Permission;
use crate::server::access::Caller;
use crate::server::services::tenants::lock_live;
use crate::server::state::AppState;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

fn no_flag(flag: &str) -> AppError {
    AppError::not_found(format!(
        "There is no feature flag called \u{201c}{}\u{201d}.",
        flag.chars().take(63).collect::<String>()
    ))
}

fn state(r: db::flags::FlagRow) -> FlagState {
    let (enabled, reason) = resolve(r.in_plan, r.override_enabled, r.killed);
    let note = if r.killed { r.killed_reason } else { r.override_reason.filter(|n| !n.is_empty()) };
    FlagState {
        flag: r.flag,
        description: r.description,
        enabled,
        reason,
        version: r.version,
        in_plan: r.in_plan,
        override_enabled: r.override_enabled,
        note,
    }
}

/// Every flag for the tenant: on or off, why, and the version of the answer.
pub async fn for_tenant(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<Vec<FlagState>, AppError> {
    caller.require_on(tenant, Permission::FeaturesRead)?;
    if db::tenants::by_id(pool, tenant).await?.is_none() {
        return Err(AppError::not_found("There is no such tenant."));
    }
    Ok(db::flags::for_tenant(pool, tenant, None).await?.into_iter().map(state).collect())
}

async fn one(db: &mut PgConnection, tenant: Uuid, flag: &str) -> Result<FlagState, AppError> {
    db::flags::for_tenant(&mut *db, tenant, Some(flag))
        .await?
        .into_iter()
        .next()
        .map(state)
        .ok_or_else(|| no_flag(flag))
}

fn check_reason(reason: &str, required: bool) -> Result<String, AppError> {
    let r = reason.trim();
    if r.chars().count() > REASON_MAX {
        return Err(AppError::invalid("reason", format!("Keep it under {REASON_MAX} characters.")));
    }
    if required && r.is_empty() {
        return Err(AppError::invalid("reason", "Say why; every tenant loses the feature and the reason is kept."));
    }
    Ok(r.to_string())
}

/// Turns a flag on or off for one tenant, whatever its plan says (a kill switch still wins).
pub async fn set_override(
    state: &AppState,
    caller: &Caller,
    tenant: Uuid,
    flag: &str,
    body: &FlagOverride,
) -> Result<FlagState, AppError> {
    caller.require(Permission::PlatformManage)?;
    let reason = check_reason(&body.reason, false)?;
    let mut tx = state.pool.begin().await?;
    lock_live(&mut tx, tenant, "features").await?;
    let before = one(&mut tx, tenant, flag).await?;
    let actor = caller.actor();
    db::flags::set_override(&mut *tx, tenant, flag, body.enabled, &reason, &actor.label).await?;
    let after = one(&mut tx, tenant, flag).await?;
    NewEvent::new("feature.overridden", "feature", flag)
        .in_tenant(tenant)
        .change(
            json!({ "enabled": before.enabled, "override": before.override_enabled }),
            json!({ "enabled": after.enabled, "override": body.enabled }),
        )
        .reason(Some(reason.as_str()).filter(|r| !r.is_empty()))
        .record(&mut *tx, &actor)
        .await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes a tenant's override: the plan decides again.
pub async fn clear_override(
    state: &AppState,
    caller: &Caller,
    tenant: Uuid,
    flag: &str,
) -> Result<FlagState, AppError> {
    caller.require(Permission::PlatformManage)?;
    let mut tx = state.pool.begin().await?;
    lock_live(&mut tx, tenant, "features").await?;
    let before = one(&mut tx, tenant, flag).await?;
    if !db::flags::clear_override(&mut *tx, tenant, flag).await? {
        return Err(AppError::not_found(format!("{flag} has no override for this tenant; the plan decides it.")));
    }
    let after = one(&mut tx, tenant, flag).await?;
    NewEvent::new("feature.override_cleared", "feature", flag)
        .in_tenant(tenant)
        .change(
            json!({ "enabled": before.enabled, "override": before.override_enabled }),
            json!({ "enabled": after.enabled }),
        )
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    Ok(after)
}

/// Makes the tenant's flags answer `wanted` (a tenant's feature list, given when it is
/// created or edited): an override where the list and the plan differ, none where they agree.
pub(crate) async fn match_list(
    db: &mut PgConnection,
    tenant: Uuid,
    wanted: &[String],
    by: &str,
) -> Result<(), AppError> {
    db::flags::ensure(&mut *db, wanted).await?;
    for row in db::flags::for_tenant(&mut *db, tenant, None).await? {
        let want = wanted.contains(&row.flag);
        if want == row.in_plan {
            db::flags::clear_override(&mut *db, tenant, &row.flag).await?;
        } else if row.override_enabled != Some(want) {
            db::flags::set_override(&mut *db, tenant, &row.flag, want, "Set with the tenant's feature list", by)
                .await?;
        }
    }
    Ok(())
}

/// Every flag across the platform, with its kill switch (platform administrators).
pub async fn catalog(pool: &PgPool, caller: &Caller) -> Result<Vec<FlagInfo>, AppError> {
    caller.require(Permission::PlatformManage)?;
    db::flags::catalog(pool, None).await
}

/// Switches a flag off for every tenant (or back on), with why.
pub async fn set_kill_switch(
    state: &AppState,
    caller: &Caller,
    flag: &str,
    body: &KillSwitch,
) -> Result<FlagInfo, AppError> {
    caller.require(Permission::PlatformManage)?;
    let reason = check_reason(&body.reason, body.killed)?;
    let mut tx = state.pool.begin().await?;
    if !db::flags::exists(&mut *tx, flag).await? {
        return Err(no_flag(flag));
    }
    let actor = caller.actor();
    if db::flags::set_killed(&mut *tx, flag, body.killed, &reason, &actor.label).await? {
        NewEvent::new(if body.killed { "feature.killed" } else { "feature.revived" }, "feature", flag)
            .change(json!({ "killed": !body.killed }), json!({ "killed": body.killed }))
            .reason(Some(reason.as_str()).filter(|r| !r.is_empty()))
            .record(&mut *tx, &actor)
            .await?;
    }
    let info = db::flags::catalog(&mut *tx, Some(flag)).await?.into_iter().next().ok_or_else(|| no_flag(flag))?;
    tx.commit().await?;
    Ok(info)
}
