//! Resource types, a tenant's allocations with their limits, their history, and the quota
//! ledger (PRODUCT.md R1-R3, R6).

use crate::error::AppError;
use crate::model::audit::Actor;
use crate::model::resources::{AllocationChange, ChangeSource, Level, Limits, NearLimit};
use crate::model::usage::MetricSource;
use chrono::NaiveDate;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// A resource type with a tenant's allocation (if one was made) and this period's use.
#[derive(Debug, Clone)]
pub struct ResourceRow {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub metric: Option<String>,
    pub source: Option<MetricSource>,
    pub per_period: bool,
    pub default_amount: i64,
    pub limits: Option<Limits>,
    /// Metered use: the period's total (per-period resources) or the latest level.
    pub metered: f64,
    pub consumed: i64,
}

/// Every resource type in display order: (id, name, unit).
pub async fn types(db: impl PgExecutor<'_>) -> Result<Vec<(String, String, String)>, AppError> {
    let rows = sqlx::query!("select id, name, unit from resource_types order by sort_order, id").fetch_all(db).await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name, r.unit)).collect())
}

/// Every resource type, in display order, with the tenant's allocation and use in the
/// period starting `period_start` (the month) — `level_since` bounds where the latest
/// level of a non-period resource is looked for. Always all of them (there are a few):
/// one statement text whose plan PostgreSQL keeps, where filtering on one resource made it
/// plan the statement again on every call (most of the quota check's cost).
pub async fn list(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    period_start: NaiveDate,
    level_since: NaiveDate,
) -> Result<Vec<ResourceRow>, AppError> {
    let rows = sqlx::query!(
        r#"select r.id, r.name, r.unit, r.metric, m.source as "source?: MetricSource", r.per_period, r.default_amount,
                  a.amount as "allocated?", a.soft_limit as "soft_limit?", a.hard_limit as "hard_limit?",
                  coalesce((select case when r.per_period then sum(d.total)
                                        when m.aggregation = 'max' then (array_agg(d.peak order by d.day desc))[1]
                                        else (array_agg(d.last order by d.day desc))[1] end
                            from usage_daily d
                            where d.tenant_id = $1 and d.metric = r.metric
                              and d.day >= case when r.per_period then $2 else $3 end), 0) as "metered!",
                  coalesce(q.consumed, 0) as "consumed!"
           from resource_types r
           left join usage_metrics m on m.id = r.metric
           left join tenant_allocations a on a.tenant_id = $1 and a.resource = r.id
           left join quota_ledger q on q.tenant_id = $1 and q.resource = r.id and q.period_start = $2
           order by r.sort_order, r.id"#,
        tenant,
        period_start,
        level_since,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ResourceRow {
            id: r.id,
            name: r.name,
            unit: r.unit,
            metric: r.metric,
            source: r.source,
            per_period: r.per_period,
            default_amount: r.default_amount,
            limits: limits_of(r.allocated, r.soft_limit, r.hard_limit),
            metered: r.metered,
            consumed: r.consumed,
        })
        .collect())
}

/// Limits from nullable columns (an outer join, or a change without a before).
fn limits_of(allocated: Option<i64>, soft_limit: Option<i64>, hard_limit: Option<i64>) -> Option<Limits> {
    Some(Limits { allocated: allocated?, soft_limit: soft_limit?, hard_limit: hard_limit? })
}

/// Locks the tenant's allocation of a resource for a change and answers it.
pub async fn lock(db: &mut PgConnection, tenant: Uuid, resource: &str) -> Result<Option<Limits>, AppError> {
    Ok(sqlx::query_as!(
        Limits,
        r#"select amount as allocated, soft_limit, hard_limit from tenant_allocations
           where tenant_id = $1 and resource = $2 for update"#,
        tenant,
        resource
    )
    .fetch_optional(db)
    .await?)
}

/// Sets an allocation and records the change, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub async fn change(
    db: &mut PgConnection,
    tenant: Uuid,
    resource: &str,
    before: Option<Limits>,
    after: Limits,
    source: ChangeSource,
    actor: &Actor,
    reason: &str,
) -> Result<i64, AppError> {
    sqlx::query!(
        "insert into tenant_allocations (tenant_id, resource, amount, soft_limit, hard_limit) values ($1, $2, $3, $4, $5)
         on conflict (tenant_id, resource) do update set amount = excluded.amount, soft_limit = excluded.soft_limit,
             hard_limit = excluded.hard_limit, updated_at = now()",
        tenant,
        resource,
        after.allocated,
        after.soft_limit,
        after.hard_limit
    )
    .execute(&mut *db)
    .await?;
    Ok(sqlx::query_scalar!(
        "insert into allocation_changes (tenant_id, resource, before_allocated, before_soft, before_hard,
             allocated, soft_limit, hard_limit, source, actor_kind, actor_id, actor_label, reason)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id",
        tenant,
        resource,
        before.map(|b| b.allocated),
        before.map(|b| b.soft_limit),
        before.map(|b| b.hard_limit),
        after.allocated,
        after.soft_limit,
        after.hard_limit,
        source as ChangeSource,
        actor.kind.as_str(),
        actor.id,
        actor.label,
        reason.trim()
    )
    .fetch_one(db)
    .await?)
}

