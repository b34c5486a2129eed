//! Queries on `feature_flags` and `tenant_feature_overrides`: the inputs of the flag rule
//! (`model::flags::resolve`) for a tenant, overrides and kill switches.

use crate::error::AppError;
use crate::model::flags::FlagInfo;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// One flag's inputs for a tenant: what its plan says, its override and the kill switch.
pub struct FlagRow {
    pub flag: String,
    pub description: String,
    pub in_plan: bool,
    pub override_enabled: Option<bool>,
    pub override_reason: Option<String>,
    pub killed: bool,
    pub killed_reason: Option<String>,
    pub version: i64,
}

/// Every flag's inputs for `tenant` (or only `flag`), by key; none when there is no such tenant.
pub async fn for_tenant(db: impl PgExecutor<'_>, tenant: Uuid, flag: Option<&str>) -> Result<Vec<FlagRow>, AppError> {
    Ok(sqlx::query_as!(
        FlagRow,
        r#"select f.key as "flag!", f.description as "description!",
                  (f.key = any (p.features)) as "in_plan!", o.enabled as "override_enabled?",
                  o.reason as "override_reason?", f.killed as "killed!", f.killed_reason,
                  greatest(f.version, p.features_version, coalesce(o.version, 0)) as "version!"
           from tenants t
           join plans p on p.id = t.plan_id
           cross join feature_flags f
           left join tenant_feature_overrides o on o.tenant_id = t.id and o.flag = f.key
           where t.id = $1 and ($2::text is null or f.key = $2)
           order by f.key"#,
        tenant,
        flag
    )
    .fetch_all(db)
    .await?)
}

pub async fn exists(db: impl PgExecutor<'_>, flag: &str) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!("select 1 as one from feature_flags where key = $1", flag)
        .fetch_optional(db)
        .await?
        .is_some())
}

/// Makes sure each key is a flag (a plan or a tenant may name a new one).
pub async fn ensure(db: impl PgExecutor<'_>, keys: &[String]) -> Result<(), AppError> {
    sqlx::query!("insert into feature_flags (key) select unnest($1::text[]) on conflict (key) do nothing", keys)
        .execute(db)
        .await?;
    Ok(())
}

/// Sets (or replaces) the tenant's override.
pub async fn set_override(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    flag: &str,
    enabled: bool,
    reason: &str,
    by: &str,
) -> Result<(), AppError> {
    sqlx::query!(
        r#"insert into tenant_feature_overrides (tenant_id, flag, enabled, reason, set_by)
           values ($1, $2, $3, $4, $5)
           on conflict (tenant_id, flag) do update
           set enabled = excluded.enabled, reason = excluded.reason, set_by = excluded.set_by,
               set_at = now(), version = nextval('feature_changes')"#,
        tenant,
        flag,
        enabled,
        reason,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Removes the tenant's override; answers whether there was one.
pub async fn clear_override(db: impl PgExecutor<'_>, tenant: Uuid, flag: &str) -> Result<bool, AppError> {
    Ok(sqlx::query!("delete from tenant_feature_overrides where tenant_id = $1 and flag = $2", tenant, flag)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

/// Turns a flag's kill switch on (with why and who) or off; answers whether it changed.
pub async fn set_killed(
    db: impl PgExecutor<'_>,
    flag: &str,
    killed: bool,
    reason: &str,
    by: &str,
) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        r#"update feature_flags
           set killed = $2,
               killed_reason = case when $2 then $3 end, killed_by = case when $2 then $4 end,
               killed_at = case when $2 then now() end, version = nextval('feature_changes')
           where key = $1 and killed is distinct from $2"#,
        flag,
        killed,
        reason,
        by
    )
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}

struct InfoRow {
    flag: String,
    description: String,
    killed: bool,
    killed_reason: Option<String>,
    killed_by: Option<String>,
    killed_at: Option<DateTime<Utc>>,
    plans: Vec<String>,
    overrides: i64,
}

/// Every flag across the platform (or only `flag`), with the plans that include it and
/// the number of tenant overrides.
pub async fn catalog(db: impl PgExecutor<'_>, flag: Option<&str>) -> Result<Vec<FlagInfo>, AppError> {
    let rows = sqlx::query_as!(
        InfoRow,
        r#"select f.key as "flag!", f.description as "description!", f.killed as "killed!", f.killed_reason,
                  f.killed_by, f.killed_at,
                  array(select p.id from plans p where f.key = any (p.features) order by p.sort_order) as "plans!",
                  (select count(*) from tenant_feature_overrides o where o.flag = f.key) as "overrides!"
           from feature_flags f
           where $1::text is null or f.key = $1
           order by f.key"#,
        flag
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| FlagInfo {
            flag: r.flag,
            description: r.description,
            killed: r.killed,
            killed_reason: r.killed_reason,
            killed_by: r.killed_by,
            killed_at: r.killed_at,
            plans: r.plans,
            overrides: r.overrides,
        })
        .collect())
}
