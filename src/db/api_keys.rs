//! Queries on `api_keys`. Only the SHA-256 of a key is stored; the prefix finds it.

use crate::error::AppError;
use crate::model::{ApiKey, Scope, TenantStatus};
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

struct KeyRow {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    prefix: String,
    scopes: Vec<String>,
    created_by: Option<String>,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<KeyRow> for ApiKey {
    fn from(r: KeyRow) -> Self {
        ApiKey {
            id: r.id,
            tenant_id: r.tenant_id,
            name: r.name,
            prefix: r.prefix,
            scopes: r.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
            created_by: r.created_by,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    name: &str,
    prefix: &str,
    secret_hash: &[u8],
    scopes: &[Scope],
    created_by: Option<Uuid>,
) -> Result<Uuid, AppError> {
    let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    Ok(sqlx::query_scalar!(
        "insert into api_keys (tenant_id, name, prefix, secret_hash, scopes, created_by)
         values ($1, $2, $3, $4, $5, $6) returning id",
        tenant,
        name,
        prefix,
        secret_hash,
        &scopes as &[&str],
        created_by,
    )
    .fetch_one(db)
    .await?)
}

pub async fn get(db: impl PgExecutor<'_>, tenant: Uuid, id: Uuid) -> Result<Option<ApiKey>, AppError> {
    let row = sqlx::query_as!(
        KeyRow,
        r#"select k.id, k.tenant_id, k.name, k.prefix, k.scopes, u.email as "created_by?", k.created_at,
                  k.last_used_at, k.revoked_at
           from api_keys k left join users u on u.id = k.created_by
           where k.tenant_id = $1 and k.id = $2"#,
        tenant,
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

/// Live keys first, newest first.
pub async fn list(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<Vec<ApiKey>, AppError> {
    let rows = sqlx::query_as!(
        KeyRow,
        r#"select k.id, k.tenant_id, k.name, k.prefix, k.scopes, u.email as "created_by?", k.created_at,
                  k.last_used_at, k.revoked_at
           from api_keys k left join users u on u.id = k.created_by
           where k.tenant_id = $1 order by k.revoked_at is not null, k.created_at desc limit 500"#,
        tenant,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Revokes a live key of the tenant; false when there is none.
pub async fn revoke(db: impl PgExecutor<'_>, tenant: Uuid, id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "update api_keys set revoked_at = now() where tenant_id = $1 and id = $2 and revoked_at is null",
        tenant,
        id,
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

pub async fn revoke_all(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<u64, AppError> {
    Ok(sqlx::query!("update api_keys set revoked_at = now() where tenant_id = $1 and revoked_at is null", tenant)
        .execute(db)
        .await?
        .rows_affected())
}

/// A live key found by its prefix, with what the guard needs to know.
pub struct KeyAuth {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub scopes: Vec<String>,
    pub tenant_status: TenantStatus,
    pub tenant_slug: String,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub async fn by_prefix(db: impl PgExecutor<'_>, prefix: &str) -> Result<Option<KeyAuth>, AppError> {
    Ok(sqlx::query_as!(
        KeyAuth,
        r#"select k.id, k.tenant_id, k.name, k.prefix, k.secret_hash, k.scopes,
                  t.status as "tenant_status: TenantStatus", t.slug as tenant_slug, k.last_used_at
           from api_keys k join tenants t on t.id = k.tenant_id
           where k.prefix = $1 and k.revoked_at is null"#,
        prefix,
    )
    .fetch_optional(db)
    .await?)
}

/// Records use at most once a minute per key, so busy keys don't write on every call.
pub async fn touch(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "update api_keys set last_used_at = now()
         where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')",
        id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Revokes the tenant's live keys with this name (the demo traffic's own keys).
pub async fn revoke_named(db: impl PgExecutor<'_>, tenant: Uuid, name: &str) -> Result<u64, AppError> {
    Ok(sqlx::query!(
        "update api_keys set revoked_at = now() where tenant_id = $1 and name = $2 and revoked_at is null",
        tenant,
        name
    )
    .execute(db)
    .await?
    .rows_affected())
}
