//! Server functions about the portal itself: readiness, background workers and the API
//! description.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    fns::respond, model::Permission, server::access::Caller, server::services::system, server::state::AppState,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalHealth {
    pub ready: bool,
    pub database: String,
    pub migrations_applied: i64,
    pub migrations_expected: i64,
    pub version: String,
    /// Every instance's background workers.
    pub workers: Vec<WorkerInfo>,
    /// Health checks due and not yet probed, and how late the oldest is (seconds).
    pub probes_due: i64,
    pub probes_oldest_secs: Option<f64>,
}

/// One background worker on one instance, as the status page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerInfo {
    pub host: String,
    pub worker: String,
    pub status: String,
    pub lag_ms: Option<i64>,
    pub last_error: Option<String>,
    pub beat_at: chrono::DateTime<chrono::Utc>,
    /// Seconds since the last beat, as the server saw it when answering.
    pub age_secs: i64,
    pub stale: bool,
    pub this_instance: bool,
}

#[server]
pub async fn system_status() -> Result<PortalHealth, AppError> {
    respond(
        async {
            let caller = Caller::current();
            caller.require(Permission::TenantRead)?;
            let state = AppState::from_context()?;
            let r = system::readiness(&state).await;
            let workers = system::workers(&state, &caller).await.unwrap_or_default();
            let (probes_due, probes_oldest_secs) =
                crate::db::monitoring::backlog(&state.pool).await.unwrap_or((0, None));
            Ok(PortalHealth {
                probes_due,
                probes_oldest_secs,
                ready: r.status == "ready",
                database: r.database,
                migrations_applied: r.migrations_applied,
                migrations_expected: r.migrations_expected,
                version: env!("CARGO_PKG_VERSION").into(),
                workers: workers
                    .into_iter()
                    .map(|w| WorkerInfo {
                        host: w.host,
                        worker: w.worker,
                        status: w.status,
                        lag_ms: w.lag_ms,
                        last_error: w.last_error,
                        age_secs: (chrono::Utc::now() - w.beat_at).num_seconds().max(0),
                        beat_at: w.beat_at,
                        stale: w.stale,
                        this_instance: w.this_instance,
                    })
                    .collect(),
            })
        }
        .await,
    )
}

/// One operation of the REST API, as the API page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiOperation {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub tag: String,
    pub params: Vec<String>,
    pub responses: Vec<String>,
}

/// The operations of the OpenAPI document, flattened for display.
#[server]
pub async fn api_operations() -> Result<Vec<ApiOperation>, AppError> {
    respond(
        async {
            let doc = system::api_document(&AppState::from_context()?, &Caller::current())?;
            let mut ops = Vec::new();
            if let Some(paths) = doc["paths"].as_object() {
                for (path, item) in paths {
                    for method in ["get", "post", "put", "delete"] {
                        let Some(op) = item.get(method) else { continue };
                        let text = |k: &str| op.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
                        let summary = [text("summary"), text("description")]
                            .into_iter()
                            .find(|s| !s.is_empty())
                            .unwrap_or_default();
                        ops.push(ApiOperation {
                            method: method.to_uppercase(),
                            path: path.clone(),
                            summary,
                            tag: op["tags"][0].as_str().unwrap_or("other").to_string(),
                            params: op["parameters"]
                                .as_array()
                                .map(|ps| {
                                    ps.iter()
                                        .map(|p| {
                                            format!(
                                                "{} ({})",
                                                p["name"].as_str().unwrap_or(""),
                                                p["in"].as_str().unwrap_or("")
                                            )
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                            responses: op["responses"]
                                .as_object()
                                .map(|r| r.keys().cloned().collect())
                                .unwrap_or_default(),
                        });
                    }
                }
            }
            Ok(ops)
        }
        .await,
    )
}
