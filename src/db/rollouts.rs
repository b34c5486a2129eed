//! Template roll-outs (`template_rollouts`) and where schema tenants stand
//! (`template_schemas`), for the roll-out worker and the Workflows page.

use crate::error::AppError;
use crate::model::{Rollout, VersionCount};
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// Starts (or joins) the roll-out of `version`: one running roll-out per version, decided
/// under an advisory lock so instances starting together agree.
pub async fn start(db: &mut sqlx::PgConnection, version: i32) -> Result<Uuid, AppError> {
    sqlx::query!("select pg_advisory_xact_lock(hashtext('tenantry.rollout'))").execute(&mut *db).await?;
    if let Some(id) = running(&mut *db, version).await? {
        return Ok(id);
    }
    let total = behind(&mut *db, version).await?;
    Ok(sqlx::query_scalar!(
        "insert into template_rollouts (version, total) values ($1, $2) returning id",
        version,
        total as i32
    )
    .fetch_one(&mut *db)
    .await?)
}

/// The running roll-out of `version`, if any.
pub async fn running(db: impl PgExecutor<'_>, version: i32) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!("select id from template_rollouts where version = $1 and status = 'running'", version)
        .fetch_optional(db)
        .await?)
}

/// Schema tenants below `version`.
pub async fn behind(db: impl PgExecutor<'_>, version: i32) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "n!" from template_schemas where tenant_id is not null and version < $1"#,
        version
    )
    .fetch_one(db)
    .await?)
}

/// Claims the next tenant below `version` (not in `skip`), locking its row until the
/// transaction ends; tenants another worker holds are skipped.
pub async fn claim_tenant(db: impl PgExecutor<'_>, version: i32, skip: &[Uuid]) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select tenant_id as "tenant_id!" from template_schemas
            where tenant_id is not null and version < $1 and not (tenant_id = any($2))
            limit 1 for update skip locked"#,
        version,
        skip
    )
    .fetch_optional(db)
    .await?)
}

pub async fn record_error(db: impl PgExecutor<'_>, id: Uuid, error: &str) -> Result<(), AppError> {
    sqlx::query!("update template_rollouts set last_error = $2 where id = $1", id, error).execute(db).await?;
    Ok(())
}

pub async fn finish(db: impl PgExecutor<'_>, id: Uuid, failed: i32) -> Result<(), AppError> {
    sqlx::query!(
        "update template_rollouts set status = case when $2 > 0 then 'failed' else 'succeeded' end,
                failed = $2, finished_at = now()
          where id = $1 and status = 'running'",
        id,
        failed
    )
    .execute(db)
    .await?;
    Ok(())
}

struct Row {
    id: Uuid,
    version: i32,
    status: String,
    total: i32,
    failed: i32,
    last_error: Option<String>,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    remaining: i64,
}

/// Roll-outs, newest first, with live progress (tenants at or above the version).
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<Rollout>, AppError> {
    let rows = sqlx::query_as!(
        Row,
        r#"select r.id, r.version, r.status, r.total, r.failed, r.last_error, r.started_at, r.finished_at,
                  (select count(*) from template_schemas s where s.tenant_id is not null and s.version < r.version)
                      as "remaining!"
             from template_rollouts r order by r.started_at desc limit 20"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Rollout {
            id: r.id,
            version: r.version,
            status: r.status,
            total: r.total,
            done: (r.total as i64 - r.remaining).max(0),
            failed: r.failed,
            last_error: r.last_error,
            started_at: r.started_at,
            finished_at: r.finished_at,
        })
        .collect())
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Rollout, AppError> {
    list(db).await?.into_iter().find(|r| r.id == id).ok_or_else(|| AppError::not_found("No such roll-out."))
}

/// Schema tenants per template version.
pub async fn tenants_by_version(db: impl PgExecutor<'_>) -> Result<Vec<VersionCount>, AppError> {
    Ok(sqlx::query_as!(
        VersionCount,
        r#"select version, count(*) as "tenants!" from template_schemas where tenant_id is not null
            group by version order by version"#
    )
    .fetch_all(db)
    .await?)
}
