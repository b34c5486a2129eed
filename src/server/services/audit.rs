//! Reading the audit trail.

use crate::db;
use crate::error::AppError;
use crate::model::{AuditEvent, AuditQuery, Page};
use sqlx::PgPool;

pub async fn list(pool: &PgPool, q: &AuditQuery) -> Result<Page<AuditEvent>, AppError> {
    if let (Some(s), Some(u)) = (q.since, q.until) {
        if s > u {
            return Err(AppError::bad_request("since must be before until."));
        }
    }
    db::audit::list(pool, q).await
}

pub async fn actions(pool: &PgPool) -> Result<Vec<String>, AppError> {
    db::audit::actions(pool).await
}
