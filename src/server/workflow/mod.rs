//! The durable workflow engine (PRODUCT.md P3, P4, P6): a small engine of our own on
//! PostgreSQL rather than a crate (see README, "Workflows", for why).
//!
//! - A run and its steps are rows (`workflow_runs`, `workflow_steps`), written in the
//!   transaction that asks for the run; `pg_notify` at commit wakes idle workers at once.
//! - A worker claims a due run with `FOR UPDATE SKIP LOCKED` and keeps that row lock while
//!   it runs ONE step inside a savepoint of the same transaction, then records the outcome
//!   and commits: the step's work and the fact that it ran commit together or not at all.
//!   A server killed mid-step loses nothing but the uncommitted attempt, and the run is due
//!   again at once for whichever instance looks next; two instances can never run the same
//!   step at the same time (the second one skips the locked row).
//! - A failed attempt is rolled back to the savepoint and retried with exponential back-off
//!   up to `max_attempts`; a step has a timeout (client-side, and `statement_timeout`
//!   inside the database). A permanent failure compensates the completed steps in reverse,
//!   each as its own durable step, then marks the run (and, for provisioning, the tenant)
//!   failed with the error kept.
//! - Steps are idempotent: each checks what exists before it acts, so running one twice
//!   gives the result of running it once. Email is the one effect outside the database;
//!   it is sent inside the step's transaction only when the invitation has not been sent.

mod steps;

use crate::error::AppError;
use crate::model::{RunStatus, WorkflowKind};
use crate::server::access::{Actor, ActorKind};
use crate::server::state::AppState;
use serde_json::{json, Value};
use sqlx::{Acquire, PgConnection};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use uuid::Uuid;

pub use steps::ProvisionInput;

/// How an attempt ended: with the step's own result, or stopped by the step timeout (the
/// transaction must then be abandoned, not committed).
enum Attempt {
    Finished(Result<Option<Value>, StepError>),
    TimedOut,
}

/// The NOTIFY channel that tells workers there is new work.
pub const CHANNEL: &str = "tenantry_workflows";

/// A step's error: worth another attempt, or not.
#[derive(Debug)]
pub enum StepError {
    Retry(String),
    Permanent(String),
}

impl From<AppError> for StepError {
    fn from(e: AppError) -> Self {
        match e.status() {
            // Bad input or a state that forbids the step won't change by retrying.
            400..=499 => StepError::Permanent(e.to_string()),
            _ => StepError::Retry(e.to_string()),
        }
    }
}

impl From<sqlx::Error> for StepError {
    /// The database's own words stay in the log: the step's error (which a tenant's
    /// members can read on the Workflows tab) carries only a reference to them.
    fn from(e: sqlx::Error) -> Self {
        StepError::Retry(AppError::internal("workflow step", e).to_string())
    }
}

impl StepError {
    fn message(&self) -> &str {
        match self {
            Self::Retry(m) | Self::Permanent(m) => m,
        }
    }
}

/// What a step sees: its transaction, the app and the run.
pub struct Cx<'a> {
    pub db: &'a mut PgConnection,
    pub state: &'a AppState,
    pub run: &'a Run,
}

/// The claimed run, as a step needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Run {
    pub id: Uuid,
    pub kind: String,
    pub tenant_id: Uuid,
    pub status: String,
    pub input: Value,
    pub cursor: i32,
    pub actor: Value,
}

impl Run {
    pub fn kind(&self) -> WorkflowKind {
        WorkflowKind::parse(&self.kind).unwrap_or(WorkflowKind::Provision)
    }

    /// The person or key that asked for the run, for the audit events its steps write.
    pub fn actor(&self) -> Actor {
        actor_from_json(&self.actor)
    }
}

pub fn actor_to_json(a: &Actor) -> Value {
    json!({ "kind": a.kind.as_str(), "id": a.id, "label": a.label, "ip": a.source_ip.map(|ip| ip.to_string()) })
}

fn actor_from_json(v: &Value) -> Actor {
    let kind = match v["kind"].as_str() {
        Some("user") => ActorKind::User,
        Some("api_key") => ActorKind::ApiKey,
        _ => ActorKind::System,
    };
    Actor {
        kind,
        id: v["id"].as_str().and_then(|s| Uuid::parse_str(s).ok()),
        label: v["label"].as_str().unwrap_or("System").to_string(),
        source_ip: v["ip"].as_str().and_then(|s| s.parse().ok()),
    }
}

