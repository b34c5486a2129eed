//! Every background job of the portal (PRODUCT.md H1, O3), registered in one place.
//!
//! A worker is a named loop: it does a round of work, writes a heartbeat, then waits for
//! its interval (or to be woken, or to be told to stop). The supervisor here starts each
//! registered worker on every instance, restarts one that panics (with back-off), stops
//! all of them gracefully on shutdown, and keeps `worker_heartbeats` current so `/readyz`
//! and the status page can tell when one has stopped beating.
//!
//! Several instances run the same workers on one database without doing work twice:
//! queue workers claim rows with `FOR UPDATE SKIP LOCKED`, and periodic jobs take a
//! transaction-scoped advisory lock for their round ([`exclusive`]).

use crate::error::AppError;
use crate::server::state::AppState;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use sqlx::PgPool;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use uuid::Uuid;

/// What a worker's round reports: how far behind its work is (the oldest due item's
/// age), when it knows; and how soon it wants its next round (sooner than its interval).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Round {
    pub lag: Option<Duration>,
    pub next: Option<Duration>,
}

/// One round of a worker's work.
pub type RoundFn = Arc<dyn Fn(AppState) -> BoxFuture<'static, Result<Round, AppError>> + Send + Sync>;

/// A registered background worker.
#[derive(Clone)]
pub struct Worker {
    pub name: &'static str,
    /// What it does, for the status page.
    pub about: &'static str,
    /// How long it waits between rounds (it may be woken earlier).
    pub every: Duration,
    pub round: RoundFn,
    /// Wakes the worker before its interval is up (new work was queued).
    pub wake: Option<Arc<Notify>>,
}

impl Worker {
    pub fn new<F, Fut>(name: &'static str, about: &'static str, every: Duration, f: F) -> Self
    where
        F: Fn(AppState) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Round, AppError>> + Send + 'static,
    {
        Self { name, about, every, round: Arc::new(move |s| f(s).boxed()), wake: None }
    }

    pub fn woken_by(mut self, wake: Arc<Notify>) -> Self {
        self.wake = Some(wake);
        self
    }

    /// A heartbeat older than this means the worker has stopped.
    pub fn stale_after(&self) -> Duration {
        (self.every * 3).max(Duration::from_secs(30))
    }
}

/// The LISTEN connection a listener worker keeps open across its rounds.
pub type Listening = Arc<tokio::sync::Mutex<Option<sqlx::postgres::PgListener>>>;

/// One round of a listener worker: connects to `channel` when not connected (then calls
/// `connected`: anything sent while nobody listened is lost), calls `message` with each
/// notification's payload, and ends after `poll` (so the worker beats). A lost
/// connection fails the round; the next one connects again.
pub async fn listen(
    state: &AppState,
    slot: &Listening,
    channel: &str,
    poll: Duration,
    connected: impl Fn(),
    message: impl Fn(&str),
) -> Result<Round, AppError> {
    let mut guard = slot.lock().await;
    if guard.is_none() {
        let mut l = sqlx::postgres::PgListener::connect_with(&state.pool).await?;
        l.listen(channel).await?;
        *guard = Some(l);
        connected();
    }
    let Some(l) = guard.as_mut() else { return Ok(Round::default()) };
    let until = tokio::time::Instant::now() + poll;
    // The deadline is checked on every turn: a steady stream of notifications (always
    // ready) would otherwise keep the round from ending, and the worker from stopping.
    while tokio::time::Instant::now() < until {
        match tokio::time::timeout_at(until, l.try_recv()).await {
            Ok(Ok(Some(n))) => message(n.payload()),
            Ok(Ok(None)) => {
                *guard = None;
                return Err(AppError::internal("listen", format!("the connection listening on {channel} was lost")));
            }
            Ok(Err(e)) => {
                *guard = None;
                return Err(e.into());
            }
            Err(_) => break,
        }
    }
    Ok(Round { next: Some(Duration::ZERO), ..Round::default() })
}

/// This instance: one id per process, so the status page can tell instances apart.
#[derive(Debug, Clone)]
pub struct Instance {
    pub id: Uuid,
    pub host: String,
}

impl Instance {
    pub fn new() -> Self {
        let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "localhost".into());
        Self { id: Uuid::new_v4(), host: format!("{host}:{}", std::process::id()) }
    }
}

impl Default for Instance {
    fn default() -> Self {
        Self::new()
    }
}

/// Tells workers to stop; `stopped()` resolves when they have.
pub struct Running {
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Asks every worker to stop after its current round and waits (at most `grace`).
    pub async fn shutdown(self, grace: Duration) {
        let _ = self.stop.send(true);
        let all = futures_util::future::join_all(self.tasks);
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!("some background workers did not stop within {grace:?}");
        }
    }
}

