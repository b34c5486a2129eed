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
    sqlx::query("select 1 from plans where id = $1 for update").bind(&plan.id).fetch_optional(&mut *tx).await?;
    let before =
        db::catalog::plan(&mut *tx, &plan.id).await?.ok_or_else(|| AppError::not_found("No plan has that id."))?;
    if before == plan {
        return Ok(before);
    }
    sqlx::query(
        "update plans set name = $2, description = $3, monthly_price_cents = $4, default_isolation = $5,
                max_users = $6, storage_gb = $7, bandwidth_gb = $8, api_calls_per_month = $9,
                custom_domains = $10, projects = $11, features = $12, updated_at = now()
          where id = $1",
    )
    .bind(&plan.id)
    .bind(&plan.name)
    .bind(&plan.description)
    .bind(plan.monthly_price_cents)
    .bind(plan.default_isolation.as_str())
    .bind(plan.max_users)
    .bind(plan.storage_gb)
    .bind(plan.bandwidth_gb)
    .bind(plan.api_calls_per_month)
    .bind(plan.custom_domains)
    .bind(plan.projects)
    .bind(&plan.features)
    .execute(&mut *tx)
    .await?;
    NewEvent::new("plan.updated", "plan", plan.id.clone())
        .before(json!(before))
        .after(json!(plan))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    Ok(plan)
}
