//! Queries on `tenant_logos`: a tenant's uploaded logo, addressed by the hash of its bytes.

use crate::error::AppError;
use sqlx::PgExecutor;
use uuid::Uuid;

/// A checked logo file (`server::logo`): the SHA-256 of its bytes, its type and size.
pub struct NewLogo<'a> {
    pub hash: &'a str,
    pub content_type: &'a str,
    pub width: u32,
    pub height: u32,
    pub bytes: &'a [u8],
}

/// Stores a logo (the same file again is a no-op).
pub async fn insert(db: impl PgExecutor<'_>, tenant: Uuid, logo: NewLogo<'_>) -> Result<(), AppError> {
    sqlx::query!(
        r#"insert into tenant_logos (tenant_id, hash, content_type, bytes, width, height)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (tenant_id, hash) do nothing"#,
        tenant,
        logo.hash,
        logo.content_type,
        logo.bytes,
        i32::try_from(logo.width).unwrap_or(i32::MAX),
        i32::try_from(logo.height).unwrap_or(i32::MAX),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Removes the tenant's other logos (only the current one is kept).
pub async fn keep_only(db: impl PgExecutor<'_>, tenant: Uuid, hash: Option<&str>) -> Result<u64, AppError> {
    Ok(sqlx::query!("delete from tenant_logos where tenant_id = $1 and hash is distinct from $2", tenant, hash)
        .execute(db)
        .await?
        .rows_affected())
}

/// A stored logo's type and bytes.
pub async fn get(db: impl PgExecutor<'_>, tenant: Uuid, hash: &str) -> Result<Option<(String, Vec<u8>)>, AppError> {
    Ok(sqlx::query!("select content_type, bytes from tenant_logos where tenant_id = $1 and hash = $2", tenant, hash)
        .fetch_optional(db)
        .await?
        .map(|r| (r.content_type, r.bytes)))
}

pub async fn exists(db: impl PgExecutor<'_>, tenant: Uuid, hash: &str) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!("select 1 as one from tenant_logos where tenant_id = $1 and hash = $2", tenant, hash)
        .fetch_optional(db)
        .await?
        .is_some())
}