/// Queues a run (and its steps) in the caller's transaction; workers are woken when it
/// commits. A tenant with an unfinished run gets 409.
pub async fn start(
    db: &mut PgConnection,
    actor: &Actor,
    kind: WorkflowKind,
    tenant: Uuid,
    input: Value,
) -> Result<Uuid, AppError> {
    let id: Uuid = sqlx::query_scalar(
        "insert into workflow_runs (kind, tenant_id, input, actor) values ($1, $2, $3, $4)
         on conflict (tenant_id) where status in ('pending', 'running', 'compensating') do nothing
         returning id",
    )
    .bind(kind.as_str())
    .bind(tenant)
    .bind(&input)
    .bind(actor_to_json(actor))
    .fetch_optional(&mut *db)
    .await?
    .ok_or_else(|| AppError::conflict("Another workflow is still running for this tenant; wait for it to finish."))?;
    let names: Vec<String> = kind.steps().iter().map(|s| s.to_string()).collect();
    sqlx::query(
        "insert into workflow_steps (run_id, position, name)
         select $1, p - 1, n from unnest($2::text[]) with ordinality as s(n, p)",
    )
    .bind(id)
    .bind(&names)
    .execute(&mut *db)
    .await?;
    sqlx::query("select pg_notify($1, $2)").bind(CHANNEL).bind(id.to_string()).execute(&mut *db).await?;
    Ok(id)
}

/// The outcome of one pass: which run was worked on and where it now stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    pub run: Uuid,
    pub status: RunStatus,
}

/// Claims one due run (or only `only`) and runs one step or compensation of it.
/// `Ok(None)`: nothing was due (or `only` is locked by another worker or not due).
pub async fn tick(state: &AppState, only: Option<Uuid>) -> Result<Option<Tick>, AppError> {
    let mut tx = state.pool.begin().await?;
    let run: Option<Run> = sqlx::query_as(
        "select id, kind, tenant_id, status, input, cursor, actor from workflow_runs
          where status in ('pending', 'running', 'compensating') and next_run_at <= now()
            and ($1::uuid is null or id = $1)
          order by next_run_at
          limit 1
          for update skip locked",
    )
    .bind(only)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(run) = run else { return Ok(None) };
    let status = if run.status == "compensating" {
        compensate_one(state, &mut tx, &run).await?
    } else {
        run_one(state, &mut tx, &run).await?
    };
    let status = match status {
        Some(s) => {
            tx.commit().await?;
            s
        }
        None => {
            drop(tx);
            record_timeout(state, &run).await?
        }
    };
    Ok(Some(Tick { run: run.id, status }))
}

fn timeout_for(state: &AppState, step: &str) -> Duration {
    let c = &state.config.workflows;
    Duration::from_secs(if step == "export_data" { c.export_timeout_secs } else { c.step_timeout_secs }.max(1))
}

fn backoff(state: &AppState, attempts: i32) -> Duration {
    let c = &state.config.workflows;
    let exp = c.backoff_ms.saturating_mul(1u64 << (attempts.clamp(1, 20) - 1) as u64);
    let capped = exp.min(c.max_backoff_secs.saturating_mul(1000));
    // Up to 20 % jitter, so retries of many runs spread out.
    Duration::from_millis(capped + fastrand::u64(0..=capped / 5))
}

/// Runs one step (or its compensation) in a savepoint with the step's timeout; the
/// savepoint is released on success and rolled back on error, so a failed attempt leaves
/// nothing behind.
async fn attempt(
    state: &AppState,
    tx: &mut PgConnection,
    run: &Run,
    step: &str,
    undo: bool,
) -> Result<Attempt, AppError> {
    let limit = timeout_for(state, step);
    let mut sp = tx.begin().await?;
    sqlx::query(&format!("set local statement_timeout = {}", limit.as_millis())).execute(&mut *sp).await?;
    let delay = state.config.workflows.step_delay_ms;
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let fail = &state.config.workflows.fail_step;
    let outcome = if !undo && !fail.is_empty() && fail == step {
        Err(StepError::Permanent(format!("The step {step} was made to fail ([workflows].fail_step).")))
    } else {
        let work = async {
            let mut cx = Cx { db: &mut sp, state, run };
            if undo {
                steps::compensate(&mut cx, step).await.map(|()| None)
            } else {
                steps::run(&mut cx, step).await
            }
        };
        match tokio::time::timeout(limit, work).await {
            Ok(r) => r,
            Err(_) => {
                // The step's future was dropped mid-flight: give up the whole transaction
                // rather than trust the connection's state; the attempt is recorded by
                // the caller through a fresh transaction.
                tracing::warn!(step, ?limit, "workflow step timed out");
                return Ok(Attempt::TimedOut);
            }
        }
    };
    match &outcome {
        Ok(_) => sp.commit().await?,
        Err(_) => sp.rollback().await?,
    }
    Ok(Attempt::Finished(outcome))
}

