//! Resources given to a tenant (`tenant_allocations`): from its plan at provisioning,
//! adjusted in the wizard.

use crate::error::AppError;
use sqlx::PgExecutor;
use uuid::Uuid;

/// The hard limit of a tenant's allocation of a resource (use is refused beyond it), if it
/// has an allocation for it.
pub async fn hard_limit(db: impl PgExecutor<'_>, tenant: Uuid, resource: &str) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar!(
        "select hard_limit from tenant_allocations where tenant_id = $1 and resource = $2",
        tenant,
        resource
    )
    .fetch_optional(db)
    .await?)
}

/// Sets the allocation made at provisioning, with the default limits (soft 80 %, hard 100 %);
/// later changes go through `db::resources::change`, which keeps their history.
pub async fn set(db: impl PgExecutor<'_>, tenant: Uuid, resource: &str, amount: i64) -> Result<(), AppError> {
    sqlx::query!(
        "insert into tenant_allocations (tenant_id, resource, amount, soft_limit, hard_limit)
         values ($1, $2, $3::bigint, ($3::bigint * 8 + 9) / 10, $3::bigint)
         on conflict (tenant_id, resource) do update set amount = excluded.amount, soft_limit = excluded.soft_limit,
             hard_limit = excluded.hard_limit, updated_at = now()",
        tenant,
        resource,
        amount,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_all(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<u64, AppError> {
    Ok(sqlx::query!("delete from tenant_allocations where tenant_id = $1", tenant).execute(db).await?.rows_affected())
}

/// Every allocation of the tenant with its limits, by resource.
pub async fn all(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
) -> Result<std::collections::BTreeMap<String, crate::model::resources::Limits>, AppError> {
    let rows = sqlx::query!(
        "select resource, amount, soft_limit, hard_limit from tenant_allocations where tenant_id = $1",
        tenant
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let limits = crate::model::resources::Limits {
                allocated: r.amount,
                soft_limit: r.soft_limit,
                hard_limit: r.hard_limit,
            };
            (r.resource, limits)
        })
        .collect())
}

/// Removes one allocation (the resource falls back to what the plan includes).
pub async fn delete(db: impl PgExecutor<'_>, tenant: Uuid, resource: &str) -> Result<bool, AppError> {
    Ok(sqlx::query!("delete from tenant_allocations where tenant_id = $1 and resource = $2", tenant, resource)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}
