//! Auto-scaling policies (PRODUCT.md R4): managing them, the `scaling-policies` worker
//! that evaluates every enabled one each round, and trying one on the last 30 days.
//! `model::policy::decide` makes every decision, live and simulated alike.

use super::resources as resources_svc;
use super::resources::LEVEL_DAYS;
use super::usage::periods::month_bounds;
use crate::db;
use crate::db::audit::NewEvent;
use crate::db::policies::Evaluated;
use crate::error::AppError;
use crate::model::policy::*;
use crate::model::resources::ChangeSource;
use crate::model::{Actor, Permission};
use crate::server::access::Caller;
use crate::server::state::AppState;
use chrono::{DateTime, Datelike, Duration, Utc};
use futures_util::FutureExt;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Decisions a list answers at most.
const DECISIONS_MAX: i64 = 200;
/// Policies a tenant may have.
const POLICIES_MAX: usize = 50;
/// How far back the simulator replays.
const SIMULATE_DAYS: i64 = 30;

fn no_policy() -> AppError {
    AppError::not_found("There is no such policy.")
}

pub async fn list(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<Vec<Policy>, AppError> {
    caller.require_on(tenant, Permission::UsageRead)?;
    db::policies::list(pool, tenant, None).await
}

/// The spec's own rules, that its resource exists, and (for owners and admins) that its
/// maximum stays within what the plan includes.
async fn check(pool: &PgPool, caller: &Caller, tenant: Uuid, spec: &PolicySpec) -> Result<(), AppError> {
    let mut errors = spec.validate().err().unwrap_or_default();
    match resources_svc::one(pool, tenant, &spec.resource).await {
        Ok((row, _, plan_amount)) => {
            if !caller.is_platform_admin() && spec.max_allocated > plan_amount {
                errors.entry("max_allocated".into()).or_insert(format!(
                    "The plan includes up to {plan_amount} {}; beyond that a platform administrator must set it.",
                    row.unit
                ));
            }
        }
        Err(AppError::NotFound(msg)) => {
            errors.insert("resource".into(), msg);
        }
        Err(e) => return Err(e),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

fn trimmed(spec: &PolicySpec) -> PolicySpec {
    PolicySpec { resource: spec.resource.trim().to_string(), name: spec.name.trim().to_string(), ..spec.clone() }
}

pub async fn create(pool: &PgPool, caller: &Caller, tenant: Uuid, spec: &PolicySpec) -> Result<Policy, AppError> {
    caller.require_on(tenant, Permission::ResourcesManage)?;
    let spec = trimmed(spec);
    check(pool, caller, tenant, &spec).await?;
    let mut tx = pool.begin().await?;
    // The tenant row's lock serialises creators, so the count can't be raced past.
    db::tenants::lock(&mut *tx, tenant).await?;
    if db::policies::list(&mut *tx, tenant, None).await?.len() >= POLICIES_MAX {
        return Err(AppError::conflict(format!("A tenant has at most {POLICIES_MAX} policies; delete one first.")));
    }
    let id = db::policies::insert(&mut *tx, tenant, &spec).await?;
    NewEvent::new("policy.created", "policy", id.to_string())
        .in_tenant(tenant)
        .after(json!(spec))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    db::policies::get(pool, tenant, id).await?.ok_or_else(no_policy)
}

/// Replaces a policy (its evaluation starts afresh).
pub async fn replace(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    id: i64,
    spec: &PolicySpec,
) -> Result<Policy, AppError> {
    caller.require_on(tenant, Permission::ResourcesManage)?;
    let spec = trimmed(spec);
    let before = db::policies::get(pool, tenant, id).await?.ok_or_else(no_policy)?;
    check(pool, caller, tenant, &spec).await?;
    let mut tx = pool.begin().await?;
    if !db::policies::update(&mut *tx, tenant, id, &spec).await? {
        return Err(no_policy());
    }
    NewEvent::new("policy.updated", "policy", id.to_string())
        .in_tenant(tenant)
        .before(json!(before.spec))
        .after(json!(spec))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    db::policies::get(pool, tenant, id).await?.ok_or_else(no_policy)
}

/// Deletes a policy with its decisions.
pub async fn delete(pool: &PgPool, caller: &Caller, tenant: Uuid, id: i64) -> Result<(), AppError> {
    caller.require_on(tenant, Permission::ResourcesManage)?;
    let mut tx = pool.begin().await?;
    let before = db::policies::get(&mut *tx, tenant, id).await?.ok_or_else(no_policy)?;
    db::policies::delete(&mut *tx, tenant, id).await?;
    NewEvent::new("policy.deleted", "policy", id.to_string())
        .in_tenant(tenant)
        .before(json!(before.spec))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// One policy's decisions (or, without one, every policy's), newest first.
pub async fn decisions(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    policy: Option<i64>,
) -> Result<Vec<Decision>, AppError> {
    caller.require_on(tenant, Permission::UsageRead)?;
    if let Some(id) = policy {
        db::policies::get(pool, tenant, id).await?.ok_or_else(no_policy)?;
    }
    db::policies::decisions(pool, tenant, policy, DECISIONS_MAX).await
}

/// Replays the last 30 days of the resource's hourly use through the policy, from its
/// current allocation, as if it had been enabled (and not in shadow mode).
pub async fn simulate(pool: &PgPool, caller: &Caller, tenant: Uuid, id: i64) -> Result<Simulation, AppError> {
    caller.require_on(tenant, Permission::UsageRead)?;
    let policy = db::policies::get(pool, tenant, id).await?.ok_or_else(no_policy)?;
    let (row, limits, _) = resources_svc::one(pool, tenant, &policy.spec.resource).await?;
    let from = Utc::now() - Duration::days(SIMULATE_DAYS);
    let series = match &row.metric {
        Some(metric) => db::usage::reads::hourly(pool, tenant, metric, from).await?,
        None => Vec::new(),
    };
    let series = if row.per_period { month_to_date(&series) } else { series };
    Ok(crate::model::policy::simulate(id, &policy.spec, &series, limits.allocated))
}

/// Hourly amounts of a per-month resource as use so far in each month.
fn month_to_date(series: &[(DateTime<Utc>, f64)]) -> Vec<(DateTime<Utc>, f64)> {
    let mut out = Vec::with_capacity(series.len());
    let mut month = None;
    let mut sum = 0.0;
    for &(at, v) in series {
        let m = (at.year(), at.month());
        if month != Some(m) {
            month = Some(m);
            sum = 0.0;
        }
        sum += v;
        out.push((at, sum));
    }
    out
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub evaluated: usize,
    pub logged: usize,
    pub scaled: usize,
}

/// One round of the `scaling-policies` worker, under an advisory lock so instances never
/// evaluate at once (each evaluation happens once).
pub async fn evaluate(state: &AppState) -> Result<Round, AppError> {
    let round = crate::server::workers::exclusive(&state.pool, "scaling-policies", |conn| {
        async move { evaluate_in(conn, Utc::now()).await }.boxed()
    })
    .await?;
    Ok(round.unwrap_or_default())
}

/// Evaluates every enabled policy of every active tenant at `now`, in the caller's
/// transaction: the decisions and states are written in two statements; each scaling is a
/// change of the allocation (source: policy) with its history and audit entry.
pub async fn evaluate_in(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Round, AppError> {
    let today = now.date_naive();
    let (start, _) = month_bounds(today);
    let due = db::policies::due(conn, start, today - Duration::days(LEVEL_DAYS)).await?;
    let mut round = Round { evaluated: due.len(), ..Round::default() };
    let mut results = Vec::with_capacity(due.len());
    let mut acted_on: Option<(Uuid, String)> = None;
    let mut scalings = Vec::new();
    for d in &due {
        let p = &d.policy;
        let mut step = decide(&p.spec, p.state, now, d.used, d.limits.allocated);
        if step.outcome.is_some_and(|o| !o.is_skip()) {
            let key = (p.tenant_id, p.spec.resource.clone());
            if acted_on.as_ref() == Some(&key) {
                // A policy of higher priority acted on this resource in this round.
                let outcome = DecisionOutcome::SkippedOtherPolicy;
                step.log = p.state.last_outcome != Some(outcome);
                step.state.last_action_at = p.state.last_action_at;
                step.state.last_outcome = Some(outcome);
                step.outcome = Some(outcome);
                step.after = None;
            } else {
                acted_on = Some(key);
            }
        }
        let decision = step.outcome.filter(|_| step.log).map(|outcome| Decision {
            policy_id: p.id,
            at: now,
            used: d.used,
            value: step.value,
            allocated_before: d.limits.allocated,
            allocated_after: step.after,
            outcome,
        });
        match (step.outcome, step.after) {
            (Some(DecisionOutcome::Scaled), Some(after)) => scalings.push((p, d, after, step.value)),
            (Some(DecisionOutcome::Notified), _) => {
                let key = format!("policy.notified:{}:{}:{}", p.tenant_id, p.id, now.timestamp());
                let payload = json!({ "policy": p, "used": d.used, "value": step.value, "limits": d.limits });
                db::outbox::insert_once(&mut *conn, &key, p.tenant_id, "policy.notified", &payload).await?;
            }
            _ => {}
        }
        round.logged += usize::from(decision.is_some());
        // Only what changed is written: a quiet round writes nothing.
        if decision.is_some() || step.state != p.state {
            results.push(Evaluated { tenant: p.tenant_id, policy: p.id, decision, state: step.state });
        }
    }
    round.scaled = scale_all(conn, &scalings).await?;
    db::policies::record(conn, &results).await?;
    Ok(round)
}

/// Applies a round's scalings in a handful of statements, whatever their number: the
/// allocations move (soft and hard limits keep their proportion), each change is in the
/// history (source: policy, the policy named as the actor), the audit trail and the outbox.
async fn scale_all(
    conn: &mut PgConnection,
    scalings: &[(&Policy, &db::policies::Due, i64, f64)],
) -> Result<usize, AppError> {
    if scalings.is_empty() {
        return Ok(0);
    }
    let keys: Vec<(Uuid, String)> = scalings.iter().map(|(p, ..)| (p.tenant_id, p.spec.resource.clone())).collect();
    let locked = db::resources::lock_many(conn, &keys).await?;
    let changes: Vec<db::resources::BatchChange> = scalings
        .iter()
        .zip(&keys)
        .map(|((p, d, allocated, value), key)| db::resources::BatchChange {
            tenant: p.tenant_id,
            resource: p.spec.resource.clone(),
            after: scaled_limits(locked.get(key).copied().unwrap_or(d.limits), *allocated),
            actor_label: format!("policy \u{201c}{}\u{201d}", p.spec.name),
            reason: format!("{} (it was {})", p.spec.condition(), p.spec.show(*value)),
        })
        .collect();
    let ids = db::resources::change_many(conn, &locked, &changes, ChangeSource::Policy).await?;
    let mut events = Vec::with_capacity(changes.len());
    let mut outbox = Vec::with_capacity(changes.len());
    for (((p, ..), key), c) in scalings.iter().zip(&keys).zip(&changes) {
        let before = locked.get(key);
        let change = ids.get(key).copied();
        let actor = Actor { label: c.actor_label.clone(), ..Caller::system().actor() };
        let event = NewEvent::new("resource.scaled", "resource", &c.resource)
            .in_tenant(c.tenant)
            .before(json!(before))
            .after(json!({ "limits": c.after, "reason": c.reason, "change": change, "policy": p.id }));
        events.push((event, actor));
        let payload = json!({ "policy": p.id, "resource": c.resource, "before": before, "after": c.after });
        outbox.push((
            format!("policy.scaled:{}:{}", c.tenant, change.unwrap_or_default()),
            c.tenant,
            "policy.scaled",
            payload,
        ));
    }
    db::audit::record_many(&mut *conn, &events).await?;
    db::outbox::insert_many(&mut *conn, &outbox).await?;
    Ok(changes.len())
}

/// Demo data: a policy on each of the three tenants the demo sizes close to their use
/// (`resources::demo_pressure`): one that really grows API calls, one in shadow mode, one
/// that only notifies about storage; so the tab shows decisions on first start.
pub async fn demo(pool: &PgPool) -> Result<usize, AppError> {
    let spec = |resource: &str, name: &str, action: PolicyAction, amount: f64, shadow: bool| PolicySpec {
        resource: resource.into(),
        name: name.into(),
        metric: PolicyMetric::Utilization,
        operator: Operator::Gte,
        threshold: 85.0,
        for_secs: 60,
        action,
        amount,
        min_allocated: 1,
        max_allocated: AMOUNT_MAX_DEMO,
        priority: 100,
        cooldown_secs: 600,
        enabled: true,
        shadow,
    };
    let plans = [
        spec("api_calls_per_month", "Grow API calls near the limit", PolicyAction::ScaleByFactor, 1.25, false),
        spec("api_calls_per_month", "Try growing API calls", PolicyAction::ScaleByFactor, 1.5, true),
        spec("storage_gb", "Tell us when storage fills", PolicyAction::Notify, 0.0, false),
    ];
    let mut added = 0;
    for (tenant, spec) in db::usage::demo_tenants(pool, 3).await?.into_iter().zip(plans) {
        if db::policies::list(pool, tenant, None).await?.is_empty() {
            db::policies::insert(pool, tenant, &spec).await?;
            added += 1;
        }
    }
    Ok(added)
}

/// The demo policies' ceiling: generous, so the demo keeps scaling for a while.
const AMOUNT_MAX_DEMO: i64 = 100_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn per_month_use_adds_up_within_each_month() {
        let at = |m, d| Utc.with_ymd_and_hms(2026, m, d, 0, 0, 0).unwrap();
        let s = month_to_date(&[(at(10, 30), 5.0), (at(10, 31), 7.0), (at(11, 1), 2.0), (at(11, 2), 1.0)]);
        let v: Vec<f64> = s.iter().map(|p| p.1).collect();
        assert_eq!(v, [5.0, 12.0, 2.0, 3.0]);
    }
}
