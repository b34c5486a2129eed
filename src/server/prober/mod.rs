//! The health prober (PRODUCT.md H2, H4): a registered worker on every instance that
//! claims due checks (SKIP LOCKED, with a lease: a killed instance's checks are due again
//! when the lease lapses and another instance takes them), probes each in its own task
//! (at most `[health] concurrency` at once, so a slow service never holds up the rest),
//! confirms a worsening with an immediate re-check, and writes results, rollups, state
//! changes, incidents and alert events in one transaction per round.
//!
//! `apply` is shared with "check now" (services::monitoring), so both move the state
//! machine the same way.

pub mod apply;
pub mod demo;
pub mod probe;

use crate::db;
use crate::db::monitoring::Claimed;
use crate::error::AppError;
use crate::model::monitoring::ProbeResult;
use crate::server::state::AppState;
use crate::server::workers::{Round, Worker};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Mutex, Semaphore};

/// How often the prober looks for due checks and writes finished probes.
pub const ROUND: Duration = Duration::from_millis(250);
/// Checks claimed per round at most.
const BATCH: i64 = 200;

/// A probe that finished: its check and its result(s) (two when a re-check confirmed).
struct Done {
    claimed: Claimed,
    results: Vec<ProbeResult>,
    started: DateTime<Utc>,
}

/// The prober's in-flight probes on this instance.
struct Prober {
    slots: Arc<Semaphore>,
    tx: mpsc::UnboundedSender<Done>,
    rx: Mutex<mpsc::UnboundedReceiver<Done>>,
}

/// A claim lasts twice the check's timeout (a probe and its re-check) and this margin.
const LEASE_MARGIN_MS: i64 = 5_000;

pub fn worker(state: &AppState) -> Worker {
    let (tx, rx) = mpsc::unbounded_channel();
    let prober = Arc::new(Prober {
        slots: Arc::new(Semaphore::new(state.config.health.concurrency.max(1))),
        tx,
        rx: Mutex::new(rx),
    });
    Worker::new(
        "health-prober",
        "Probes the tenants' services when due (each check once per interval across instances), confirms failures and opens or closes incidents",
        ROUND,
        move |state: AppState| {
            let prober = prober.clone();
            async move { round(&state, &prober).await }
        },
    )
}

async fn round(state: &AppState, p: &Prober) -> Result<Round, AppError> {
    // Finished probes first: their checks' next due times are written before claiming.
    let mut done = Vec::new();
    {
        let mut rx = p.rx.lock().await;
        while let Ok(d) = rx.try_recv() {
            done.push(d);
        }
    }
    if !done.is_empty() {
        write(state, &done).await?;
    }
    let free = p.slots.available_permits() as i64;
    if free > 0 {
        let claimed = db::monitoring::claim(&state.pool, free.min(BATCH), LEASE_MARGIN_MS).await?;
        for c in claimed {
            let Ok(permit) = p.slots.clone().acquire_owned().await else { break };
            let tx = p.tx.clone();
            let st = state.clone();
            tokio::spawn(async move {
                let started = Utc::now();
                let lag = (started - c.due_at).to_std().unwrap_or_default();
                let results =
                    apply::probe_confirmed(&st, &c.tracker.into(), &c.target(), c.down_after, c.up_after).await;
                crate::server::metrics::probe(lag, outcome_label(&results));
                let _ = tx.send(Done { claimed: c, results, started });
                drop(permit);
            });
        }
    }
    let (_, oldest) = db::monitoring::backlog(&state.pool).await?;
    Ok(Round { lag: oldest.map(|s| Duration::from_secs_f64(s.max(0.0))), next: None })
}

/// Claims every due check and probes them here, waiting for all, then writes: one round
/// of the prober without its background tasks (tests, and tools that want it done now).
/// Answers how many checks were probed.
pub async fn probe_due(state: &AppState) -> Result<usize, AppError> {
    let claimed = db::monitoring::claim(&state.pool, BATCH, LEASE_MARGIN_MS).await?;
    let done: Vec<Done> = futures_util::future::join_all(claimed.into_iter().map(|c| async move {
        let started = Utc::now();
        let results = apply::probe_confirmed(state, &c.tracker.into(), &c.target(), c.down_after, c.up_after).await;
        Done { claimed: c, results, started }
    }))
    .await;
    write(state, &done).await?;
    Ok(done.len())
}

fn outcome_label(results: &[ProbeResult]) -> &'static str {
    match results.last().map(|r| r.outcome) {
        Some(crate::model::monitoring::Outcome::Up) => "up",
        Some(crate::model::monitoring::Outcome::Degraded) => "degraded",
        _ => "down",
    }
}

/// Writes finished probes in one transaction (events and incidents with them).
async fn write(state: &AppState, done: &[Done]) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    for d in done {
        let c = &d.claimed;
        let lag_ms = (d.started - c.due_at).num_milliseconds().clamp(0, i64::from(i32::MAX)) as i32;
        apply::apply(&mut tx, c.tenant_id, c.id, &d.results, Some((c.due_at, lag_ms))).await?;
    }
    tx.commit().await?;
    Ok(())
}

impl Claimed {
    pub fn target(&self) -> probe::Target<'_> {
        probe::Target {
            url: &self.url,
            method: &self.method,
            expected_status: &self.expected_status,
            timeout_ms: self.timeout_ms,
            body_contains: self.body_contains.as_deref(),
            slow_ms: self.slow_ms,
            cert_expiry_days: self.cert_expiry_days,
        }
    }
}

/// Emails the owners about announced incidents (opened, and recovered), claimed with
/// SKIP LOCKED so two instances never both send; a failed send is retried next round.
pub fn alerts_worker() -> Worker {
    Worker::new(
        "health-alerts",
        "Emails tenant owners when a service goes down or degraded, and when an announced incident recovers",
        Duration::from_secs(5),
        |state: AppState| async move {
            apply::mail(&state).await?;
            Ok(Round::default())
        },
    )
}

/// Sums each check's last complete hours for the platform overview
/// (`db::monitoring::refresh_day_stats`): once an hour, 90 s after it starts so probes
/// that started in the hour before are written; a no-op otherwise. One instance at a time.
pub fn stats_worker() -> Worker {
    Worker::new(
        "health-stats",
        "Sums every check's last 23 complete hours once an hour, so the platform Health page adds only the current hour",
        Duration::from_secs(30),
        |state: AppState| async move {
            let hour = (chrono::Utc::now() - chrono::Duration::seconds(90)).timestamp().div_euclid(3600) * 3600;
            let through = chrono::DateTime::from_timestamp(hour, 0).unwrap_or_default();
            crate::server::workers::exclusive(&state.pool, "health-stats", move |conn| {
                Box::pin(async move { db::monitoring::refresh_day_stats(&mut *conn, through).await.map(|_| ()) })
            })
            .await?;
            Ok(Round::default())
        },
    )
}

/// Keeps the daily result partitions ahead of time and drops those past retention.
pub fn maintenance_worker() -> Worker {
    Worker::new(
        "health-maintenance",
        "Creates the daily partitions of probe results ahead of time and drops results and rollups past retention",
        Duration::from_secs(3600),
        |state: AppState| async move {
            let keep = state.config.health.retention_days.clamp(1, 3650) as i32;
            let rollups = state.config.health.rollup_retention_days.clamp(31, 3650) as i32;
            crate::server::workers::exclusive(&state.pool, "health-maintenance", move |conn| {
                Box::pin(async move { db::monitoring::maintain(conn, keep, rollups).await })
            })
            .await?;
            Ok(Round::default())
        },
    )
}
