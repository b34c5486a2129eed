//! Reading workflow runs and their steps for the UI and the REST API (the engine in
//! `server::workflow` writes them).

use crate::error::AppError;
use crate::model::{RunStatus, WorkflowKind, WorkflowRun, WorkflowStep};
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

type RunRow = (
    Uuid,
    String,
    Uuid,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    serde_json::Value,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    serde_json::Value,
);

const SELECT: &str = "select r.id, r.kind, r.tenant_id, t.slug, t.name, r.status, r.error, r.failed_step, r.actor,
        r.created_at, r.started_at, r.finished_at, r.next_run_at,
        coalesce((select jsonb_agg(jsonb_build_object(
                    'position', s.position, 'name', s.name, 'status', s.status, 'attempts', s.attempts,
                    'started_at', s.started_at, 'finished_at', s.finished_at, 'duration_ms', s.duration_ms,
                    'error', s.error) order by s.position)
                  from workflow_steps s where s.run_id = r.id), '[]')
   from workflow_runs r join tenants t on t.id = r.tenant_id";

fn to_run(r: RunRow) -> WorkflowRun {
    let steps: Vec<WorkflowStep> = serde_json::from_value(r.13).unwrap_or_default();
    WorkflowRun {
        id: r.0,
        kind: WorkflowKind::parse(&r.1).unwrap_or(WorkflowKind::Provision),
        tenant_id: r.2,
        tenant_slug: r.3,
        tenant_name: r.4,
        status: RunStatus::parse(&r.5).unwrap_or(RunStatus::Failed),
        error: r.6,
        failed_step: r.7,
        requested_by: r.8["label"].as_str().unwrap_or("System").to_string(),
        requested_by_id: r.8["id"].as_str().and_then(|s| Uuid::parse_str(s).ok()),
        created_at: r.9,
        started_at: r.10,
        finished_at: r.11,
        next_run_at: r.12,
        steps,
    }
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<WorkflowRun>, AppError> {
    let row: Option<RunRow> = sqlx::query_as(&format!("{SELECT} where r.id = $1")).bind(id).fetch_optional(db).await?;
    Ok(row.map(to_run))
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
    let rows: Vec<RunRow> = sqlx::query_as(&format!(
        "{SELECT}
          where ($1::uuid is null or r.tenant_id = $1)
            and ($2::uuid[] is null or r.tenant_id = any($2))
            and ($3::text is null
                 or ($3 = 'open' and r.status in ('pending', 'running', 'compensating'))
                 or r.status = $3)
          order by r.created_at desc, r.id
          limit $4"
    ))
    .bind(tenant)
    .bind(scope)
    .bind(status)
    .bind(limit.clamp(1, 200))
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(to_run).collect())
}
