//! Claiming runs and running their steps (see the module above for the rules).

use super::{steps, Cx, Output, Run, StepError};
use crate::db::workflows as runs;
use crate::error::AppError;
use crate::model::{RunStatus, Step, StepStatus};
use crate::server::metrics;
use crate::server::state::AppState;
use sqlx::{Acquire, PgConnection};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How an attempt ended: with the step's own result, or stopped by the step timeout (the
/// transaction must then be abandoned, not committed).
enum Attempt {
    Finished(Result<Output, StepError>),
    TimedOut,
}

/// The outcome of one pass: which run was worked on and where it now stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    pub run: Uuid,
    pub status: RunStatus,
}

/// Claims one due run (or only `only`) and runs its next steps (or one compensation).
/// `Ok(None)`: nothing was due (or `only` is held by another worker or not due).
pub async fn tick(state: &AppState, only: Option<Uuid>) -> Result<Option<Tick>, AppError> {
    let mut tx = state.pool.begin().await?;
    let Some(run) = runs::claim(&mut *tx, only).await? else { return Ok(None) };
    // The statement timeout this transaction has (steps set it as they need).
    let mut limit = None;
    let status = if run.status == RunStatus::Compensating {
        compensate_one(state, &mut tx, &mut limit, &run).await?
    } else {
        run_steps(state, &mut tx, &mut limit, &run).await?
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
    if !status.is_open() {
        metrics::workflow_run_finished(run.kind.as_str(), status.as_str());
    }
    Ok(Some(Tick { run: run.id, status }))
}

fn timeout_for(state: &AppState, step: Step) -> Duration {
    let c = &state.config.workflows;
    Duration::from_secs(if step == Step::ExportData { c.export_timeout_secs } else { c.step_timeout_secs }.max(1))
}

fn backoff(state: &AppState, attempts: i32) -> Duration {
    let c = &state.config.workflows;
    let exp = c.backoff_ms.saturating_mul(1u64 << (attempts.clamp(1, 20) - 1) as u64);
    let capped = exp.min(c.max_backoff_secs.saturating_mul(1000));
    // Up to 20 % jitter, so retries of many runs spread out.
    Duration::from_millis(capped + fastrand::u64(0..=capped / 5))
}

fn elapsed_ms(since: Instant) -> i32 {
    since.elapsed().as_millis().min(i32::MAX as u128) as i32
}

/// Runs one step (or its compensation) in a savepoint with the step's timeout; the
/// savepoint is released on success and rolled back on error, so a failed attempt leaves
/// nothing behind.
async fn attempt(
    state: &AppState,
    tx: &mut PgConnection,
    set: &mut Option<Duration>,
    run: &Run,
    step: Step,
    undo: bool,
) -> Result<Attempt, AppError> {
    let limit = timeout_for(state, step);
    // The limit holds for the rest of the transaction: set it once, not per step (outside
    // the savepoint, so rolling a failed step back does not undo it).
    if *set != Some(limit) {
        sqlx::query(&format!("set local statement_timeout = {}", limit.as_millis())).execute(&mut *tx).await?;
        *set = Some(limit);
    }
    let mut sp = tx.begin().await?;
    let delay = state.config.workflows.step_delay_ms;
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let fail = &state.config.workflows.fail_step;
    let outcome = if !undo && !fail.is_empty() && fail == step.as_str() {
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
                tracing::warn!(step = step.as_str(), ?limit, "workflow step timed out");
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

/// Runs the run's steps from its cursor, in this transaction, until one fails, the run
/// ends, or the next step leaves the database (then the transaction commits first). Each
/// step keeps its own savepoint, state, timing and output. `None`: a step timed out and
/// the transaction must be abandoned.
async fn run_steps(
    state: &AppState,
    tx: &mut PgConnection,
    limit: &mut Option<Duration>,
    run: &Run,
) -> Result<Option<RunStatus>, AppError> {
    let steps = run.kind.steps();
    let mut pos = run.cursor;
    loop {
        let Some(&step) = steps.get(pos as usize) else {
            runs::finish(&mut *tx, run.id, RunStatus::Succeeded, None, None).await?;
            return Ok(Some(RunStatus::Succeeded));
        };
        // Nothing is written before the step: a write to the run row here would make
        // PostgreSQL re-check its foreign key, waiting on whoever holds the tenant row.
        let attempts = runs::step(&mut *tx, run.id, pos).await?.attempts + 1;
        let started = Instant::now();
        let Attempt::Finished(outcome) = attempt(state, tx, limit, run, step, false).await? else {
            return Ok(None);
        };
        let took = elapsed_ms(started);
        metrics::workflow_step(
            run.kind.as_str(),
            step.as_str(),
            if outcome.is_ok() { "succeeded" } else { "failed" },
            started.elapsed(),
        );
        match outcome {
            Ok(output) => {
                runs::step_succeeded(&mut *tx, run.id, pos, attempts, took, output).await?;
                let Some(&next) = steps.get(pos as usize + 1) else {
                    runs::finish(&mut *tx, run.id, RunStatus::Succeeded, None, None).await?;
                    return Ok(Some(RunStatus::Succeeded));
                };
                if steps::leaves_the_database(run, step) || steps::leaves_the_database(run, next) {
                    runs::advance(&mut *tx, run.id, pos + 1).await?;
                    return Ok(Some(RunStatus::Running));
                }
                pos += 1;
            }
            Err(e) => {
                let permanent = matches!(e, StepError::Permanent(_)) || attempts >= state.config.workflows.max_attempts;
                tracing::warn!(run = %run.id, step = step.as_str(), attempts, permanent, error = e.message(),
                    "workflow step failed");
                if pos != run.cursor {
                    // Earlier steps of this batch succeeded: the run goes on from here.
                    runs::advance(&mut *tx, run.id, pos).await?;
                }
                let failure = Failure { step, pos, attempts, took, message: e.message(), permanent };
                return record_failure(state, tx, run, failure).await.map(Some);
            }
        }
    }
}

struct Failure<'a> {
    step: Step,
    pos: i32,
    attempts: i32,
    took: i32,
    message: &'a str,
    permanent: bool,
}

/// Records a failed attempt: a retry after back-off, or (permanent) the start of
/// compensation.
async fn record_failure(
    state: &AppState,
    tx: &mut PgConnection,
    run: &Run,
    f: Failure<'_>,
) -> Result<RunStatus, AppError> {
    let status = if f.permanent { StepStatus::Failed } else { StepStatus::Pending };
    runs::step_failed(&mut *tx, run.id, f.pos, status, f.attempts, f.took, f.message).await?;
    if !f.permanent {
        runs::retry_later(&mut *tx, run.id, backoff(state, f.attempts), Some(f.message)).await?;
        return Ok(RunStatus::Running);
    }
    if !run.kind.compensates() {
        // Only provisioning and plan changes have things to undo; the others stop at the
        // failed step, which a retry runs again.
        runs::finish(&mut *tx, run.id, RunStatus::Failed, Some(f.message), Some(f.step)).await?;
        steps::on_failed(state, tx, run, f.message).await?;
        return Ok(RunStatus::Failed);
    }
    // Compensate the completed steps, newest first, starting below the failed one.
    runs::start_compensating(&mut *tx, run.id, f.pos - 1, f.message, f.step).await?;
    if f.pos == 0 {
        return settle_failed(state, tx, run).await;
    }
    Ok(RunStatus::Compensating)
}

/// Undoes the run's current completed step. `None`: it timed out (abandon the transaction).
async fn compensate_one(
    state: &AppState,
    tx: &mut PgConnection,
    limit: &mut Option<Duration>,
    run: &Run,
) -> Result<Option<RunStatus>, AppError> {
    let pos = run.cursor;
    if pos < 0 {
        return settle_failed(state, tx, run).await.map(Some);
    }
    let row = runs::step(&mut *tx, run.id, pos).await?;
    if row.status == StepStatus::Succeeded {
        let Attempt::Finished(outcome) = attempt(state, tx, limit, run, row.name, true).await? else {
            return Ok(None);
        };
        if let Err(e) = outcome {
            let attempts = row.attempts + 1;
            if attempts >= state.config.workflows.max_attempts * 2 {
                // Compensation itself keeps failing: stop and keep the error for a person.
                let msg = format!("Undoing step {} failed: {}", row.name, e.message());
                runs::step_attempted(&mut *tx, run.id, pos, attempts, &msg).await?;
                runs::finish(&mut *tx, run.id, RunStatus::Failed, Some(&msg), None).await?;
                return Ok(Some(RunStatus::Failed));
            }
            runs::step_attempted(&mut *tx, run.id, pos, attempts, e.message()).await?;
            runs::retry_later(&mut *tx, run.id, backoff(state, attempts), None).await?;
            return Ok(Some(RunStatus::Compensating));
        }
        runs::step_compensated(&mut *tx, run.id, pos).await?;
    }
    runs::compensate_next(&mut *tx, run.id, pos - 1).await?;
    if pos == 0 {
        return settle_failed(state, tx, run).await.map(Some);
    }
    Ok(Some(RunStatus::Compensating))
}

/// Everything is undone: the run is failed, and the workflow's own failure rule applies
/// (a provisioning tenant becomes failed, with the error as the reason).
async fn settle_failed(state: &AppState, tx: &mut PgConnection, run: &Run) -> Result<RunStatus, AppError> {
    let error = runs::error_of(&mut *tx, run.id).await?;
    runs::finish(&mut *tx, run.id, RunStatus::Failed, error.as_deref(), None).await?;
    steps::on_failed(state, tx, run, error.as_deref().unwrap_or("unknown error")).await?;
    Ok(RunStatus::Failed)
}

/// Records an attempt that timed out: its transaction was abandoned, so the attempt is
/// recorded from a fresh one (unless another worker has taken the run by now).
async fn record_timeout(state: &AppState, run: &Run) -> Result<RunStatus, AppError> {
    let mut tx = state.pool.begin().await?;
    let Some((status, cursor)) = runs::lock_if_free(&mut *tx, run.id).await? else {
        return Ok(RunStatus::Running);
    };
    let row = runs::step(&mut *tx, run.id, cursor).await?;
    let attempts = row.attempts + 1;
    let message = format!("The step {} did not finish within {:?}.", row.name, timeout_for(state, row.name));
    metrics::workflow_step(run.kind.as_str(), row.name.as_str(), "timed_out", timeout_for(state, row.name));
    let status = if status == RunStatus::Compensating {
        // A compensation that times out is retried like any failed compensation.
        runs::step_attempted(&mut *tx, run.id, cursor, attempts, &message).await?;
        runs::retry_later(&mut *tx, run.id, backoff(state, attempts), None).await?;
        RunStatus::Compensating
    } else {
        let permanent = attempts >= state.config.workflows.max_attempts;
        let run = Run { cursor, ..run.clone() };
        let failure = Failure { step: row.name, pos: cursor, attempts, took: 0, message: &message, permanent };
        record_failure(state, &mut tx, &run, failure).await?
    };
    tx.commit().await?;
    Ok(status)
}

/// Drives one run to its end from this task (requests that answer when the work is done,
/// and tests). Steps another worker holds are waited for. Returns the final status, or
/// the current one when `deadline` passes first.
pub async fn drive(state: &AppState, run: Uuid, deadline: Duration) -> Result<RunStatus, AppError> {
    let until = Instant::now() + deadline;
    loop {
        match tick(state, Some(run)).await {
            Ok(Some(t)) if !t.status.is_open() => return Ok(t.status),
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => tracing::warn!(%run, error = %e, "driving a workflow run"),
        }
        let (status, due) = runs::status_and_due(&state.pool, run).await?;
        if !status.is_open() || Instant::now() >= until {
            return Ok(status);
        }
        // Held by another worker, or waiting out a back-off.
        let wait = (due - chrono::Utc::now())
            .to_std()
            .unwrap_or_default()
            .clamp(Duration::from_millis(10), Duration::from_millis(250));
        tokio::time::sleep(wait.min(until.saturating_duration_since(Instant::now()))).await;
    }
}

/// Runs one step of a run again, outside the engine, in its own transaction (the test of
/// "every step run twice gives the same result as once" uses it).
pub async fn run_step_again(state: &AppState, run: Uuid, step: Step) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let run = runs::claimed(&mut *tx, run).await?;
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
