//! The provisioning wizard's drafts (`wizard_drafts`), one per person.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

/// (step, data, updated_at) of the person's draft.
pub async fn get(db: impl PgExecutor<'_>, user: Uuid) -> Result<Option<(i32, Value, DateTime<Utc>)>, AppError> {
    let row = sqlx::query!("select step, data, updated_at from wizard_drafts where user_id = $1", user)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| (r.step, r.data, r.updated_at)))
}

pub async fn save(db: impl PgExecutor<'_>, user: Uuid, step: i32, data: &Value) -> Result<DateTime<Utc>, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into wizard_drafts (user_id, step, data) values ($1, $2, $3)
         on conflict (user_id) do update set step = excluded.step, data = excluded.data, updated_at = now()
         returning updated_at",
        user,
        step,
        data,
    )
    .fetch_one(db)
    .await?)
}

pub async fn discard(db: impl PgExecutor<'_>, user: Uuid) -> Result<(), AppError> {
    sqlx::query!("delete from wizard_drafts where user_id = $1", user).execute(db).await?;
    Ok(())
}