async fn step_row(tx: &mut PgConnection, run: Uuid, position: i32) -> Result<(String, String, i32), AppError> {
    Ok(sqlx::query_as("select name, status, attempts from workflow_steps where run_id = $1 and position = $2")
        .bind(run)
        .bind(position)
        .fetch_one(&mut *tx)
        .await?)
}

/// Runs the run's current step. `None`: the step timed out and the transaction must be
/// abandoned.
async fn run_one(state: &AppState, tx: &mut PgConnection, run: &Run) -> Result<Option<RunStatus>, AppError> {
    let names = run.kind().steps();
    let pos = run.cursor;
    let Some(&name) = names.get(pos as usize) else {
        finish(tx, run.id, RunStatus::Succeeded, None).await?;
        return Ok(Some(RunStatus::Succeeded));
    };
    // Nothing is written before the step: anything written here would only become visible
    // with the outcome anyway, and a second update of the run row in this transaction
    // would make PostgreSQL re-check its foreign key, waiting on whoever holds the tenant.
    let (_, _, attempts) = step_row(tx, run.id, pos).await?;
    let started = Instant::now();
    let outcome = attempt(state, tx, run, name, false).await?;
    let Attempt::Finished(outcome) = outcome else {
        return Ok(None);
    };
    let took = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
    let attempts = attempts + 1;
    let status = match outcome {
        Ok(output) => {
            sqlx::query(
                "update workflow_steps set status = 'succeeded', attempts = $3, finished_at = now(),
                        started_at = coalesce(started_at, now() - $4 * interval '1 millisecond'),
                        duration_ms = $4, error = null, output = $5
                  where run_id = $1 and position = $2",
            )
            .bind(run.id)
            .bind(pos)
            .bind(attempts)
            .bind(took)
            .bind(output)
            .execute(&mut *tx)
            .await?;
            if pos as usize + 1 == names.len() {
                finish(tx, run.id, RunStatus::Succeeded, None).await?;
                return Ok(Some(RunStatus::Succeeded));
            }
            sqlx::query(
                "update workflow_runs set status = 'running', started_at = coalesce(started_at, now()), cursor = $2,
                        next_run_at = now(), error = null, updated_at = now()
                  where id = $1",
            )
            .bind(run.id)
            .bind(pos + 1)
            .execute(&mut *tx)
            .await?;
            Ok(RunStatus::Running)
        }
        Err(e) => {
            let permanent = matches!(e, StepError::Permanent(_)) || attempts >= state.config.workflows.max_attempts;
            tracing::warn!(run = %run.id, step = name, attempts, permanent, error = e.message(), "workflow step failed");
            record_failure(state, tx, run, pos, attempts, took, e.message(), permanent).await
        }
    };
    status.map(Some)
}

