//! The two lifecycle rules that both a person's request (`services::tenants`) and the
//! workflow steps apply: changing a tenant's status together with its audit event, and
//! taking away every way into a tenant (PRODUCT.md T2, T5, P6).

use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::{Actor, TenantStatus};
use serde_json::{json, Value};
use sqlx::PgConnection;
use uuid::Uuid;

/// The audit action of a status change.
pub fn action_name(from: TenantStatus, to: TenantStatus) -> &'static str {
    match (from, to) {
        (TenantStatus::Suspended, TenantStatus::Active) => "tenant.resumed",
        (_, TenantStatus::Active) => "tenant.activated",
        (_, TenantStatus::Provisioning) => "tenant.provisioning",
        (_, TenantStatus::Suspended) => "tenant.suspended",
        (_, TenantStatus::Terminating) => "tenant.terminating",
        (_, TenantStatus::Terminated) => "tenant.terminated",
        (_, TenantStatus::Failed) => "tenant.failed",
        (_, TenantStatus::Pending) => "tenant.pending",
    }
}

/// A status change: checked against the one transition rule, applied only if the tenant
/// is still in `from` (two racing changes: one wins, the other is a 409), and audited in
/// the same transaction. `kept` names what is deliberately kept of a terminated tenant.
pub struct Change<'a> {
    pub tenant: Uuid,
    pub from: TenantStatus,
    pub to: TenantStatus,
    pub reason: Option<&'a str>,
    /// Days a terminated tenant's data is kept (used when `to` is terminating/terminated).
    pub retention_days: i32,
    pub kept: Option<Value>,
}

pub async fn change_status(db: &mut PgConnection, actor: &Actor, c: Change<'_>) -> Result<(), AppError> {
    if !c.from.can_transition_to(c.to) {
        return Err(AppError::conflict(format!("A tenant that is {} can't become {}.", c.from, c.to)));
    }
    if !db::tenants::set_status(&mut *db, c.tenant, c.from, c.to, c.reason, c.retention_days).await? {
        return Err(AppError::conflict("The tenant changed while this was being done. Reload and try again."));
    }
    let after = match c.kept {
        Some(kept) => json!({ "status": c.to, "kept": kept }),
        None => json!({ "status": c.to }),
    };
    let action = action_name(c.from, c.to);
    NewEvent::about_tenant(c.tenant, action)
        .change(json!({ "status": c.from }), after)
        .reason(c.reason)
        .record(&mut *db, actor)
        .await?;
    // For webhooks (`tenant.suspended`, …), in the same transaction.
    let payload = json!({ "tenant_id": c.tenant, "from": c.from, "to": c.to, "reason": c.reason });
    db::outbox::insert_once(&mut *db, &format!("{action}:{}:{}", c.tenant, Uuid::new_v4()), c.tenant, action, &payload)
        .await?;
    Ok(())
}

/// T5: a terminated tenant keeps no way in: its memberships, API keys, pending
/// invitations and custom domain claims go (the names become free for other tenants), in
/// the caller's transaction, with one audit event. (Sessions need nothing: a session's
/// tenants are re-read on every request.)
pub async fn revoke_access(db: &mut PgConnection, actor: &Actor, tenant: Uuid) -> Result<Value, AppError> {
    let members = db::memberships::remove_all(&mut *db, tenant).await?;
    let keys = db::api_keys::revoke_all(&mut *db, tenant).await?;
    let invitations = db::invitations::revoke_all_pending(&mut *db, tenant).await?;
    let domains = db::domains::release_all(&mut *db, tenant).await?;
    let counts = json!({
        "memberships_removed": members,
        "api_keys_revoked": keys,
        "invitations_revoked": invitations,
        "domains_released": domains,
    });
    NewEvent::about_tenant(tenant, "tenant.access_revoked").after(counts.clone()).record(&mut *db, actor).await?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transition_has_an_audit_action() {
        for from in TenantStatus::ALL {
            for to in TenantStatus::ALL {
                if from.can_transition_to(to) {
                    assert!(action_name(from, to).starts_with("tenant."));
                }
            }
        }
        assert_eq!(action_name(TenantStatus::Suspended, TenantStatus::Active), "tenant.resumed");
    }
}
