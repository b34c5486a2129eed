//! Every background worker of the portal, registered in one place (PRODUCT.md H1, O3).
//! `main` starts them on every instance through `workers::start`; the status page and
//! `/readyz` read their heartbeats. Queue workers claim rows (SKIP LOCKED); periodic jobs
//! take an advisory lock for their round, so several instances never do work twice.

use crate::db;
use crate::server::state::AppState;
use crate::server::workers::{Round, Worker};
use crate::server::{export, metering, rollout, workflow};
use std::time::Duration;
use tower_sessions::session_store::ExpiredDeletion;

/// All of them, in the order the status page lists them.
pub fn workers(state: &AppState) -> Vec<Worker> {
    let mut all = workflow::workers(state);
    all.push(crate::server::access::key_cache::worker());
    all.push(rollout::worker());
    all.extend(metering::workers(state));
    all.push(Worker::new(
        "limit-alerts",
        "Opens an alert when a resource crosses its soft or hard limit, resolves it when use drops back, emails owners",
        Duration::from_secs(30),
        |state: AppState| async move {
            crate::server::services::alerts::evaluate(&state).await?;
            Ok(Round::default())
        },
    ));
    all.push(Worker::new(
        "scaling-policies",
        "Evaluates every enabled auto-scaling policy and scales, notifies or logs what it would do",
        Duration::from_secs(30),
        |state: AppState| async move {
            crate::server::services::policies::evaluate(&state).await?;
            Ok(Round::default())
        },
    ));
    all.push(crate::server::webhooks::worker());
    all.push(crate::server::services::domains::worker());
    all.push(crate::server::services::notifications::worker());
    all.push(crate::server::webhooks::retention_worker());
    all.push(crate::server::prober::worker(state));
    all.push(crate::server::prober::alerts_worker());
    all.push(crate::server::prober::maintenance_worker());
    all.push(crate::server::prober::stats_worker());
    all.push(Worker::new(
        "session-cleanup",
        "Deletes expired sessions",
        Duration::from_secs(600),
        |state: AppState| async move {
            // Deleting twice is harmless: every instance may run it.
            crate::server::session_store::PgSessionStore::new(state.pool.clone())
                .delete_expired()
                .await
                .map_err(|e| crate::error::AppError::internal("session cleanup", e))?;
            Ok(Round::default())
        },
    ));
    all.push(Worker::new(
        "export-purge",
        "Deletes the bytes of expired tenant exports (the record stays)",
        Duration::from_secs(600),
        |state: AppState| async move {
            export::purge_expired(&state.pool).await?;
            Ok(Round::default())
        },
    ));
    all.push(Worker::new(
        "heartbeat-prune",
        "Forgets instances that stopped a day ago",
        Duration::from_secs(3600),
        |state: AppState| async move {
            db::workers::prune(&state.pool).await?;
            Ok(Round::default())
        },
    ));
    all
}
