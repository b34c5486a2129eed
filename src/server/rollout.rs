//! Rolling a newer tenant template version out to every existing schema tenant
//! (PRODUCT.md I2). Each tenant is upgraded in its own transaction, claimed with
//! `FOR UPDATE SKIP LOCKED` on its `template_schemas` row, so several workers and several
//! instances share the work, a crash loses at most one tenant's uncommitted upgrade, and a
//! restart simply carries on (progress is what the rows say, not a counter).

use crate::error::AppError;
use crate::model::Rollout;
use crate::server::storage;
use sqlx::PgPool;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Starts (or joins) the roll-out of `version` and returns its id. `sql` is that
/// version's SQL; None takes it from the template in the binary.
pub async fn start(pool: &PgPool, version: i32) -> Result<Uuid, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock(hashtext('tenantry.rollout'))").execute(&mut *tx).await?;
    if let Some(id) = sqlx::query_scalar("select id from template_rollouts where version = $1 and status = 'running'")
        .bind(version)
        .fetch_optional(&mut *tx)
        .await?
    {
        return Ok(id);
    }
    let total: i64 =
        sqlx::query_scalar("select count(*) from template_schemas where tenant_id is not null and version < $1")
            .bind(version)
            .fetch_one(&mut *tx)
            .await?;
    let id = sqlx::query_scalar("insert into template_rollouts (version, total) values ($1, $2) returning id")
        .bind(version)
        .bind(total as i32)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Upgrades every schema tenant below `version` with `parallel` workers in this process,
/// then marks the roll-out finished. Safe to run on several instances at once.
pub async fn run(
    pool: &PgPool,
    id: Uuid,
    version: i32,
    sql: Option<&'static str>,
    parallel: usize,
) -> Result<Rollout, AppError> {
    // The shared row-level schema first (one place, all row tenants at once).
    if sql.is_none() {
        let mut tx = pool.begin().await?;
        storage::ensure_shared_schema(&mut tx).await?;
        tx.commit().await?;
    }
    let skip: Arc<Mutex<HashSet<Uuid>>> = Arc::default();
    let mut tasks = Vec::new();
    for _ in 0..parallel.max(1) {
        let (pool, skip) = (pool.clone(), skip.clone());
        tasks.push(tokio::spawn(async move { worker(&pool, id, version, sql, &skip).await }));
    }
    for t in tasks {
        t.await.map_err(|e| AppError::internal("rollout worker", e))??;
    }
    let failed = skip.lock().map(|s| s.len()).unwrap_or(0) as i32;
    sqlx::query(
        "update template_rollouts set status = case when $2 > 0 then 'failed' else 'succeeded' end,
                failed = $2, finished_at = now()
          where id = $1 and status = 'running'",
    )
    .bind(id)
    .bind(failed)
    .execute(pool)
    .await?;
    get(pool, id).await
}

async fn worker(
    pool: &PgPool,
    id: Uuid,
    version: i32,
    sql: Option<&'static str>,
    skip: &Mutex<HashSet<Uuid>>,
) -> Result<(), AppError> {
    loop {
        let skipped: Vec<Uuid> = skip.lock().map(|s| s.iter().copied().collect()).unwrap_or_default();
        let mut tx = pool.begin().await?;
        let tenant: Option<Uuid> = sqlx::query_scalar(
            "select tenant_id from template_schemas
              where tenant_id is not null and version < $1 and not (tenant_id = any($2))
              limit 1 for update skip locked",
        )
        .bind(version)
        .bind(&skipped)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(tenant) = tenant else { return Ok(()) };
        let outcome = match sql {
            Some(sql) => storage::apply_version_sql(&mut tx, tenant, version, sql).await.map(|_| ()),
            None => storage::apply_template(&mut tx, tenant, Some(version)).await.map(|_| ()),
        };
        match outcome {
            Ok(()) => tx.commit().await?,
            Err(e) => {
                drop(tx);
                tracing::warn!(%tenant, version, error = %e, "template roll-out failed for a tenant");
                if let Ok(mut s) = skip.lock() {
                    s.insert(tenant);
                }
                sqlx::query("update template_rollouts set last_error = $2 where id = $1")
                    .bind(id)
                    .bind(format!("tenant {tenant}: {e}"))
                    .execute(pool)
                    .await?;
            }
        }
    }
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Rollout, AppError> {
    list(pool).await?.into_iter().find(|r| r.id == id).ok_or_else(|| AppError::not_found("No such roll-out."))
}

/// Roll-outs, newest first, with live progress (tenants at or above the version).
pub async fn list(pool: &PgPool) -> Result<Vec<Rollout>, AppError> {
    let rows: Vec<(
        Uuid,
        i32,
        String,
        i32,
        i32,
        Option<String>,
        chrono::DateTime<chrono::Utc>,
        Option<chrono::DateTime<chrono::Utc>>,
        i64,
    )> = sqlx::query_as(
        "select r.id, r.version, r.status, r.total, r.failed, r.last_error, r.started_at, r.finished_at,
                    (select count(*) from template_schemas s where s.tenant_id is not null and s.version < r.version)
               from template_rollouts r order by r.started_at desc limit 20",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, version, status, total, failed, last_error, started_at, finished_at, remaining)| Rollout {
            id,
            version,
            status,
            total,
            done: (total as i64 - remaining).max(0),
            failed,
            last_error,
            started_at,
            finished_at,
        })
        .collect())
}

/// At start-up: bring every tenant up to the template in this binary, resuming an
/// interrupted roll-out. Runs in the background; several instances share it.
pub fn spawn_catch_up(pool: PgPool) {
    tokio::spawn(async move {
        let version = storage::latest_version();
        let behind: Result<i64, sqlx::Error> =
            sqlx::query_scalar("select count(*) from template_schemas where tenant_id is not null and version < $1")
                .bind(version)
                .fetch_one(&pool)
                .await;
        let running: Result<Option<Uuid>, sqlx::Error> =
            sqlx::query_scalar("select id from template_rollouts where version = $1 and status = 'running'")
                .bind(version)
                .fetch_optional(&pool)
                .await;
        if !matches!(behind, Ok(n) if n > 0) && !matches!(running, Ok(Some(_))) {
            return;
        }
        let outcome = async {
            let id = start(&pool, version).await?;
            run(&pool, id, version, None, 4).await
        }
        .await;
        match outcome {
            Ok(r) => tracing::info!(version, done = r.done, failed = r.failed, "tenant template rolled out"),
            Err(e) => tracing::warn!(version, error = %e, "tenant template roll-out stopped"),
        }
    });
}
