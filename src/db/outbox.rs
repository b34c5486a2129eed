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

/// Writes many events in one statement; one whose key exists already is skipped.
pub async fn insert_many(db: impl PgExecutor<'_>, events: &[(String, Uuid, &str, Value)]) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "insert into outbox (key, tenant_id, topic, payload)
         select * from unnest($1::text[], $2::uuid[], $3::text[], $4::jsonb[])
         on conflict (key) do nothing",
        &events.iter().map(|e| e.0.clone()).collect::<Vec<_>>(),
        &events.iter().map(|e| e.1).collect::<Vec<_>>(),
        &events.iter().map(|e| e.2.to_string()).collect::<Vec<_>>(),
        &events.iter().map(|e| e.3.clone()).collect::<Vec<_>>(),
    )
    .execute(db)
    .await?;
    Ok(())
}
