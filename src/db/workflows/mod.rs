//! Workflow runs and their steps (`workflow_runs`, `workflow_steps`): queued by the
//! services, claimed and advanced by the engine (`server::workflow`), read by the UI and
//! the REST API. Typed rows and sqlx-mapped enums throughout.

use crate::error::AppError;
use crate::model::{messages, Actor, RunStatus, Step, StepStatus, WorkflowKind};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgExecutor;
use std::time::Duration;
use uuid::Uuid;

mod views;
pub use views::{get, list};

/// The NOTIFY channel that tells workers there is new work.
pub const CHANNEL: &str = "tenantry_workflows";
/// Notified with a run's id when it finishes (succeeded, failed or discarded).
pub const FINISHED: &str = "tenantry_workflow_finished";

/// Queues a run and its steps in the caller's transaction; workers are woken when it
/// commits. A tenant with an unfinished run gets 409.
pub async fn enqueue(
    db: &mut sqlx::PgConnection,
    actor: &Actor,
    kind: WorkflowKind,
    tenant: Uuid,
    input: Value,
) -> Result<Uuid, AppError> {
    let id = sqlx::query_scalar!(
        "insert into workflow_runs (kind, tenant_id, input, actor) values ($1, $2, $3, $4)
         on conflict (tenant_id) where status in ('pending', 'running', 'compensating') do nothing
         returning id",
        kind as WorkflowKind,
        tenant,
        input,
        actor.to_json(),
    )
    .fetch_optional(&mut *db)
    .await?
    .ok_or_else(|| AppError::conflict(messages::RUN_OPEN))?;
    let names: Vec<String> = kind.steps().iter().map(|s| s.as_str().to_string()).collect();
    sqlx::query!(
        "insert into workflow_steps (run_id, position, name)
         select $1, p - 1, n from unnest($2::text[]) with ordinality as s(n, p)",
        id,
        &names,
    )
    .execute(&mut *db)
    .await?;
    notify(&mut *db, id).await?;
    Ok(id)
}

/// Wakes the workers (delivered when the transaction commits).
pub async fn notify(db: impl PgExecutor<'_>, run: Uuid) -> Result<(), AppError> {
    sqlx::query!("select pg_notify($1, $2)", CHANNEL, run.to_string()).execute(db).await?;
    Ok(())
}

/// A claimed run, as the engine works on it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    pub kind: WorkflowKind,
    pub tenant_id: Uuid,
    pub status: RunStatus,
    pub input: Value,
    pub cursor: i32,
    pub actor: Value,
}

impl Claimed {
    /// The person or key that asked for the run, for the audit events its steps write.
    pub fn actor(&self) -> Actor {
        Actor::from_json(&self.actor)
    }
}

/// Claims one due run (or only `only`), holding its row lock until the transaction ends;
/// runs another worker holds are skipped.
pub async fn claim(db: impl PgExecutor<'_>, only: Option<Uuid>) -> Result<Option<Claimed>, AppError> {
    Ok(sqlx::query_as!(
        Claimed,
        r#"select id, kind as "kind: WorkflowKind", tenant_id, status as "status: RunStatus", input, cursor, actor
             from workflow_runs
            where status in ('pending', 'running', 'compensating') and next_run_at <= now()
              and ($1::uuid is null or id = $1)
            order by next_run_at
            limit 1
            for update skip locked"#,
        only,
    )
    .fetch_optional(db)
    .await?)
}

/// A run as it stands (for running one step again outside the engine).
pub async fn claimed(db: impl PgExecutor<'_>, run: Uuid) -> Result<Claimed, AppError> {
    Ok(sqlx::query_as!(
        Claimed,
        r#"select id, kind as "kind: WorkflowKind", tenant_id, status as "status: RunStatus", input, cursor, actor
             from workflow_runs where id = $1"#,
        run,
    )
    .fetch_one(db)
    .await?)
}

/// One step's bookkeeping.
#[derive(Debug, Clone)]
pub struct StepRow {
    pub name: Step,
    pub status: StepStatus,
    pub attempts: i32,
}

pub async fn step(db: impl PgExecutor<'_>, run: Uuid, position: i32) -> Result<StepRow, AppError> {
    Ok(sqlx::query_as!(
        StepRow,
        r#"select name as "name: Step", status as "status: StepStatus", attempts
             from workflow_steps where run_id = $1 and position = $2"#,
        run,
        position,
    )
    .fetch_one(db)
    .await?)
}