/// Records a failed attempt: a retry after back-off, or (permanent) the start of
/// compensation.
#[allow(clippy::too_many_arguments)]
async fn record_failure(
    state: &AppState,
    tx: &mut PgConnection,
    run: &Run,
    pos: i32,
    attempts: i32,
    took: i32,
    message: &str,
    permanent: bool,
) -> Result<RunStatus, AppError> {
    let (name, _, _) = step_row(tx, run.id, pos).await?;
    sqlx::query(
        "update workflow_steps set status = $3, attempts = $4, duration_ms = $5, error = $6,
                started_at = coalesce(started_at, now()),
                finished_at = case when $3 = 'failed' then now() end
          where run_id = $1 and position = $2",
    )
    .bind(run.id)
    .bind(pos)
    .bind(if permanent { "failed" } else { "pending" })
    .bind(attempts)
    .bind(took)
    .bind(message)
    .execute(&mut *tx)
    .await?;
    if !permanent {
        let wait = backoff(state, attempts);
        sqlx::query(
            "update workflow_runs set status = 'running', started_at = coalesce(started_at, now()),
                    next_run_at = now() + $2 * interval '1 millisecond', error = $3, updated_at = now()
              where id = $1",
        )
        .bind(run.id)
        .bind(wait.as_millis() as f64)
        .bind(message)
        .execute(&mut *tx)
        .await?;
        return Ok(RunStatus::Running);
    }
    if run.kind() != WorkflowKind::Provision {
        // Only provisioning creates things to undo; the others stop at the failed step,
        // which a retry runs again.
        finish(tx, run.id, RunStatus::Failed, Some(message)).await?;
        sqlx::query("update workflow_runs set failed_step = $2 where id = $1")
            .bind(run.id)
            .bind(&name)
            .execute(&mut *tx)
            .await?;
        steps::on_failed(state, tx, run, message).await?;
        return Ok(RunStatus::Failed);
    }
    // Compensate the completed steps, newest first, starting below the failed one.
    sqlx::query(
        "update workflow_runs set status = 'compensating', cursor = $2, error = $3, failed_step = $4,
                next_run_at = now(), updated_at = now()
          where id = $1",
    )
    .bind(run.id)
    .bind(pos - 1)
    .bind(message)
    .bind(&name)
    .execute(&mut *tx)
    .await?;
    if pos == 0 {
        return settle_failed(state, tx, run).await;
    }
    Ok(RunStatus::Compensating)
}

/// Undoes the run's current completed step. `None`: it timed out (abandon the transaction).
async fn compensate_one(state: &AppState, tx: &mut PgConnection, run: &Run) -> Result<Option<RunStatus>, AppError> {
    let pos = run.cursor;
    if pos < 0 {
        return settle_failed(state, tx, run).await.map(Some);
    }
    let (name, status, attempts) = step_row(tx, run.id, pos).await?;
    if status == "succeeded" {
        let step: &'static str = run.kind().steps().iter().copied().find(|s| *s == name).unwrap_or("unknown");
        let outcome = attempt(state, tx, run, step, true).await?;
        let Attempt::Finished(outcome) = outcome else {
            return Ok(None);
        };
        if let Err(e) = outcome {
            let attempts = attempts + 1;
            if attempts >= state.config.workflows.max_attempts * 2 {
                // Compensation itself keeps failing: stop and keep the error for a person.
                let msg = format!("Undoing step {name} failed: {}", e.message());
                sqlx::query("update workflow_steps set attempts = $3, error = $4 where run_id = $1 and position = $2")
                    .bind(run.id)
                    .bind(pos)
                    .bind(attempts)
                    .bind(&msg)
                    .execute(&mut *tx)
                    .await?;
                finish(tx, run.id, RunStatus::Failed, Some(&msg)).await?;
                return Ok(Some(RunStatus::Failed));
            }
            sqlx::query("update workflow_steps set attempts = $3, error = $4 where run_id = $1 and position = $2")
                .bind(run.id)
                .bind(pos)
                .bind(attempts)
                .bind(e.message())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "update workflow_runs set next_run_at = now() + $2 * interval '1 millisecond', updated_at = now() where id = $1",
            )
            .bind(run.id)
            .bind(backoff(state, attempts).as_millis() as f64)
            .execute(&mut *tx)
            .await?;
            return Ok(Some(RunStatus::Compensating));
        }
        sqlx::query("update workflow_steps set status = 'compensated' where run_id = $1 and position = $2")
            .bind(run.id)
            .bind(pos)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("update workflow_runs set cursor = $2, next_run_at = now(), updated_at = now() where id = $1")
        .bind(run.id)
        .bind(pos - 1)
        .execute(&mut *tx)
        .await?;
    if pos == 0 {
        return settle_failed(state, tx, run).await.map(Some);
    }
    Ok(Some(RunStatus::Compensating))
}

