//! Runs as people read them: one run or a page of runs, each with its tenant and steps.

use crate::error::AppError;
use crate::model::{Actor, RunStatus, Step, WorkflowKind, WorkflowRun, WorkflowStep};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::PgExecutor;
use uuid::Uuid;

/// A run with its tenant and steps, as the UI shows it.
struct RunRow {
    id: Uuid,
    kind: WorkflowKind,
    tenant_id: Uuid,
    tenant_slug: String,
    tenant_name: String,
    status: RunStatus,
    error: Option<String>,
    failed_step: Option<Step>,
    actor: Value,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    next_run_at: DateTime<Utc>,
    steps: Json<Vec<WorkflowStep>>,
}

impl From<RunRow> for WorkflowRun {
    fn from(r: RunRow) -> Self {
        let actor = Actor::from_json(&r.actor);
        WorkflowRun {
            id: r.id,
            kind: r.kind,
            tenant_id: r.tenant_id,
            tenant_slug: r.tenant_slug,
            tenant_name: r.tenant_name,
            status: r.status,
            error: r.error,
            failed_step: r.failed_step,
            requested_by: actor.label,
            requested_by_id: actor.id,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            next_run_at: r.next_run_at,
            steps: r.steps.0,
        }
    }
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<WorkflowRun>, AppError> {
    let row = sqlx::query_as!(
        RunRow,
        r#"select r.id, r.kind as "kind: WorkflowKind", r.tenant_id, t.slug as tenant_slug, t.name as tenant_name,
                  r.status as "status: RunStatus", r.error, r.failed_step as "failed_step: Step", r.actor,
                  r.created_at, r.started_at, r.finished_at, r.next_run_at,
                  coalesce((select jsonb_agg(jsonb_build_object(
                              'position', s.position, 'name', s.name, 'status', s.status, 'attempts', s.attempts,
                              'started_at', s.started_at, 'finished_at', s.finished_at, 'duration_ms', s.duration_ms,
                              'error', s.error) order by s.position)
                            from workflow_steps s where s.run_id = r.id), '[]') as "steps!: Json<Vec<WorkflowStep>>"
             from workflow_runs r join tenants t on t.id = r.tenant_id
            where r.id = $1"#,
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(WorkflowRun::from))
}

/// Runs, newest first: of one tenant, or of the tenants in `scope` (None: all), optionally
/// only those with a status (`open` for unfinished ones).
pub async fn list(
    db: impl PgExecutor<'_>,
    tenant: Option<Uuid>,
    scope: Option<&[Uuid]>,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<WorkflowRun>, AppError> {
    let rows = sqlx::query_as!(
        RunRow,
        r#"select r.id, r.kind as "kind: WorkflowKind", r.tenant_id, t.slug as tenant_slug, t.name as tenant_name,
                  r.status as "status: RunStatus", r.error, r.failed_step as "failed_step: Step", r.actor,
                  r.created_at, r.started_at, r.finished_at, r.next_run_at,
                  coalesce((select jsonb_agg(jsonb_build_object(
                              'position', s.position, 'name', s.name, 'status', s.status, 'attempts', s.attempts,
                              'started_at', s.started_at, 'finished_at', s.finished_at, 'duration_ms', s.duration_ms,
                              'error', s.error) order by s.position)
                            from workflow_steps s where s.run_id = r.id), '[]') as "steps!: Json<Vec<WorkflowStep>>"
             from workflow_runs r join tenants t on t.id = r.tenant_id
            where ($1::uuid is null or r.tenant_id = $1)
              and ($2::uuid[] is null or r.tenant_id = any($2))
              and ($3::text is null
                   or ($3 = 'open' and r.status in ('pending', 'running', 'compensating'))
                   or r.status = $3)
            order by r.created_at desc, r.id
            limit $4"#,
        tenant,
        scope,
        status,
        limit.clamp(1, 200),
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(WorkflowRun::from).collect())
}
