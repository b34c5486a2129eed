//! Events for other systems (`outbox`), written in the transaction that caused them and
//! delivered later.

use crate::error::AppError;
use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

/// Writes an event once: a second write with the same key does nothing. Answers whether
/// this call wrote it.
pub async fn insert_once(
    db: impl PgExecutor<'_>,
    key: &str,
    tenant: Uuid,
    topic: &str,
    payload: &Value,
) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into outbox (key, tenant_id, topic, payload) values ($1, $2, $3, $4)
         on conflict (key) do nothing returning id",
        key,
        tenant,
        topic,
        payload,
    )
    .fetch_optional(db)
    .await?
    .is_some())
}
