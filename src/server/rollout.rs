//! Rolling a newer tenant template version out to every existing schema tenant
//! (PRODUCT.md I2). Each tenant is upgraded in its own transaction, claimed with
//! `FOR UPDATE SKIP LOCKED` on its `template_schemas` row, so several workers and several
//! instances share the work, a crash loses at most one tenant's uncommitted upgrade, and a
//! restart simply carries on (progress is what the rows say, not a counter).

use crate::db;
use crate::error::AppError;
use crate::model::Rollout;
use crate::server::state::AppState;
use crate::server::storage;
use crate::server::workers::{Round, Worker};
use sqlx::PgPool;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// Starts (or joins) the roll-out of `version` and returns its id.
pub async fn start(pool: &PgPool, version: i32) -> Result<Uuid, AppError> {
    let mut tx = pool.begin().await?;
    let id = db::rollouts::start(&mut tx, version).await?;
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
        tasks.push(tokio::spawn(async move { upgrade_tenants(&pool, id, version, sql, &skip).await }));
    }
    for t in tasks {
        t.await.map_err(|e| AppError::internal("rollout worker", e))??;
    }
    let failed = skip.lock().map(|s| s.len()).unwrap_or(0) as i32;
    db::rollouts::finish(pool, id, failed).await?;
    db::rollouts::get(pool, id).await
}

async fn upgrade_tenants(
    pool: &PgPool,
    id: Uuid,
    version: i32,
    sql: Option<&'static str>,
    skip: &Mutex<HashSet<Uuid>>,
) -> Result<(), AppError> {
    loop {
        let skipped: Vec<Uuid> = skip.lock().map(|s| s.iter().copied().collect()).unwrap_or_default();
        let mut tx = pool.begin().await?;
        let Some(tenant) = db::rollouts::claim_tenant(&mut *tx, version, &skipped).await? else { return Ok(()) };
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
                db::rollouts::record_error(pool, id, &format!("tenant {tenant}: {e}")).await?;
            }
        }
    }
}

/// The roll-out worker: brings every schema tenant up to the template in this binary,
/// starting a roll-out when tenants are behind and resuming an interrupted one (instances
/// share the tenants: each is claimed with SKIP LOCKED).
pub fn worker() -> Worker {
    Worker::new(
        "template-rollout",
        "Rolls the newest tenant template out to every schema tenant",
        Duration::from_secs(10),
        |state: AppState| async move {
            let version = storage::latest_version();
            let behind = db::rollouts::behind(&state.pool, version).await?;
            let running = db::rollouts::running(&state.pool, version).await?;
            if behind == 0 && running.is_none() {
                return Ok(Round::default());
            }
            let id = start(&state.pool, version).await?;
            let r = run(&state.pool, id, version, None, 4).await?;
            tracing::info!(version, done = r.done, failed = r.failed, "tenant template rolled out");
            Ok(Round::default())
        },
    )
}
