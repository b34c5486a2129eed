//! The portal's own health (PRODUCT.md H1): the database, the migrations and every
//! background worker of every instance, as `/readyz` and the status page report them;
//! and the REST API's description for the API page.

use crate::db;
use crate::error::AppError;
use crate::model::Permission;
use crate::server::access::Caller;
use crate::server::state::AppState;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One background worker on one instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WorkerHealth {
    pub instance_id: Uuid,
    /// host:pid of the instance.
    pub host: String,
    pub worker: String,
    /// starting, running, failing, restarting or stopped.
    pub status: String,
    /// How late its oldest due work item is, in milliseconds (when it has a queue).
    pub lag_ms: Option<i64>,
    pub last_error: Option<String>,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub beat_at: chrono::DateTime<chrono::Utc>,
    /// Its heartbeat is older than its interval allows: it has stopped working.
    pub stale: bool,
    /// Whether it runs in the instance answering this request.
    pub this_instance: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: String,
    pub database: String,
    pub migrations_applied: i64,
    pub migrations_expected: i64,
    /// This instance's workers that stopped beating (readiness fails while there are any).
    pub stale_workers: Vec<String>,
}

/// Whether the database answers, every migration this build knows is applied, and this
/// instance's background workers are beating.
pub async fn readiness(state: &AppState) -> Readiness {
    let expected = crate::server::MIGRATOR.iter().filter(|m| m.migration_type.is_up_migration()).count() as i64;
    let applied = db::health::migrations_applied(&state.pool).await;
    let workers = db::workers::list(&state.pool).await;
    match (applied, workers) {
        (Ok(applied), Ok(workers)) => {
            let stale_workers: Vec<String> = workers
                .iter()
                .filter(|w| w.instance_id == state.instance.id && w.stale)
                .map(|w| w.worker.clone())
                .collect();
            Readiness {
                status: if applied >= expected && stale_workers.is_empty() { "ready" } else { "not_ready" }.into(),
                database: "ok".into(),
                migrations_applied: applied,
                migrations_expected: expected,
                stale_workers,
            }
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            Readiness {
                status: "not_ready".into(),
                database: "unreachable".into(),
                migrations_applied: 0,
                migrations_expected: expected,
                stale_workers: Vec::new(),
            }
        }
    }
}

/// Every instance's workers (those that beat in the last day).
pub async fn workers(state: &AppState, caller: &Caller) -> Result<Vec<WorkerHealth>, AppError> {
    caller.require(Permission::TenantRead)?;
    Ok(db::workers::list(&state.pool)
        .await?
        .into_iter()
        .map(|w| WorkerHealth {
            this_instance: w.instance_id == state.instance.id,
            instance_id: w.instance_id,
            host: w.host,
            worker: w.worker,
            status: w.status,
            lag_ms: w.lag_ms,
            last_error: w.last_error,
            started_at: w.started_at,
            beat_at: w.beat_at,
            stale: w.stale,
        })
        .collect())
}

/// The REST API's OpenAPI document, as the REST layer built it.
pub fn api_document(state: &AppState, caller: &Caller) -> Result<serde_json::Value, AppError> {
    caller.require(Permission::TenantRead)?;
    state
        .hooks
        .api_document
        .get()
        .cloned()
        .ok_or_else(|| AppError::internal("openapi", "the document is not installed"))
}
