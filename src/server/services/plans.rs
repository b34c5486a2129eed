//! Plans as operators edit them (PRODUCT.md P2). A change applies to tenants provisioned
//! afterwards; existing tenants keep the allocations they were given.

use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::{Permission, Plan};
use crate::server::access::Caller;
use serde_json::json;
use sqlx::PgPool;

pub async fn update(pool: &PgPool, caller: &Caller, id: &str, mut plan: Plan) -> Result<Plan, AppError> {
    caller.require(Permission::PlatformManage)?;
    plan.id = id.trim().to_string();
    plan.name = plan.name.trim().to_string();
    plan.description = plan.description.trim().to_string();
    plan.features.sort();
    plan.features.dedup();
    let errors = plan.check();
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let mut tx = pool.begin().await?;
    db::catalog::lock_plan(&mut *tx, &plan.id).await?;
    let before =
        db::catalog::plan(&mut *tx, &plan.id).await?.ok_or_else(|| AppError::not_found("No plan has that id."))?;
    if before == plan {
        return Ok(before);
    }
    db::catalog::update_plan(&mut *tx, &plan).await?;
    NewEvent::new("plan.updated", "plan", plan.id.clone())
        .before(json!(before))
        .after(json!(plan))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    Ok(plan)
}
