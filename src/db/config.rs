//! Queries on `tenant_config_versions`: the saved versions of a tenant's settings.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

pub struct VersionRow {
    pub category: String,
    pub version: i32,
    pub doc: Value,
    pub author: String,
    pub restored_from: Option<i32>,
    pub created_at: DateTime<Utc>,
}

/// The newest versions of one category (or of all, `category` None), newest first, at
/// most `limit` per category.
pub async fn latest(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    category: Option<&str>,
    limit: i64,
) -> Result<Vec<VersionRow>, AppError> {
    Ok(sqlx::query_as!(
        VersionRow,
        r#"select category as "category!", version as "version!", doc as "doc!", author as "author!",
                  restored_from, created_at as "created_at!"
           from (select v.*, row_number() over (partition by category order by version desc) as n
                 from tenant_config_versions v
                 where tenant_id = $1 and ($2::text is null or category = $2)) x
           where n <= $3
           order by category, version desc"#,
        tenant,
        category,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// One version's document.
pub async fn at(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    category: &str,
    version: i32,
) -> Result<Option<Value>, AppError> {
    Ok(sqlx::query_scalar!(
        "select doc from tenant_config_versions where tenant_id = $1 and category = $2 and version = $3",
        tenant,
        category,
        version
    )
    .fetch_optional(db)
    .await?)
}

pub struct NewVersion<'a> {
    pub tenant: Uuid,
    pub category: &'a str,
    pub version: i32,
    pub doc: &'a Value,
    pub author: &'a str,
    pub actor_id: Option<Uuid>,
    pub restored_from: Option<i32>,
}

/// Stores a version; false when that version number was taken first (a concurrent save).
pub async fn insert(db: impl PgExecutor<'_>, v: NewVersion<'_>) -> Result<Option<DateTime<Utc>>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"insert into tenant_config_versions (tenant_id, category, version, doc, author, actor_id, restored_from)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (tenant_id, category, version) do nothing
           returning created_at"#,
        v.tenant,
        v.category,
        v.version,
        v.doc,
        v.author,
        v.actor_id,
        v.restored_from
    )
    .fetch_optional(db)
    .await?)
}
