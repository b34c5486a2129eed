//! Workflow runs as people see and steer them (PRODUCT.md P4): a tenant's runs, every run
//! the caller may see, one run, retry and discard; and terminated tenants' exports.

use crate::db;
use crate::error::AppError;
use crate::model::{
    ExportInfo, LifecycleAction, Permission, Rollout, RunStatus, TemplateStatus, VersionCount, WorkflowKind,
    WorkflowRun,
};
use crate::server::access::Caller;
use crate::server::services::privacy;
use crate::server::state::AppState;
use crate::server::workflow;
use crate::server::{rollout, storage};
use sqlx::PgPool;
use uuid::Uuid;

fn not_found() -> AppError {
    AppError::not_found("No such workflow run.")
}

/// The runs of one tenant, newest first.
pub async fn for_tenant(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<Vec<WorkflowRun>, AppError> {
    caller.require_on(tenant, Permission::TenantRead)?;
    let mut runs = db::workflows::list(pool, Some(tenant), None, None, 50).await?;
    privacy::workflow_runs(pool, caller, &mut runs).await?;
    Ok(runs)
}

/// Runs of every tenant the caller may see; `status` is a run status or `open`.
pub async fn list(pool: &PgPool, caller: &Caller, status: Option<&str>) -> Result<Vec<WorkflowRun>, AppError> {
    let scope = caller.visible(Permission::TenantRead)?;
    let status = status.map(str::trim).filter(|s| !s.is_empty() && *s != "all");
    if let Some(s) = status {
        if s != "open" && RunStatus::parse(s).is_none() {
            return Err(AppError::invalid(
                "status",
                "Use open, pending, running, compensating, succeeded, failed or discarded.",
            ));
        }
    }
    let mut runs = db::workflows::list(pool, None, scope.ids(), status, 100).await?;
    privacy::workflow_runs(pool, caller, &mut runs).await?;
    Ok(runs)
}

pub async fn get(pool: &PgPool, caller: &Caller, id: Uuid) -> Result<WorkflowRun, AppError> {
    let run = db::workflows::get(pool, id).await?.ok_or_else(not_found)?;
    // Someone who may not see the tenant learns nothing, not even that the run exists.
    caller.require_on(run.tenant_id, Permission::TenantRead).map_err(|e| match e {
        AppError::Forbidden(_) => not_found(),
        other => other,
    })?;
    let mut runs = [run];
    privacy::workflow_runs(pool, caller, &mut runs).await?;
    let [run] = runs;
    Ok(run)
}

/// Runs a failed run again (provisioning from the start, the others from the failed step)
/// and waits for it like a lifecycle action does.
pub async fn retry(state: &AppState, caller: &Caller, id: Uuid) -> Result<WorkflowRun, AppError> {
    let run = get(&state.pool, caller, id).await?;
    caller.require_on(run.tenant_id, Permission::PlatformManage)?;
    let mut tx = state.pool.begin().await?;
    workflow::retry(&mut tx, id).await?;
    crate::db::audit::record(
        &mut *tx,
        &caller.actor(),
        crate::db::audit::NewEvent {
            tenant_id: Some(run.tenant_id),
            action: "workflow.retried",
            target_type: "workflow",
            target_id: Some(id.to_string()),
            before: Some(serde_json::json!({ "status": run.status, "error": run.error })),
            after: Some(serde_json::json!({ "kind": run.kind })),
            reason: None,
        },
    )
    .await?;
    tx.commit().await?;
    workflow::drive(state, id, std::time::Duration::from_secs(20)).await?;
    get(&state.pool, caller, id).await
}

/// Gives up a failed provisioning: the run is marked discarded and the tenant is
/// terminated (its storage was already removed by the compensations).
pub async fn discard(state: &AppState, caller: &Caller, id: Uuid) -> Result<WorkflowRun, AppError> {
    let run = get(&state.pool, caller, id).await?;
    caller.require_on(run.tenant_id, Permission::PlatformManage)?;
    if run.status != RunStatus::Failed || run.kind != WorkflowKind::Provision {
        return Err(AppError::conflict("Only a failed provisioning run can be discarded; retry the others."));
    }
    let done = sqlx::query(
        "update workflow_runs set status = 'discarded', updated_at = now() where id = $1 and status = 'failed'",
    )
    .bind(id)
    .execute(&state.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::conflict("The run changed meanwhile; reload."));
    }
    crate::server::services::tenants::transition(
        state,
        caller,
        run.tenant_id,
        LifecycleAction::Terminate,
        Some("Provisioning failed and was discarded."),
    )
    .await?;
    get(&state.pool, caller, id).await
}

pub async fn exports(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<Vec<ExportInfo>, AppError> {
    caller.require_on(tenant, Permission::TenantLifecycle)?;
    Ok(sqlx::query_as(
        "select id, file_name, length(bytes)::bigint as size_bytes, sha256, created_at, expires_at
           from tenant_exports where tenant_id = $1 and expires_at > now() and purged_at is null
          order by created_at desc",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await?)
}

/// (file name, bytes) of one export.
pub async fn export_file(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    id: Uuid,
) -> Result<(String, Vec<u8>), AppError> {
    caller.require_on(tenant, Permission::TenantLifecycle)?;
    sqlx::query_as(
        "select file_name, bytes from tenant_exports
          where tenant_id = $1 and id = $2 and expires_at > now() and purged_at is null",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::not_found("No such export (it may have passed its retention date)."))
}

/// The tenant template: the newest version, where schema tenants are, and roll-outs.
pub async fn template_status(state: &AppState, caller: &Caller) -> Result<TemplateStatus, AppError> {
    caller.require(Permission::PlatformManage)?;
    let by_version: Vec<VersionCount> = sqlx::query_as(
        "select version, count(*) as tenants from template_schemas where tenant_id is not null group by version order by version",
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(TemplateStatus {
        latest_version: storage::latest_version(),
        tenants_by_version: by_version,
        rollouts: rollout::list(&state.pool).await?,
    })
}

/// Starts (or joins) the roll-out of the newest version and runs it in the background.
pub async fn begin_rollout(state: &AppState, caller: &Caller) -> Result<Rollout, AppError> {
    caller.require(Permission::PlatformManage)?;
    let version = storage::latest_version();
    let id = rollout::start(&state.pool, version).await?;
    let pool = state.pool.clone();
    tokio::spawn(async move {
        if let Err(e) = rollout::run(&pool, id, version, None, 4).await {
            tracing::warn!(error = %e, "template roll-out stopped");
        }
    });
    rollout::get(&state.pool, id).await
}
