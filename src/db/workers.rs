//! Background workers' heartbeats (`worker_heartbeats`) and the advisory locks periodic
//! jobs take for their rounds.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// Records that `worker` on `instance` is alive (or what it is doing).
#[allow(clippy::too_many_arguments)]
pub async fn beat(
    db: impl PgExecutor<'_>,
    instance: Uuid,
    host: &str,
    worker: &str,
    status: &str,
    lag_ms: Option<i64>,
    stale_after_ms: i64,
    error: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query!(
        "insert into worker_heartbeats (instance_id, host, worker, status, lag_ms, stale_after_ms, last_error, beat_at)
         values ($1, $2, $3, $4, $5, $6, $7, now())
         on conflict (instance_id, worker) do update
            set status = excluded.status, lag_ms = coalesce(excluded.lag_ms, worker_heartbeats.lag_ms),
                stale_after_ms = excluded.stale_after_ms,
                last_error = coalesce(excluded.last_error, case when excluded.status = 'running' then null
                                                              else worker_heartbeats.last_error end),
                beat_at = now()",
        instance,
        host,
        worker,
        status,
        lag_ms,
        stale_after_ms,
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// One worker on one instance, as the status page shows it.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    pub instance_id: Uuid,
    pub host: String,
    pub worker: String,
    pub status: String,
    pub lag_ms: Option<i64>,
    pub last_error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub beat_at: DateTime<Utc>,
    pub stale: bool,
}

/// Every instance's workers that beat in the last day, newest instance first.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<Heartbeat>, AppError> {
    Ok(sqlx::query_as!(
        Heartbeat,
        r#"select instance_id, host, worker, status, lag_ms, last_error, started_at, beat_at,
                  (status <> 'stopped' and beat_at < now() - stale_after_ms * interval '1 millisecond') as "stale!"
             from worker_heartbeats
            where beat_at > now() - interval '1 day'
            order by started_at desc, host, worker"#
    )
    .fetch_all(db)
    .await?)
}

/// Forgets instances that have not beaten for a day.
pub async fn prune(db: impl PgExecutor<'_>) -> Result<u64, AppError> {
    Ok(sqlx::query!("delete from worker_heartbeats where beat_at < now() - interval '1 day'")
        .execute(db)
        .await?
        .rows_affected())
}

/// How many instances are alive (a worker beat recently), for sharing per-instance limits.
pub async fn live_instances(db: impl PgExecutor<'_>) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select count(distinct instance_id) as "n!" from worker_heartbeats
            where status <> 'stopped' and beat_at > now() - stale_after_ms * interval '1 millisecond'"#
    )
    .fetch_one(db)
    .await?)
}

/// Takes the transaction-scoped advisory lock `name` if nobody holds it.
pub async fn try_lock(db: impl PgExecutor<'_>, name: &str) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select pg_try_advisory_xact_lock(hashtextextended('worker:' || $1, 0)) as "locked!""#,
        name
    )
    .fetch_one(db)
    .await?)
}
