//! Auto-scaling policies, their evaluation state and their decisions (PRODUCT.md R4).

use crate::error::AppError;
use crate::model::policy::*;
use crate::model::resources::Limits;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

struct Row {
    id: i64,
    tenant_id: Uuid,
    resource: String,
    name: String,
    metric: PolicyMetric,
    operator: Operator,
    threshold: f64,
    for_secs: i32,
    action: PolicyAction,
    amount: f64,
    min_allocated: i64,
    max_allocated: i64,
    priority: i32,
    cooldown_secs: i32,
    enabled: bool,
    shadow: bool,
    holding_since: Option<DateTime<Utc>>,
    last_action_at: Option<DateTime<Utc>>,
    last_outcome: Option<DecisionOutcome>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Policy {
    fn from(r: Row) -> Policy {
        Policy {
            id: r.id,
            tenant_id: r.tenant_id,
            spec: PolicySpec {
                resource: r.resource,
                name: r.name,
                metric: r.metric,
                operator: r.operator,
                threshold: r.threshold,
                for_secs: r.for_secs,
                action: r.action,
                amount: r.amount,
                min_allocated: r.min_allocated,
                max_allocated: r.max_allocated,
                priority: r.priority,
                cooldown_secs: r.cooldown_secs,
                enabled: r.enabled,
                shadow: r.shadow,
            },
            state: PolicyState {
                holding_since: r.holding_since,
                last_action_at: r.last_action_at,
                last_outcome: r.last_outcome,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A tenant's policies (or one of them), by resource and priority.
pub async fn list(db: impl PgExecutor<'_>, tenant: Uuid, id: Option<i64>) -> Result<Vec<Policy>, AppError> {
    let rows = sqlx::query_as!(
        Row,
        r#"select id, tenant_id, resource, name, metric as "metric: PolicyMetric", operator as "operator: Operator",
                  threshold, for_secs, action as "action: PolicyAction", amount, min_allocated, max_allocated,
                  priority, cooldown_secs, enabled, shadow, holding_since, last_action_at,
                  last_outcome as "last_outcome: DecisionOutcome", created_at, updated_at
           from scaling_policies where tenant_id = $1 and ($2::bigint is null or id = $2)
           order by resource, priority, id"#,
        tenant,
        id
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Policy::from).collect())
}

pub async fn get(db: impl PgExecutor<'_>, tenant: Uuid, id: i64) -> Result<Option<Policy>, AppError> {
    Ok(list(db, tenant, Some(id)).await?.into_iter().next())
}

pub async fn insert(db: impl PgExecutor<'_>, tenant: Uuid, s: &PolicySpec) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into scaling_policies (tenant_id, resource, name, metric, operator, threshold, for_secs, action, amount,
             min_allocated, max_allocated, priority, cooldown_secs, enabled, shadow)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) returning id",
        tenant,
        s.resource,
        s.name.trim(),
        s.metric as PolicyMetric,
        s.operator as Operator,
        s.threshold,
        s.for_secs,
        s.action as PolicyAction,
        s.amount,
        s.min_allocated,
        s.max_allocated,
        s.priority,
        s.cooldown_secs,
        s.enabled,
        s.shadow
    )
    .fetch_one(db)
    .await?)
}

