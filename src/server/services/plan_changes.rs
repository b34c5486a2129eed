//! Plan changes (PRODUCT.md P5): a platform administrator moves an active tenant to
//! another plan. The request checks that the tenant's current use fits the new plan (a
//! downgrade that doesn't is refused, naming each resource) and queues the `change_plan`
//! workflow, whose steps check again, snapshot, apply and verify, and restore the
//! snapshot if a step fails for good (`server::workflow::plan_change`).

use crate::db::{self, audit::NewEvent};
use crate::error::{AppError, FieldErrors};
use crate::model::plan_change::{misfit_message, misfits, Use};
use crate::model::{messages, Permission, Plan, PlanChangeInput, Tenant, TenantStatus, WorkflowKind, WorkflowRun};
use crate::server::access::Caller;
use crate::server::services::workflows;
use crate::server::state::AppState;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

/// The tenant's current use of every resource, as its Resources tab shows it: this
/// month's total for per-month resources, the latest level for the others, plus what
/// services consumed through the quota API this month.
pub async fn current_use(db: &mut PgConnection, tenant: Uuid) -> Result<Vec<Use>, AppError> {
    let rows = super::resources::use_rows(&mut *db, tenant).await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name, r.unit, r.metered + r.consumed as f64)).collect())
}

/// The plan called `id` (422 on the `plan` field when there is none).
pub async fn plan_named(db: &mut PgConnection, id: &str) -> Result<Plan, AppError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(AppError::invalid("plan", "Choose the plan to move to."));
    }
    db::catalog::plan(&mut *db, id).await?.ok_or_else(|| {
        let shown: String = id.chars().take(60).collect();
        AppError::invalid("plan", format!("There is no plan called \u{201c}{shown}\u{201d}."))
    })
}

/// Whether the tenant's current use fits `plan`: 409 naming every resource that doesn't,
/// with a field per resource (its id) saying by how much.
pub async fn check_fit(db: &mut PgConnection, tenant: Uuid, plan: &Plan) -> Result<(), AppError> {
    let over = misfits(plan, &current_use(db, tenant).await?);
    if over.is_empty() {
        return Ok(());
    }
    let fields: FieldErrors = over.iter().map(|m| (m.resource.clone(), m.describe(&plan.name))).collect();
    Err(AppError::Conflict { message: misfit_message(&plan.name, &over), fields })
}

/// Everything a plan change needs of the tenant as it stands: active, on another plan, and
/// its use fits the new one. Answers the new plan.
pub async fn check(db: &mut PgConnection, t: &Tenant, plan: &str) -> Result<Plan, AppError> {
    let plan = plan_named(db, plan).await?;
    if plan.id == t.plan {
        return Err(AppError::conflict_on("plan", format!("{} is already on the {} plan.", t.name, plan.name)));
    }
    if t.status != TenantStatus::Active {
        return Err(AppError::conflict(format!(
            "Only an active tenant can change plan; {} is {}.",
            t.name,
            t.status.label().to_lowercase()
        )));
    }
    check_fit(db, t.id, &plan).await?;
    Ok(plan)
}

/// Starts a plan change: checks it (422/409 as `check` says, 409 while another workflow
/// of the tenant runs), queues the workflow with its audit event, and answers the run as
/// queued (the workers carry it out; the tenant's Workflows tab shows it live).
pub async fn start(state: &AppState, caller: &Caller, id: Uuid, plan: &str) -> Result<WorkflowRun, AppError> {
    caller.require_on(id, Permission::TenantLifecycle)?;
    let actor = caller.actor();
    let mut tx = state.pool.begin().await?;
    if !db::tenants::lock(&mut *tx, id).await? {
        return Err(AppError::not_found(messages::NO_TENANT));
    }
    let t = db::tenants::by_id(&mut *tx, id).await?.ok_or_else(|| AppError::not_found(messages::NO_TENANT))?;
    let plan = check(&mut tx, &t, plan).await?;
    if db::workflows::open_for_tenant(&mut *tx, id).await?.is_some() {
        return Err(AppError::conflict(messages::RUN_OPEN));
    }
    let input = serde_json::to_value(PlanChangeInput { plan: plan.id.clone() })
        .map_err(|e| AppError::internal("plan change input", e))?;
    let run = db::workflows::enqueue(&mut tx, &actor, WorkflowKind::ChangePlan, id, input).await?;
    NewEvent::about_tenant(id, "tenant.plan_change_requested")
        .change(json!({ "plan": t.plan }), json!({ "plan": plan.id, "run_id": run }))
        .record(&mut *tx, &actor)
        .await?;
    tx.commit().await?;
    tracing::info!(tenant = %t.slug, from = %t.plan, to = %plan.id, %run, "plan change queued");
    workflows::get(&state.pool, caller, run).await
}
