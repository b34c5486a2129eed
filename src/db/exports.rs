//! Terminated tenants' data archives (`tenant_exports`): kept in PostgreSQL (the server
//! keeps no files) until their expiry, then their bytes are purged and the record stays.

use crate::error::AppError;
use crate::model::ExportInfo;
use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

pub struct NewExport<'a> {
    pub tenant: Uuid,
    pub run: Option<Uuid>,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    pub sha256: &'a str,
    pub manifest: &'a Value,
    pub keep_days: i32,
}

pub async fn insert(db: impl PgExecutor<'_>, e: NewExport<'_>) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into tenant_exports (tenant_id, run_id, file_name, content_type, bytes, sha256, manifest, expires_at)
         values ($1, $2, $3, 'application/x-tar', $4, $5, $6, now() + make_interval(days => $7::int))
         returning id",
        e.tenant,
        e.run,
        e.file_name,
        e.bytes,
        e.sha256,
        e.manifest,
        e.keep_days,
    )
    .fetch_one(db)
    .await?)
}

/// The export a termination run made, if it made one.
pub async fn for_run(db: impl PgExecutor<'_>, run: Uuid) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!("select id from tenant_exports where run_id = $1", run).fetch_optional(db).await?)
}

/// The exports of a tenant that are still kept, with their expiry: what remains of a
/// terminated tenant on purpose.
pub async fn kept(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<Value, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select coalesce(jsonb_agg(jsonb_build_object('export', id, 'file_name', file_name, 'sha256', sha256,
                                                       'expires_at', expires_at) order by created_at), '[]')
                  as "kept!"
             from tenant_exports where tenant_id = $1 and purged_at is null"#,
        tenant
    )
    .fetch_one(db)
    .await?)
}

/// Deletes the bytes of every export past its expiry (the row stays, with its manifest
/// and checksum, as the record of what was exported). Instances may run it at once: each
/// row is purged by one statement, once.
pub async fn purge_expired(db: impl PgExecutor<'_>) -> Result<u64, AppError> {
    Ok(sqlx::query!(
        "update tenant_exports set bytes = null, purged_at = now()
          where purged_at is null and expires_at <= now()"
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// A tenant's downloadable exports, newest first.
pub async fn list(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<Vec<ExportInfo>, AppError> {
    Ok(sqlx::query_as!(
        ExportInfo,
        r#"select id, file_name, length(bytes)::bigint as "size_bytes!", sha256, created_at, expires_at
             from tenant_exports where tenant_id = $1 and expires_at > now() and purged_at is null
            order by created_at desc"#,
        tenant
    )
    .fetch_all(db)
    .await?)
}

/// (file name, bytes) of one downloadable export.
pub async fn file(db: impl PgExecutor<'_>, tenant: Uuid, id: Uuid) -> Result<Option<(String, Vec<u8>)>, AppError> {
    let row = sqlx::query!(
        r#"select file_name, bytes as "bytes!" from tenant_exports
            where tenant_id = $1 and id = $2 and expires_at > now() and purged_at is null"#,
        tenant,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.file_name, r.bytes)))
}