/// One change of a batch (a worker's round): the allocation after, who and why.
pub struct BatchChange {
    pub tenant: Uuid,
    pub resource: String,
    pub after: Limits,
    pub actor_label: String,
    pub reason: String,
}

/// Locks the allocations a batch will change and answers their current limits (absent:
/// no allocation row yet).
pub async fn lock_many(
    db: &mut PgConnection,
    keys: &[(Uuid, String)],
) -> Result<std::collections::HashMap<(Uuid, String), Limits>, AppError> {
    let rows = sqlx::query!(
        "select a.tenant_id, a.resource, a.amount, a.soft_limit, a.hard_limit
         from tenant_allocations a join unnest($1::uuid[], $2::text[]) as k(tenant_id, resource)
             on a.tenant_id = k.tenant_id and a.resource = k.resource
         order by a.tenant_id, a.resource
         for update of a",
        &keys.iter().map(|k| k.0).collect::<Vec<_>>(),
        &keys.iter().map(|k| k.1.clone()).collect::<Vec<_>>()
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let limits = Limits { allocated: r.amount, soft_limit: r.soft_limit, hard_limit: r.hard_limit };
            ((r.tenant_id, r.resource), limits)
        })
        .collect())
}

/// Sets many allocations and records each change (system actor, one `source`) in two
/// statements. Answers each change's id by (tenant, resource); a batch has at most one
/// change per allocation.
pub async fn change_many(
    db: &mut PgConnection,
    before: &std::collections::HashMap<(Uuid, String), Limits>,
    changes: &[BatchChange],
    source: ChangeSource,
) -> Result<std::collections::HashMap<(Uuid, String), i64>, AppError> {
    if changes.is_empty() {
        return Ok(Default::default());
    }
    let tenants: Vec<Uuid> = changes.iter().map(|c| c.tenant).collect();
    let resources: Vec<String> = changes.iter().map(|c| c.resource.clone()).collect();
    let field = |f: fn(&Limits) -> i64| changes.iter().map(|c| f(&c.after)).collect::<Vec<_>>();
    let was = |f: fn(&Limits) -> i64| {
        changes.iter().map(|c| before.get(&(c.tenant, c.resource.clone())).map(f)).collect::<Vec<_>>()
    };
    sqlx::query!(
        "insert into tenant_allocations (tenant_id, resource, amount, soft_limit, hard_limit)
         select * from unnest($1::uuid[], $2::text[], $3::int8[], $4::int8[], $5::int8[])
         on conflict (tenant_id, resource) do update set amount = excluded.amount, soft_limit = excluded.soft_limit,
             hard_limit = excluded.hard_limit, updated_at = now()",
        &tenants,
        &resources,
        &field(|l| l.allocated),
        &field(|l| l.soft_limit),
        &field(|l| l.hard_limit)
    )
    .execute(&mut *db)
    .await?;
    let rows = sqlx::query!(
        "insert into allocation_changes (tenant_id, resource, before_allocated, before_soft, before_hard,
             allocated, soft_limit, hard_limit, source, actor_kind, actor_label, reason)
         select c.tenant_id, c.resource, c.ba, c.bs, c.bh, c.a, c.s, c.h, $9, 'system', c.label, c.reason
         from unnest($1::uuid[], $2::text[], $3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::int8[],
                     $10::text[], $11::text[]) as c(tenant_id, resource, ba, bs, bh, a, s, h, label, reason)
         returning tenant_id, resource, id",
        &tenants,
        &resources,
        &was(|l| l.allocated) as &[Option<i64>],
        &was(|l| l.soft_limit) as &[Option<i64>],
        &was(|l| l.hard_limit) as &[Option<i64>],
        &field(|l| l.allocated),
        &field(|l| l.soft_limit),
        &field(|l| l.hard_limit),
        source as ChangeSource,
        &changes.iter().map(|c| c.actor_label.clone()).collect::<Vec<_>>(),
        &changes.iter().map(|c| c.reason.clone()).collect::<Vec<_>>()
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| ((r.tenant_id, r.resource), r.id)).collect())
}

/// A resource's changes (or every resource's, without one), newest first.
pub async fn history(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    resource: Option<&str>,
    limit: i64,
) -> Result<Vec<AllocationChange>, AppError> {
    let rows = sqlx::query!(
        r#"select id, resource, before_allocated, before_soft, before_hard, allocated, soft_limit, hard_limit,
                  source as "source: ChangeSource", actor_label, reason, at
           from allocation_changes where tenant_id = $1 and ($2::text is null or resource = $2)
           order by id desc limit $3"#,
        tenant,
        resource,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AllocationChange {
            id: r.id,
            resource: r.resource,
            before: limits_of(r.before_allocated, r.before_soft, r.before_hard),
            after: Limits { allocated: r.allocated, soft_limit: r.soft_limit, hard_limit: r.hard_limit },
            source: r.source,
            actor: r.actor_label,
            reason: r.reason,
            at: r.at,
        })
        .collect())
}