/// A step that succeeded, with how long it took and what it produced.
pub async fn step_succeeded(
    db: impl PgExecutor<'_>,
    run: Uuid,
    position: i32,
    attempts: i32,
    took_ms: i32,
    output: Option<Value>,
) -> Result<(), AppError> {
    sqlx::query!(
        "update workflow_steps set status = 'succeeded', attempts = $3, finished_at = now(),
                started_at = coalesce(started_at, now() - $4 * interval '1 millisecond'),
                duration_ms = $4, error = null, output = $5
          where run_id = $1 and position = $2",
        run,
        position,
        attempts,
        took_ms as f64,
        output,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The run goes on with the step at `cursor`, due now.
pub async fn advance(db: impl PgExecutor<'_>, run: Uuid, cursor: i32) -> Result<(), AppError> {
    sqlx::query!(
        "update workflow_runs set status = 'running', started_at = coalesce(started_at, now()), cursor = $2,
                next_run_at = now(), error = null, updated_at = now()
          where id = $1",
        run,
        cursor,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A failed attempt of a step: `Pending` (to be retried) or `Failed` (for good).
pub async fn step_failed(
    db: impl PgExecutor<'_>,
    run: Uuid,
    position: i32,
    status: StepStatus,
    attempts: i32,
    took_ms: i32,
    message: &str,
) -> Result<(), AppError> {
    sqlx::query!(
        "update workflow_steps set status = $3, attempts = $4, duration_ms = $5, error = $6,
                started_at = coalesce(started_at, now()),
                finished_at = case when $3 = 'failed' then now() end
          where run_id = $1 and position = $2",
        run,
        position,
        status as StepStatus,
        attempts,
        took_ms,
        message,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records an attempt's error on a step without changing its status (compensation retries).
pub async fn step_attempted(
    db: impl PgExecutor<'_>,
    run: Uuid,
    position: i32,
    attempts: i32,
    message: &str,
) -> Result<(), AppError> {
    sqlx::query!(
        "update workflow_steps set attempts = $3, error = $4 where run_id = $1 and position = $2",
        run,
        position,
        attempts,
        message,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn step_compensated(db: impl PgExecutor<'_>, run: Uuid, position: i32) -> Result<(), AppError> {
    sqlx::query!("update workflow_steps set status = 'compensated' where run_id = $1 and position = $2", run, position)
        .execute(db)
        .await?;
    Ok(())
}

/// The run waits `wait` before its next attempt; `error` (when given) says why.
pub async fn retry_later(
    db: impl PgExecutor<'_>,
    run: Uuid,
    wait: Duration,
    error: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query!(
        "update workflow_runs set status = case when status = 'pending' then 'running' else status end,
                started_at = coalesce(started_at, now()),
                next_run_at = now() + $2 * interval '1 millisecond', error = coalesce($3, error), updated_at = now()
          where id = $1",
        run,
        wait.as_millis() as f64,
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A permanent failure at `failed`: undo the completed steps, newest first, from `cursor`.
pub async fn start_compensating(
    db: impl PgExecutor<'_>,
    run: Uuid,
    cursor: i32,
    error: &str,
    failed: Step,
) -> Result<(), AppError> {
    sqlx::query!(
        "update workflow_runs set status = 'compensating', cursor = $2, error = $3, failed_step = $4,
                next_run_at = now(), updated_at = now()
          where id = $1",
        run,
        cursor,
        error,
        failed as Step,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Moves the compensation cursor down, due now.
pub async fn compensate_next(db: impl PgExecutor<'_>, run: Uuid, cursor: i32) -> Result<(), AppError> {
    sqlx::query!(
        "update workflow_runs set cursor = $2, next_run_at = now(), updated_at = now() where id = $1",
        run,
        cursor
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Ends the run; `failed` names the step it failed at, `error` (when given) replaces the
/// recorded one.
pub async fn finish(
    db: impl PgExecutor<'_>,
    run: Uuid,
    status: RunStatus,
    error: Option<&str>,
    failed: Option<Step>,
) -> Result<(), AppError> {
    // Whoever waits for the run (a request, a benchmark) hears it once this commits.
    sqlx::query!(
        "with done as (
            update workflow_runs set status = $2, error = coalesce($3, error), failed_step = coalesce($4, failed_step),
                   finished_at = now(), updated_at = now(), started_at = coalesce(started_at, now())
             where id = $1
            returning id
         )
         select pg_notify($5, id::text) from done",
        run,
        status as RunStatus,
        error,
        failed as Option<Step>,
        FINISHED,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn error_of(db: impl PgExecutor<'_>, run: Uuid) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar!("select error from workflow_runs where id = $1", run).fetch_one(db).await?)
}

/// The run's status and cursor if it is unfinished and no worker holds it (for recording
/// an attempt whose own transaction was abandoned).
pub async fn lock_if_free(db: impl PgExecutor<'_>, run: Uuid) -> Result<Option<(RunStatus, i32)>, AppError> {
    let row = sqlx::query!(
        r#"select status as "status: RunStatus", cursor from workflow_runs
            where id = $1 and status in ('pending', 'running', 'compensating')
            for update skip locked"#,
        run,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.status, r.cursor)))
}

/// Where a run stands and when it is next due (for waiting on it).
pub async fn status_and_due(db: impl PgExecutor<'_>, run: Uuid) -> Result<(RunStatus, DateTime<Utc>), AppError> {
    let r = sqlx::query!(r#"select status as "status: RunStatus", next_run_at from workflow_runs where id = $1"#, run)
        .fetch_one(db)
        .await?;
    Ok((r.status, r.next_run_at))
}

/// The queue as the workers see it after a round: how long the oldest due run has been
/// waiting (their lag), and how long until the next one not yet due, in one query.
pub async fn due(db: impl PgExecutor<'_>) -> Result<(Option<Duration>, Option<Duration>), AppError> {
    let row = sqlx::query!(
        r#"select extract(epoch from now() - min(next_run_at) filter (where next_run_at <= now()))::float8 as "overdue",
                  extract(epoch from min(next_run_at) filter (where next_run_at > now()) - now())::float8 as "next_in"
             from workflow_runs where status in ('pending', 'running', 'compensating')"#
    )
    .fetch_one(db)
    .await?;
    let secs = |s: f64| Duration::from_secs_f64(s.max(0.0));
    Ok((row.overdue.map(secs), row.next_in.map(secs)))
}

/// Resets a failed run to run again from `from` (its steps from there back to pending).
/// 409 when the run is not failed, or when the tenant has another unfinished run.
pub async fn reset_for_retry(db: &mut sqlx::PgConnection, run: Uuid) -> Result<(), AppError> {
    let row = sqlx::query!(
        r#"select kind as "kind: WorkflowKind", status as "status: RunStatus", cursor
             from workflow_runs where id = $1 for update"#,
        run,
    )
    .fetch_optional(&mut *db)
    .await?
    .ok_or_else(|| AppError::not_found(messages::NO_RUN))?;
    if row.status != RunStatus::Failed {
        return Err(AppError::conflict(format!(
            "Only a failed run can be retried; this one is {}.",
            row.status.as_str()
        )));
    }
    // Provisioning and plan changes start over (their completed steps were undone; every
    // step is idempotent); the others go on from the step that failed.
    let from = if row.kind.compensates() { 0 } else { row.cursor.max(0) };
    sqlx::query!(
        "update workflow_steps set status = 'pending', attempts = 0, error = null, started_at = null,
                finished_at = null, duration_ms = null
          where run_id = $1 and position >= $2",
        run,
        from,
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!(
        "update workflow_runs set status = 'pending', cursor = $2, error = null, failed_step = null,
                finished_at = null, next_run_at = now(), updated_at = now()
          where id = $1",
        run,
        from,
    )
    .execute(&mut *db)
    .await
    .map_err(|e| {
        AppError::from_constraint(e, &[("workflow_runs_one_open_per_tenant", AppError::conflict(messages::RUN_OPEN))])
    })?;
    notify(&mut *db, run).await
}

/// The tenant's unfinished run, if any.
pub async fn open_for_tenant(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<Option<(Uuid, WorkflowKind)>, AppError> {
    let row = sqlx::query!(
        r#"select id, kind as "kind: WorkflowKind" from workflow_runs
            where tenant_id = $1 and status in ('pending', 'running', 'compensating')"#,
        tenant,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.kind)))
}

/// Cancels a queued provisioning that no worker has started (the tenant is being deleted);
/// false when it is under way.
pub async fn cancel_unstarted(db: impl PgExecutor<'_>, run: Uuid) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "update workflow_runs set status = 'discarded', error = 'Cancelled: the tenant was deleted.',
                finished_at = now(), updated_at = now()
          where id = (select id from workflow_runs where id = $1 and status = 'pending' and cursor = 0
                      for update skip locked)",
        run,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives up a failed run (discard).
pub async fn discard(db: impl PgExecutor<'_>, run: Uuid) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "update workflow_runs set status = 'discarded', updated_at = now() where id = $1 and status = 'failed'",
        run
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The input of the tenant's newest provisioning run, so a retry is asked the same.
pub async fn last_provision_input(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<Option<Value>, AppError> {
    Ok(sqlx::query_scalar!(
        "select input from workflow_runs where tenant_id = $1 and kind = 'provision' order by created_at desc limit 1",
        tenant,
    )
    .fetch_optional(db)
    .await?)
}

/// What a step produced (a test and the verification step read it).
pub async fn step_output(db: impl PgExecutor<'_>, run: Uuid, step: Step) -> Result<Option<Value>, AppError> {
    Ok(sqlx::query_scalar!("select output from workflow_steps where run_id = $1 and name = $2", run, step as Step,)
        .fetch_optional(db)
        .await?
        .flatten())
}
