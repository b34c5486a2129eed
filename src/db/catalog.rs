//! Plans and regions.

use crate::error::AppError;
use crate::model::{Isolation, Plan, Region};
use sqlx::PgExecutor;

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

pub async fn regions(db: impl PgExecutor<'_>) -> Result<Vec<Region>, AppError> {
    Ok(sqlx::query_as!(Region, "select id, name from regions order by sort_order, id").fetch_all(db).await?)
}

pub async fn region_exists(db: impl PgExecutor<'_>, id: &str) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(r#"select exists(select 1 from regions where id = $1) as "e!""#, id).fetch_one(db).await?)
}