/// Takes `amount` from the period's ledger if `metered` plus what was consumed plus
/// `amount` stays within `hard_limit`; answers the ledger's total after (taken or not).
/// The ledger row's lock orders concurrent callers: a second caller waits, then checks
/// against the first one's total, so the last unit is never given twice.
pub async fn consume(
    db: &mut PgConnection,
    tenant: Uuid,
    resource: &str,
    period_start: NaiveDate,
    metered: f64,
    hard_limit: i64,
    amount: i64,
) -> Result<(bool, i64), AppError> {
    sqlx::query!(
        "insert into quota_ledger (tenant_id, resource, period_start) values ($1, $2, $3) on conflict do nothing",
        tenant,
        resource,
        period_start
    )
    .execute(&mut *db)
    .await?;
    let taken = sqlx::query_scalar!(
        "update quota_ledger set consumed = consumed + $4::bigint, updated_at = now()
         where tenant_id = $1 and resource = $2 and period_start = $3
           and $5::float8 + (consumed + $4::bigint) <= $6::float8
         returning consumed",
        tenant,
        resource,
        period_start,
        amount,
        metered,
        hard_limit as f64
    )
    .fetch_optional(&mut *db)
    .await?;
    match taken {
        Some(total) => Ok((true, total)),
        None => {
            let total = sqlx::query_scalar!(
                "select consumed from quota_ledger where tenant_id = $1 and resource = $2 and period_start = $3",
                tenant,
                resource,
                period_start
            )
            .fetch_one(db)
            .await?;
            Ok((false, total))
        }
    }
}

/// Demo data: every tenant's allocation with room for its generated use (the plan's amount,
/// or more where the use needs it: 1.6 × a level, 1.3 × the month's projected total for a
/// per-month resource), where no allocation was made yet. Answers the rows written.
pub async fn demo_size_to_use(db: impl PgExecutor<'_>) -> Result<u64, AppError> {
    Ok(sqlx::query!(
        "insert into tenant_allocations (tenant_id, resource, amount, soft_limit, hard_limit)
         select tenant_id, resource, amount, (amount * 8 + 9) / 10, amount from (
             select u.tenant_id, u.resource,
                    greatest(u.allocated, ceil(case when r.per_period
                        then u.used / extract(day from now()) * 31 * 1.3 else u.used * 1.6 end)::bigint) as amount
             from resource_use(date_trunc('month', now())::date, current_date - 7) u
             join resource_types r on r.id = u.resource) sized
         on conflict (tenant_id, resource) do nothing"
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// Active tenants whose fullest resource uses at least `share` of its hard limit, fullest
/// first (at most `limit`): (id, name, slug).
pub async fn fullest_tenants(
    db: impl PgExecutor<'_>,
    period_start: NaiveDate,
    level_since: NaiveDate,
    share: f64,
    limit: i64,
) -> Result<Vec<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select u.tenant_id as "tenant_id!"
           from resource_use($1, $2) u join tenants t on t.id = u.tenant_id and t.status = 'active'
           where u.hard_limit > 0
           group by u.tenant_id
           having max(u.used / u.hard_limit) >= $3
           order by max(u.used / u.hard_limit) desc
           limit $4"#,
        period_start,
        level_since,
        share,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// Active tenants' resources whose use is at or over their soft limit, fullest first (at
/// most `limit`). Use as the tab reads it (the `resource_use` function): this month's
/// total for per-period resources, the latest level since `level_since` for the others,
/// plus the quota ledger.
pub async fn near_limits(
    db: impl PgExecutor<'_>,
    period_start: NaiveDate,
    level_since: NaiveDate,
    limit: i64,
) -> Result<Vec<NearLimit>, AppError> {
    let rows = sqlx::query!(
        r#"select t.id as "tenant_id!", t.name as "tenant_name!", t.slug as "tenant_slug!", r.id as "resource!",
                  r.name as "resource_name!", r.unit as "unit!", u.used as "used!", u.allocated as "allocated!",
                  u.soft_limit as "soft_limit!", u.hard_limit as "hard_limit!"
           from resource_use($1, $2) u
           join tenants t on t.id = u.tenant_id
           join resource_types r on r.id = u.resource
           where t.status = 'active' and u.used > 0 and u.used >= u.soft_limit
           order by case when u.hard_limit > 0 then u.used / u.hard_limit else 1e9 end desc, t.name, r.id
           limit $3"#,
        period_start,
        level_since,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| NearLimit {
            level: Level::of(r.used, r.soft_limit, r.hard_limit),
            tenant_id: r.tenant_id,
            tenant_name: r.tenant_name,
            tenant_slug: r.tenant_slug,
            resource: r.resource,
            resource_name: r.resource_name,
            unit: r.unit,
            used: r.used,
            limits: Limits { allocated: r.allocated, soft_limit: r.soft_limit, hard_limit: r.hard_limit },
        })
        .collect())
}
