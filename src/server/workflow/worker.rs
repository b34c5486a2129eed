//! The workflow engine's background workers: `[workflows].workers` of them share the
//! queue with every other instance (rows are claimed with SKIP LOCKED), and a listener
//! wakes them at once when a run is queued (LISTEN/NOTIFY); otherwise they look for due
//! retries every `poll_secs`.

use super::engine::tick;
use crate::db::workflows as runs;
use crate::error::AppError;
use crate::server::state::AppState;
use crate::server::workers::{self, Listening, Round, Worker};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The engine's workers, for the registry (`server::workers`).
pub fn workers(state: &AppState) -> Vec<Worker> {
    let n = state.config.workflows.workers;
    if n == 0 {
        return Vec::new();
    }
    let poll = Duration::from_secs(state.config.workflows.poll_secs.max(1));
    let wake = Arc::new(Notify::new());
    let mut out = Vec::with_capacity(n + 1);
    let listener = Listening::default();
    {
        let wake = wake.clone();
        out.push(Worker::new("workflow-listener", "Wakes the workflow workers when a run is queued", poll, move |s| {
            listen(s, listener.clone(), wake.clone(), poll)
        }));
    }
    const NAMES: [&str; 8] = [
        "workflow-1",
        "workflow-2",
        "workflow-3",
        "workflow-4",
        "workflow-5",
        "workflow-6",
        "workflow-7",
        "workflow-8",
    ];
    for name in NAMES.into_iter().take(n.min(NAMES.len())) {
        out.push(
            Worker::new(
                name,
                "Runs the steps of due workflow runs (provisioning, suspension, termination)",
                poll,
                work,
            )
            .woken_by(wake.clone()),
        );
    }
    out
}

/// Runs every due run it can claim, then reports how late the oldest due one is and
/// when the next retry falls due (it wakes for that even without a notification).
async fn work(state: AppState) -> Result<Round, AppError> {
    while tick(&state, None).await?.is_some() {}
    let (lag, next) = runs::due(&state.pool).await?;
    // Something due that this worker could not claim is another worker's by now.
    Ok(Round { lag, next: next.map(|n| n.max(Duration::from_millis(5))) })
}

/// Wakes a worker for every notification, and all of them on (re)connecting (runs queued
/// while nobody listened).
async fn listen(state: AppState, listener: Listening, wake: Arc<Notify>, poll: Duration) -> Result<Round, AppError> {
    // One queued run needs one worker: waking them all would have the others race for it
    // and find nothing (each a wasted claim on the database).
    workers::listen(&state, &listener, runs::CHANNEL, poll, || wake.notify_waiters(), |_| wake.notify_one()).await
}