/// Everything is undone: the run is failed, and the workflow's own failure rule applies
/// (a provisioning tenant becomes failed, with the error as the reason).
async fn settle_failed(state: &AppState, tx: &mut PgConnection, run: &Run) -> Result<RunStatus, AppError> {
    let error: Option<String> =
        sqlx::query_scalar("select error from workflow_runs where id = $1").bind(run.id).fetch_one(&mut *tx).await?;
    finish(tx, run.id, RunStatus::Failed, error.as_deref()).await?;
    steps::on_failed(state, tx, run, error.as_deref().unwrap_or("unknown error")).await?;
    Ok(RunStatus::Failed)
}

async fn finish(tx: &mut PgConnection, run: Uuid, status: RunStatus, error: Option<&str>) -> Result<(), AppError> {
    sqlx::query(
        "update workflow_runs set status = $2, error = coalesce($3, error), finished_at = now(), updated_at = now(),
                started_at = coalesce(started_at, now())
          where id = $1",
    )
    .bind(run)
    .bind(status.as_str())
    .bind(error)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Records an attempt that timed out: its transaction was abandoned, so the attempt is
/// recorded from a fresh one (unless another worker has taken the run by now).
async fn record_timeout(state: &AppState, run: &Run) -> Result<RunStatus, AppError> {
    let mut tx = state.pool.begin().await?;
    let locked: Option<(String, i32)> = sqlx::query_as(
        "select status, cursor from workflow_runs where id = $1 and status in ('pending', 'running', 'compensating')
            for update skip locked",
    )
    .bind(run.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((status, cursor)) = locked else { return Ok(RunStatus::Running) };
    let (name, _, attempts) = step_row(&mut tx, run.id, cursor).await?;
    let attempts = attempts + 1;
    let message = format!("The step {name} did not finish within {:?}.", timeout_for(state, &name));
    let status = if status == "compensating" {
        // A compensation that times out is retried like any failed compensation.
        sqlx::query("update workflow_steps set attempts = $3, error = $4 where run_id = $1 and position = $2")
            .bind(run.id)
            .bind(cursor)
            .bind(attempts)
            .bind(&message)
            .execute(&mut *tx)
            .await?;
        sqlx::query("update workflow_runs set next_run_at = now() + $2 * interval '1 millisecond' where id = $1")
            .bind(run.id)
            .bind(backoff(state, attempts).as_millis() as f64)
            .execute(&mut *tx)
            .await?;
        RunStatus::Compensating
    } else {
        let permanent = attempts >= state.config.workflows.max_attempts;
        let run = Run { cursor, ..run.clone() };
        record_failure(state, &mut tx, &run, cursor, attempts, 0, &message, permanent).await?
    };
    tx.commit().await?;
    Ok(status)
}

/// Runs a failed run again: provisioning from the start (its completed steps were undone,
/// and every step is idempotent), the others from the step that failed. The caller checks
/// permissions. Answers 409 when the run is not failed.
pub async fn retry(db: &mut PgConnection, run: Uuid) -> Result<(), AppError> {
    let row: Option<(String, String, i32)> =
        sqlx::query_as("select kind, status, cursor from workflow_runs where id = $1 for update")
            .bind(run)
            .fetch_optional(&mut *db)
            .await?;
    let Some((kind, status, cursor)) = row else { return Err(AppError::not_found("No such workflow run.")) };
    if status != "failed" {
        return Err(AppError::conflict(format!("Only a failed run can be retried; this one is {status}.")));
    }
    let from = if kind == "provision" { 0 } else { cursor.max(0) };
    sqlx::query(
        "update workflow_steps set status = 'pending', attempts = 0, error = null, started_at = null,
                finished_at = null, duration_ms = null
          where run_id = $1 and position >= $2",
    )
    .bind(run)
    .bind(from)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "update workflow_runs set status = 'pending', cursor = $2, error = null, failed_step = null,
                finished_at = null, next_run_at = now(), updated_at = now()
          where id = $1",
    )
    .bind(run)
    .bind(from)
    .execute(&mut *db)
    .await
    .map_err(|e| match e.as_database_error().and_then(|d| d.constraint()) {
        Some("workflow_runs_one_open_per_tenant") => {
            AppError::conflict("Another workflow is running for this tenant; wait for it to finish.")
        }
        _ => e.into(),
    })?;
    sqlx::query("select pg_notify($1, $2)").bind(CHANNEL).bind(run.to_string()).execute(&mut *db).await?;
    Ok(())
}

/// Drives one run to its end from this task (used by requests that answer when the work is
/// done, and by tests). Steps another worker holds are waited for. Returns the final
/// status, or the current one when `deadline` passes first.
pub async fn drive(state: &AppState, run: Uuid, deadline: Duration) -> Result<RunStatus, AppError> {
    let until = Instant::now() + deadline;
    loop {
        match tick(state, Some(run)).await {
            Ok(Some(t)) if !t.status.is_open() => return Ok(t.status),
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => tracing::warn!(%run, error = %e, "driving a workflow run"),
        }
        let (status, due): (String, chrono::DateTime<chrono::Utc>) =
            sqlx::query_as("select status, next_run_at from workflow_runs where id = $1")
                .bind(run)
                .fetch_one(&state.pool)
                .await?;
        let status = RunStatus::parse(&status).unwrap_or(RunStatus::Failed);
        if !status.is_open() || Instant::now() >= until {
            return Ok(status);
        }
        // Locked by another worker, or waiting out a back-off.
        let wait = (due - chrono::Utc::now())
            .to_std()
            .unwrap_or_default()
            .clamp(Duration::from_millis(10), Duration::from_millis(250));
        tokio::time::sleep(wait.min(until.saturating_duration_since(Instant::now()))).await;
    }
}

/// Runs one step of a run again, outside the engine, in its own transaction (the test of
/// "every step run twice gives the same result as once" uses it).
pub async fn run_step_again(state: &AppState, run: Uuid, step: &str) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let run: Run =
        sqlx::query_as("select id, kind, tenant_id, status, input, cursor, actor from workflow_runs where id = $1")
            .bind(run)
            .fetch_one(&mut *tx)
            .await?;
    let mut cx = Cx { db: &mut tx, state, run: &run };
    steps::run(&mut cx, step).await.map_err(|e| AppError::conflict(e.message().to_string()))?;
    tx.commit().await?;
    Ok(())
}