/// Replaces a policy; its evaluation starts afresh (the condition must hold anew), but
/// the last action still counts for the cooldown. False when there is no such policy.
pub async fn update(db: impl PgExecutor<'_>, tenant: Uuid, id: i64, s: &PolicySpec) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "update scaling_policies set resource = $3, name = $4, metric = $5, operator = $6, threshold = $7,
             for_secs = $8, action = $9, amount = $10, min_allocated = $11, max_allocated = $12, priority = $13,
             cooldown_secs = $14, enabled = $15, shadow = $16, holding_since = null, last_outcome = null,
             updated_at = now()
         where tenant_id = $1 and id = $2",
        tenant,
        id,
        s.resource,
        s.name.trim(),
        s.metric as PolicyMetric,
        s.operator as Operator,
        s.threshold,
        s.for_secs,
        s.action as PolicyAction,
        s.amount,
        s.min_allocated,
        s.max_allocated,
        s.priority,
        s.cooldown_secs,
        s.enabled,
        s.shadow
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Deletes a policy and its decisions.
pub async fn delete(db: impl PgExecutor<'_>, tenant: Uuid, id: i64) -> Result<bool, AppError> {
    Ok(sqlx::query!("delete from scaling_policies where tenant_id = $1 and id = $2", tenant, id)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

/// Decisions, newest first: one policy's, or every policy's of the tenant.
pub async fn decisions(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    policy: Option<i64>,
    limit: i64,
) -> Result<Vec<Decision>, AppError> {
    Ok(sqlx::query_as!(
        Decision,
        r#"select policy_id, at, used, value, allocated_before, allocated_after, outcome as "outcome: DecisionOutcome"
           from policy_decisions where tenant_id = $1 and ($2::bigint is null or policy_id = $2)
           order by id desc limit $3"#,
        tenant,
        policy,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// An enabled policy of an active tenant with its resource's current use and limits.
pub struct Due {
    pub policy: Policy,
    pub used: f64,
    pub limits: Limits,
}

/// Every enabled policy of an active tenant whose resource has an allocation, ordered so
/// one resource's policies are together, highest priority first; with the resource's use
/// and limits (`resource_use`). Two reads, whatever the number of tenants.
pub async fn due(db: &mut PgConnection, period_start: NaiveDate, level_since: NaiveDate) -> Result<Vec<Due>, AppError> {
    let policies = sqlx::query_as!(
        Row,
        r#"select p.id, p.tenant_id, p.resource, p.name, p.metric as "metric: PolicyMetric",
                  p.operator as "operator: Operator", p.threshold, p.for_secs, p.action as "action: PolicyAction",
                  p.amount, p.min_allocated, p.max_allocated, p.priority, p.cooldown_secs, p.enabled, p.shadow,
                  p.holding_since, p.last_action_at, p.last_outcome as "last_outcome: DecisionOutcome", p.created_at,
                  p.updated_at
           from scaling_policies p join tenants t on t.id = p.tenant_id and t.status = 'active'
           where p.enabled
           order by p.tenant_id, p.resource, p.priority, p.id"#
    )
    .fetch_all(&mut *db)
    .await?;
    if policies.is_empty() {
        return Ok(Vec::new());
    }
    let uses = sqlx::query!(
        r#"select u.tenant_id as "tenant_id!", u.resource as "resource!", u.used as "used!",
                  u.allocated as "allocated!", u.soft_limit as "soft_limit!", u.hard_limit as "hard_limit!"
           from resource_use($1, $2) u
           where exists (select 1 from scaling_policies p
                         where p.enabled and p.tenant_id = u.tenant_id and p.resource = u.resource)"#,
        period_start,
        level_since
    )
    .fetch_all(db)
    .await?;
    let by_key: std::collections::HashMap<(Uuid, String), (f64, Limits)> = uses
        .into_iter()
        .map(|u| {
            let limits = Limits { allocated: u.allocated, soft_limit: u.soft_limit, hard_limit: u.hard_limit };
            ((u.tenant_id, u.resource), (u.used, limits))
        })
        .collect();
    Ok(policies
        .into_iter()
        .filter_map(|r| {
            let (used, limits) = *by_key.get(&(r.tenant_id, r.resource.clone()))?;
            Some(Due { policy: r.into(), used, limits })
        })
        .collect())
}

/// A decision to log and the policy's state after it.
pub struct Evaluated {
    pub tenant: Uuid,
    pub policy: i64,
    pub decision: Option<Decision>,
    pub state: PolicyState,
}

/// Writes a round's results in two statements: the decisions, and the states that changed.
pub async fn record(db: &mut PgConnection, round: &[Evaluated]) -> Result<(), AppError> {
    let logged: Vec<(Uuid, &Decision)> =
        round.iter().filter_map(|e| e.decision.as_ref().map(|d| (e.tenant, d))).collect();
    if !logged.is_empty() {
        let outcomes: Vec<&str> = logged.iter().map(|(_, d)| d.outcome.as_str()).collect();
        sqlx::query!(
            "insert into policy_decisions (tenant_id, policy_id, at, used, value, allocated_before, allocated_after, outcome)
             select * from unnest($1::uuid[], $2::int8[], $3::timestamptz[], $4::float8[], $5::float8[], $6::int8[],
                                  $7::int8[], $8::text[])",
            &logged.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            &logged.iter().map(|(_, d)| d.policy_id).collect::<Vec<_>>(),
            &logged.iter().map(|(_, d)| d.at).collect::<Vec<_>>(),
            &logged.iter().map(|(_, d)| d.used).collect::<Vec<_>>(),
            &logged.iter().map(|(_, d)| d.value).collect::<Vec<_>>(),
            &logged.iter().map(|(_, d)| d.allocated_before).collect::<Vec<_>>(),
            &logged.iter().map(|(_, d)| d.allocated_after).collect::<Vec<_>>() as &[Option<i64>],
            &outcomes as &[&str]
        )
        .execute(&mut *db)
        .await?;
    }
    if round.is_empty() {
        return Ok(());
    }
    let (tenants, ids): (Vec<Uuid>, Vec<i64>) = round.iter().map(|e| (e.tenant, e.policy)).unzip();
    sqlx::query!(
        "update scaling_policies p set holding_since = s.holding_since, last_action_at = s.last_action_at,
             last_outcome = s.last_outcome
         from unnest($1::uuid[], $2::int8[], $3::timestamptz[], $4::timestamptz[], $5::text[])
             as s(tenant_id, id, holding_since, last_action_at, last_outcome)
         where p.tenant_id = s.tenant_id and p.id = s.id",
        &tenants,
        &ids,
        &round.iter().map(|e| e.state.holding_since).collect::<Vec<_>>() as &[Option<DateTime<Utc>>],
        &round.iter().map(|e| e.state.last_action_at).collect::<Vec<_>>() as &[Option<DateTime<Utc>>],
        &round.iter().map(|e| e.state.last_outcome.map(DecisionOutcome::as_str)).collect::<Vec<_>>()
            as &[Option<&str>]
    )
    .execute(db)
    .await?;
    Ok(())
}
