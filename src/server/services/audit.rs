//! Reading the audit trail: everything for platform admins, their own tenants' events for
//! everyone else.

use crate::db;
use crate::error::AppError;
use crate::model::{AuditEvent, AuditQuery, Page, Permission};
use crate::server::access::Caller;
use sqlx::PgPool;

pub async fn list(pool: &PgPool, caller: &Caller, q: &AuditQuery) -> Result<Page<AuditEvent>, AppError> {
    let scope = caller.visible(Permission::AuditRead)?;
    if let Some(t) = q.tenant_id {
        caller.require_on(t, Permission::AuditRead)?;
    }
    if let (Some(s), Some(u)) = (q.since, q.until) {
        if s > u {
            return Err(AppError::bad_request("since must be before until."));
        }
    }
    db::audit::list(pool, q, scope.ids()).await
}

pub async fn actions(pool: &PgPool, caller: &Caller) -> Result<Vec<String>, AppError> {
    let scope = caller.visible(Permission::AuditRead)?;
    db::audit::actions(pool, scope.ids()).await
}