/// Runs every due step in this process until nothing is due (tests and the benchmark).
pub async fn drain(state: &AppState) -> Result<usize, AppError> {
    let mut n = 0;
    while tick(state, None).await?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// Starts `[workflows].workers` background workers: they share the queue with every other
/// instance, wake on NOTIFY at once and otherwise look for due retries every `poll_secs`.
pub fn spawn_workers(state: AppState) {
    let n = state.config.workflows.workers;
    if n == 0 {
        return;
    }
    let wake = Arc::new(Notify::new());
    tokio::spawn(listen(state.clone(), wake.clone()));
    for i in 0..n {
        tokio::spawn(worker(state.clone(), wake.clone(), i));
    }
    tracing::info!(workers = n, "workflow workers started");
}

async fn listen(state: AppState, wake: Arc<Notify>) {
    loop {
        match sqlx::postgres::PgListener::connect_with(&state.pool).await {
            Ok(mut l) => {
                if let Err(e) = l.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "workflow LISTEN failed");
                } else {
                    // Anything queued while we were not listening.
                    wake.notify_waiters();
                    while l.recv().await.is_ok() {
                        wake.notify_waiters();
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "workflow listener cannot connect"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn worker(state: AppState, wake: Arc<Notify>, i: usize) {
    let poll = Duration::from_secs(state.config.workflows.poll_secs.max(1));
    loop {
        // Register interest before looking, so a NOTIFY arriving meanwhile is not lost.
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        match tick(&state, None).await {
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(worker = i, error = %e, "workflow worker");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        }
        let next = next_due_in(&state).await.unwrap_or(poll).min(poll);
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep(next) => {}
        }
    }
}

async fn next_due_in(state: &AppState) -> Option<Duration> {
    let due: Option<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar(
        "select min(next_run_at) from workflow_runs where status in ('pending', 'running', 'compensating')",
    )
    .fetch_one(&state.pool)
    .await
    .ok()?;
    Some((due? - chrono::Utc::now()).to_std().unwrap_or(Duration::from_millis(5)).max(Duration::from_millis(5)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_round_trip_through_json() {
        let a = Actor::user(Uuid::nil(), "a@example.com", Some("10.0.0.1".parse().unwrap()));
        let b = actor_from_json(&actor_to_json(&a));
        assert_eq!((b.kind, b.id, b.label, b.source_ip), (a.kind, a.id, a.label, a.source_ip));
        assert_eq!(actor_from_json(&json!({})).kind, ActorKind::System);
    }
}