/// Starts every worker of `workers` on this instance.
pub fn start(state: AppState, workers: Vec<Worker>) -> Running {
    let (stop, stopped) = watch::channel(false);
    let tasks = workers.into_iter().map(|w| tokio::spawn(supervise(state.clone(), w, stopped.clone()))).collect();
    Running { stop, tasks }
}

/// Runs one worker until shutdown: rounds, heartbeats, and a restart with back-off when
/// a round panics (the panic is logged; the worker carries on).
async fn supervise(state: AppState, w: Worker, mut stop: watch::Receiver<bool>) {
    let mut failures: u32 = 0;
    let instance = state.instance.clone();
    beat(&state.pool, &instance, &w, "starting", None, None).await;
    let never = Arc::new(Notify::new());
    let mut last_beat = std::time::Instant::now() - Duration::from_secs(60);
    let mut last_status = "starting";
    loop {
        if *stop.borrow() {
            break;
        }
        // Interest in a wake-up is registered before the round, so one that arrives
        // during it is not lost.
        let wake = w.wake.clone().unwrap_or_else(|| never.clone());
        let woken = wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let round = AssertUnwindSafe((w.round)(state.clone())).catch_unwind().await;
        let pause = match round {
            Ok(Ok(r)) => {
                failures = 0;
                // A busy worker (woken again and again) beats at most every two seconds.
                if last_beat.elapsed() >= Duration::from_secs(2) || last_status != "running" {
                    beat(&state.pool, &instance, &w, "running", r.lag, None).await;
                    last_beat = std::time::Instant::now();
                    last_status = "running";
                }
                crate::server::metrics::worker_round(w.name, r.lag, true);
                r.next.map_or(w.every, |n| n.min(w.every))
            }
            Ok(Err(e)) => {
                // A failed round (the database away, say) is retried at the next interval;
                // the heartbeat says what happened.
                failures = failures.saturating_add(1);
                tracing::warn!(worker = w.name, error = %e, "background worker round failed");
                beat(&state.pool, &instance, &w, "failing", None, Some(&e.to_string())).await;
                last_status = "failing";
                crate::server::metrics::worker_round(w.name, None, false);
                backoff(w.every, failures)
            }
            Err(panic) => {
                failures = failures.saturating_add(1);
                let what = panic_message(&panic);
                tracing::error!(worker = w.name, panic = %what, "background worker panicked; restarting it");
                beat(&state.pool, &instance, &w, "restarting", None, Some(&what)).await;
                last_status = "restarting";
                crate::server::metrics::worker_round(w.name, None, false);
                backoff(Duration::from_secs(1), failures)
            }
        };
        if pause.is_zero() {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = &mut woken => {}
            _ = stop.changed() => {}
        }
    }
    beat(&state.pool, &instance, &w, "stopped", None, None).await;
    tracing::info!(worker = w.name, "background worker stopped");
}

/// Exponential back-off from `base`, capped at a minute.
fn backoff(base: Duration, failures: u32) -> Duration {
    let factor = 1u32 << failures.min(6);
    (base * factor).min(Duration::from_secs(60)).max(base)
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

/// Writes the worker's heartbeat; a failure (the database away) is only logged: the
/// heartbeat not moving is exactly what readiness reports.
async fn beat(
    pool: &PgPool,
    instance: &Instance,
    w: &Worker,
    status: &str,
    lag: Option<Duration>,
    error: Option<&str>,
) {
    let lag_ms = lag.map(|l| l.as_millis().min(i64::MAX as u128) as i64);
    let stale_ms = w.stale_after().as_millis() as i64;
    if let Err(e) =
        crate::db::workers::beat(pool, instance.id, &instance.host, w.name, status, lag_ms, stale_ms, error).await
    {
        tracing::debug!(worker = w.name, error = %e, "could not write the heartbeat");
    }
}

/// Runs `f` in a transaction holding the transaction-scoped advisory lock `name`, if no
/// other instance holds it; `Ok(None)` when one does (it is doing this round).
pub async fn exclusive<T, F>(pool: &PgPool, name: &str, f: F) -> Result<Option<T>, AppError>
where
    F: for<'c> FnOnce(&'c mut sqlx::PgConnection) -> BoxFuture<'c, Result<T, AppError>>,
{
    let mut tx = pool.begin().await?;
    if !crate::db::workers::try_lock(&mut *tx, name).await? {
        return Ok(None);
    }
    let out = f(&mut tx).await?;
    tx.commit().await?;
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let s = Duration::from_secs(1);
        assert_eq!(backoff(s, 1), Duration::from_secs(2));
        assert_eq!(backoff(s, 3), Duration::from_secs(8));
        assert_eq!(backoff(s, 30), Duration::from_secs(60));
        assert_eq!(backoff(Duration::from_secs(120), 1), Duration::from_secs(120));
    }
}
