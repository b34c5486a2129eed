//! Plans and regions.

use crate::error::AppError;
use crate::model::{Isolation, Plan, Region};
use sqlx::PgExecutor;
use uuid::Uuid;

pub async fn plans(db: impl PgExecutor<'_>) -> Result<Vec<Plan>, AppError> {
    Ok(sqlx::query_as!(
        Plan,
        r#"select id, name, description, monthly_price_cents,
                  default_isolation as "default_isolation: Isolation",
                  max_users, storage_gb, bandwidth_gb, api_calls_per_month, custom_domains,
                  projects, features
           from plans order by sort_order, id"#
    )
    .fetch_all(db)
    .await?)
}

/// One plan; there are only a handful, so this reads them all.
pub async fn plan(db: impl PgExecutor<'_>, id: &str) -> Result<Option<Plan>, AppError> {
    Ok(plans(db).await?.into_iter().find(|p| p.id == id))
}

pub async fn lock_plan(db: impl PgExecutor<'_>, id: &str) -> Result<(), AppError> {
    sqlx::query!("select 1 as one from plans where id = $1 for update", id).fetch_optional(db).await?;
    Ok(())
}

pub async fn update_plan(db: impl PgExecutor<'_>, plan: &Plan) -> Result<(), AppError> {
    sqlx::query!(
        "update plans set name = $2, description = $3, monthly_price_cents = $4, default_isolation = $5,
                max_users = $6, storage_gb = $7, bandwidth_gb = $8, api_calls_per_month = $9,
                custom_domains = $10, projects = $11, features = $12, updated_at = now()
          where id = $1",
        plan.id,
        plan.name,
        plan.description,
        plan.monthly_price_cents,
        plan.default_isolation.as_str(),
        plan.max_users,
        plan.storage_gb,
        plan.bandwidth_gb,
        plan.api_calls_per_month,
        plan.custom_domains,
        plan.projects,
        &plan.features,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Requests per second and burst a tenant's plan gives its API keys (10 and 20 when the
/// plan has no row), and how many instances are alive to share them.
pub async fn rate_limit(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<(i32, i32, i64), AppError> {
    let row = sqlx::query!(
        r#"select coalesce(r.per_second, 10) as "per_second!", coalesce(r.burst, 20) as "burst!",
                  (select count(distinct instance_id) from worker_heartbeats
                   where status <> 'stopped' and beat_at > now() - stale_after_ms * interval '1 millisecond') as "instances!"
           from tenants t left join plan_rate_limits r on r.plan_id = t.plan_id
           where t.id = $1"#,
        tenant
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.per_second, r.burst, r.instances)).unwrap_or((10, 20, 1)))
}

pub async fn regions(db: impl PgExecutor<'_>) -> Result<Vec<Region>, AppError> {
    Ok(sqlx::query_as!(Region, "select id, name from regions order by sort_order, id").fetch_all(db).await?)
}

pub async fn region_exists(db: impl PgExecutor<'_>, id: &str) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(r#"select exists(select 1 from regions where id = $1) as "e!""#, id).fetch_one(db).await?)
}
