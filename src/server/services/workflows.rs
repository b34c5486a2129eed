//! Workflow runs as people see and steer them (PRODUCT.md P4): a tenant's runs, every run
//! the caller may see, one run, retry and discard; and terminated tenants' exports.

use crate::db;
use crate::db::audit::NewEvent;
use crate::error::AppError;
use crate::model::messages;
use crate::model::{
    ExportInfo, LifecycleAction, Permission, Rollout, RunStatus, TemplateStatus, WorkflowKind, WorkflowRun,
};
use crate::server::access::Caller;
use crate::server::services::privacy;
use crate::server::state::AppState;
use crate::server::storage;
use sqlx::PgPool;
use uuid::Uuid;

fn not_found() -> AppError {
    AppError::not_found(messages::NO_RUN)
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
    db::workflows::reset_for_retry(&mut tx, id).await?;
    NewEvent::new("workflow.retried", "workflow", id)
        .in_tenant(run.tenant_id)
        .before(serde_json::json!({ "status": run.status, "error": run.error }))
        .after(serde_json::json!({ "kind": run.kind }))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    state.drive(id, std::time::Duration::from_secs(20)).await?;
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
    if !db::workflows::discard(&state.pool, id).await? {
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
    db::exports::list(pool, tenant).await
}

/// (file name, bytes) of one export.
pub async fn export_file(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    id: Uuid,
) -> Result<(String, Vec<u8>), AppError> {
    caller.require_on(tenant, Permission::TenantLifecycle)?;
    db::exports::file(pool, tenant, id).await?.ok_or_else(|| AppError::not_found(messages::NO_EXPORT))
}

/// The tenant template: the newest version, where schema tenants are, and roll-outs.
pub async fn template_status(state: &AppState, caller: &Caller) -> Result<TemplateStatus, AppError> {
    caller.require(Permission::PlatformManage)?;
    Ok(TemplateStatus {
        latest_version: storage::latest_version(),
        tenants_by_version: db::rollouts::tenants_by_version(&state.pool).await?,
        rollouts: db::rollouts::list(&state.pool).await?,
    })
}

/// Starts (or joins) the roll-out of the newest version; the roll-out worker carries it
/// out (on every instance, sharing the tenants).
pub async fn begin_rollout(state: &AppState, caller: &Caller) -> Result<Rollout, AppError> {
    caller.require(Permission::PlatformManage)?;
    let version = storage::latest_version();
    let mut tx = state.pool.begin().await?;
    let id = db::rollouts::start(&mut tx, version).await?;
    tx.commit().await?;
    db::rollouts::get(&state.pool, id).await
}
