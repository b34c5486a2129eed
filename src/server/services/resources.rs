//! Resource allocations (PRODUCT.md R1-R3, R6): a tenant's resources with current use,
//! scaling with a reason and its history, and the quota check and consume services call.

use super::usage::{self as usage_svc, periods::month_bounds};
use crate::db;
use crate::db::audit::NewEvent;
use crate::error::AppError;
use crate::model::alerts::AlertFilter;
use crate::model::forecast;
use crate::model::plan::{plan_allocations, Plan};
use crate::model::resources::*;
use crate::model::{Permission, TenantStatus};
use crate::server::access::Caller;
use chrono::{Duration, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// How far back the latest level of a non-period resource (members, storage) is looked for;
/// the tab, alerts, policies and plan changes read use the same way.
pub const LEVEL_DAYS: i64 = 7;
/// History entries answered at most.
const HISTORY_MAX: i64 = 200;
/// Changes the Resources tab shows.
const RECENT_CHANGES: i64 = 20;
/// Alerts the Resources tab shows.
const RECENT_ALERTS: i64 = 20;

fn no_resource(id: &str) -> AppError {
    AppError::not_found(format!(
        "There is no resource called \u{201c}{}\u{201d}.",
        id.chars().take(40).collect::<String>()
    ))
}

/// What the plan includes of a resource (the catalog's default when the plan has no
/// column for it).
fn plan_amount(plan: &Plan, row: &db::resources::ResourceRow) -> i64 {
    plan_allocations(plan).into_iter().find(|(r, _)| *r == row.id).map(|(_, a)| a).unwrap_or(row.default_amount)
}

fn defaults(amount: i64) -> Limits {
    Limits { allocated: amount, soft_limit: default_soft(amount), hard_limit: amount }
}

async fn plan_of(pool: &PgPool, tenant: Uuid) -> Result<(Plan, TenantStatus), AppError> {
    let t = db::tenants::by_id(pool, tenant).await?.ok_or_else(|| AppError::not_found("There is no such tenant."))?;
    let plan =
        db::catalog::plan(pool, &t.plan).await?.ok_or_else(|| AppError::internal("resources", "plan missing"))?;
    Ok((plan, t.status))
}

/// Every resource of the tenant with its allocation and use now: this month's total for
/// per-month resources, the latest level (within `LEVEL_DAYS`) for the others.
pub(crate) async fn use_rows(
    db: impl sqlx::PgExecutor<'_>,
    tenant: Uuid,
) -> Result<Vec<db::resources::ResourceRow>, AppError> {
    let today = Utc::now().date_naive();
    let (start, _) = month_bounds(today);
    db::resources::list(db, tenant, start, today - Duration::days(LEVEL_DAYS)).await
}

/// The rows of a tenant's resources (all, or one) with their limits filled in.
async fn rows(
    pool: &PgPool,
    tenant: Uuid,
    only: Option<&str>,
) -> Result<(Vec<(db::resources::ResourceRow, Limits, i64)>, TenantStatus), AppError> {
    let (plan, status) = plan_of(pool, tenant).await?;
    let rows: Vec<_> = use_rows(pool, tenant).await?.into_iter().filter(|r| only.is_none_or(|id| r.id == id)).collect();
    if let Some(id) = only.filter(|_| rows.is_empty()) {
        return Err(no_resource(id));
    }
    let rows = rows
        .into_iter()
        .map(|r| {
            let amount = plan_amount(&plan, &r);
            let limits = r.limits.unwrap_or_else(|| defaults(amount));
            (r, limits, amount)
        })
        .collect();
    Ok((rows, status))
}

/// One resource of the tenant with its limits and what the plan includes (404: none).
pub(crate) async fn one(
    pool: &PgPool,
    tenant: Uuid,
    resource: &str,
) -> Result<(db::resources::ResourceRow, Limits, i64), AppError> {
    let (found, _) = rows(pool, tenant, Some(resource.trim())).await?;
    found.into_iter().next().ok_or_else(|| no_resource(resource))
}

/// One value per day from the first day with data to the last, a day without data taking
/// the day before's value (a level stays where it was; summed series have every day).
fn daily_values(points: &[crate::model::usage::Point]) -> Vec<f64> {
    let mut out = Vec::with_capacity(points.len());
    let mut last: Option<(chrono::DateTime<Utc>, f64)> = None;
    for p in points {
        if let Some((at, v)) = last {
            let gap = (p.at - at).num_days() - 1;
            out.extend(std::iter::repeat_n(v, gap.max(0) as usize));
        }
        out.push(p.value);
        last = Some((p.at, p.value));
    }
    out
}

pub async fn list(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<TenantResources, AppError> {
    caller.require_on(tenant, Permission::UsageRead)?;
    let (rows, _) = rows(pool, tenant, None).await?;
    let (from, to) = usage_svc::day_range(None, None);
    let series = usage_svc::daily(pool, caller, tenant, None, from, to).await?;
    let (period_start, period_end) = month_bounds(Utc::now().date_naive());
    let resources = rows
        .into_iter()
        .map(|(r, limits, plan_amount)| {
            let used = r.metered + r.consumed as f64;
            let points = series.iter().find(|(m, _)| Some(&m.id) == r.metric.as_ref()).map(|(_, p)| p.clone());
            let forecast = points.as_deref().and_then(|p| {
                let today = Utc::now().date_naive();
                forecast::forecast(
                    &daily_values(p),
                    r.per_period,
                    used,
                    limits.allocated,
                    limits.hard_limit,
                    today,
                    period_end,
                )
            });
            AllocatedResource {
                level: Level::of(used, limits.soft_limit, limits.hard_limit),
                id: r.id,
                name: r.name,
                unit: r.unit,
                source: r.source,
                per_period: r.per_period,
                limits,
                plan_amount,
                used,
                consumed: r.consumed,
                series: points.unwrap_or_default(),
                forecast,
            }
        })
        .collect();
    Ok(TenantResources { tenant_id: tenant, period_start, period_end, resources, as_of: Utc::now() })
}

/// Changes a resource's allocation and limits, with a reason, kept in its history and the
/// audit trail. Owners and admins stay within the plan; platform admins may go beyond it.
pub async fn scale(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    resource: &str,
    req: &ScaleRequest,
) -> Result<AllocatedResource, AppError> {
    caller.require_on(tenant, Permission::ResourcesManage)?;
    let (row, _, plan_amount) = one(pool, tenant, resource).await?;
    let after = req.limits().map_err(AppError::validation)?;
    if !caller.is_platform_admin() {
        let beyond = |v: i64| {
            (v > plan_amount).then(|| {
                format!(
                    "The plan includes up to {plan_amount} {}; beyond that a platform administrator must scale it.",
                    row.unit
                )
            })
        };
        let mut errors = crate::error::FieldErrors::new();
        if let Some(m) = beyond(after.allocated) {
            errors.insert("allocated".into(), m);
        }
        if let Some(m) = beyond(after.hard_limit) {
            errors.insert("hard_limit".into(), m);
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
    }
    let mut tx = pool.begin().await?;
    let before = db::resources::lock(&mut tx, tenant, &row.id).await?;
    if before != Some(after) {
        let actor = caller.actor();
        let change =
            db::resources::change(&mut tx, tenant, &row.id, before, after, ChangeSource::Manual, &actor, &req.reason)
                .await?;
        NewEvent::new("resource.scaled", "resource", &row.id)
            .in_tenant(tenant)
            .before(json!(before))
            .after(json!({ "limits": after, "reason": req.reason.trim(), "change": change }))
            .record(&mut *tx, &actor)
            .await?;
    }
    tx.commit().await?;
    let all = list(pool, caller, tenant).await?;
    all.resources.into_iter().find(|r| r.id == row.id).ok_or_else(|| no_resource(resource))
}

pub async fn history(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    resource: &str,
) -> Result<Vec<AllocationChange>, AppError> {
    caller.require_on(tenant, Permission::UsageRead)?;
    let id = one(pool, tenant, resource).await?.0.id;
    db::resources::history(pool, tenant, Some(&id), HISTORY_MAX).await
}

/// The tenant Resources tab: every resource, and the latest changes of any of them.
pub async fn tab(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<ResourcesView, AppError> {
    let resources = list(pool, caller, tenant).await?;
    let changes = db::resources::history(pool, tenant, None, RECENT_CHANGES).await?;
    let alerts = db::alerts::list(pool, Some(tenant), AlertFilter::All, RECENT_ALERTS).await?;
    Ok(ResourcesView { resources, changes, alerts })
}

/// The tenant a quota call is for: the API key's own (or the tenant a person works in).
fn quota_tenant(caller: &Caller) -> Result<Uuid, AppError> {
    let tenant = caller.tenant().ok_or_else(|| {
        AppError::forbidden("A quota is checked for an API key's own tenant; call with a key that has quota:read.")
    })?;
    caller.require_on(tenant, Permission::QuotaRead)?;
    Ok(tenant)
}

fn check_amount(amount: i64) -> Result<(), AppError> {
    if (1..=AMOUNT_MAX).contains(&amount) {
        Ok(())
    } else {
        Err(AppError::invalid("amount", "amount must be a whole number from 1 to 1,000,000,000,000."))
    }
}

fn answer(resource: String, allowed: bool, used: f64, limit: i64) -> QuotaAnswer {
    QuotaAnswer { resource, allowed, remaining: (limit as f64 - used).max(0.0), limit, used, as_of: Utc::now() }
}

/// One resource of the quota's tenant with its limits: the allocation's, or the plan's
/// defaults when it has none (the plan is read only then: a check is one query).
async fn quota_row(
    pool: &PgPool,
    tenant: Uuid,
    resource: &str,
) -> Result<(db::resources::ResourceRow, Limits), AppError> {
    let row = use_rows(pool, tenant)
        .await?
        .into_iter()
        .find(|r| r.id == resource.trim())
        .ok_or_else(|| no_resource(resource))?;
    let limits = match row.limits {
        Some(l) => l,
        None => defaults(plan_amount(&plan_of(pool, tenant).await?.0, &row)),
    };
    Ok((row, limits))
}

/// Whether `amount` more would fit under the hard limit; takes nothing.
pub async fn check(pool: &PgPool, caller: &Caller, req: &QuotaRequest) -> Result<QuotaAnswer, AppError> {
    let tenant = quota_tenant(caller)?;
    check_amount(req.amount)?;
    let (row, limits) = quota_row(pool, tenant, &req.resource).await?;
    let used = row.metered + row.consumed as f64;
    Ok(answer(row.id, used + req.amount as f64 <= limits.hard_limit as f64, used, limits.hard_limit))
}

/// Takes `amount` of a per-period resource if it fits under the hard limit, atomically:
/// concurrent callers never take more than the limit between them.
pub async fn consume(pool: &PgPool, caller: &Caller, req: &QuotaRequest) -> Result<QuotaAnswer, AppError> {
    let tenant = quota_tenant(caller)?;
    check_amount(req.amount)?;
    let (row, limits) = quota_row(pool, tenant, &req.resource).await?;
    if !row.per_period {
        return Err(AppError::conflict_on(
            "resource",
            format!(
                "{} is a level the portal measures, not something used up; check it instead of consuming it.",
                row.name
            ),
        ));
    }
    let active = match caller.key_status() {
        Some(status) => status == TenantStatus::Active,
        None => plan_of(pool, tenant).await?.1 == TenantStatus::Active,
    };
    if !active {
        return Err(AppError::forbidden("The tenant is not active, so nothing can be consumed."));
    }
    let (start, _) = month_bounds(Utc::now().date_naive());
    let mut tx = pool.begin().await?;
    let (taken, consumed) =
        db::resources::consume(&mut tx, tenant, &row.id, start, row.metered, limits.hard_limit, req.amount).await?;
    tx.commit().await?;
    Ok(answer(row.id, taken, row.metered + consumed as f64, limits.hard_limit))
}

/// Rows the platform Limits page shows at most.
const NEAR_MAX: i64 = 500;

/// Every active tenant's resources at or over the soft limit, fullest first (platform
/// administrators only).
pub async fn near_limits(pool: &PgPool, caller: &Caller, sort: LimitSort) -> Result<PlatformLimits, AppError> {
    caller.require(Permission::TenantRead)?;
    if !caller.is_platform_admin() {
        return Err(AppError::forbidden("Only platform administrators can see limits across tenants."));
    }
    let today = Utc::now().date_naive();
    let (start, _) = month_bounds(today);
    let mut rows = db::resources::near_limits(pool, start, today - Duration::days(LEVEL_DAYS), NEAR_MAX + 1).await?;
    let truncated = rows.len() as i64 > NEAR_MAX;
    rows.truncate(NEAR_MAX as usize);
    sort.apply(&mut rows);
    let alerts = super::alerts::platform(pool, caller).await?;
    let soonest = soonest(pool, caller).await?;
    Ok(PlatformLimits { rows, soonest, alerts, truncated, as_of: Utc::now() })
}

/// Tenants whose forecasts the soonest list looks at: the fullest ones.
const SOONEST_TENANTS: i64 = 100;
/// Use of the hard limit below which a tenant is not looked at for the soonest list.
const SOONEST_SHARE: f64 = 0.3;
/// How far ahead the soonest list looks.
const SOONEST_DAYS: i64 = 90;
/// Rows the soonest list shows.
const SOONEST_MAX: usize = 25;

/// Resources that run out within 90 days at their trend, soonest first: the forecasts of
/// the tenants' Resources tabs (the same function), for the 100 fullest active tenants.
async fn soonest(pool: &PgPool, caller: &Caller) -> Result<Vec<RunOut>, AppError> {
    use futures_util::{StreamExt, TryStreamExt};
    let today = Utc::now().date_naive();
    let (start, _) = month_bounds(today);
    let tenants =
        db::resources::fullest_tenants(pool, start, today - Duration::days(LEVEL_DAYS), SOONEST_SHARE, SOONEST_TENANTS)
            .await?;
    let horizon = today + Duration::days(SOONEST_DAYS);
    let tabs: Vec<(TenantResources, crate::model::Tenant)> = futures_util::stream::iter(tenants)
        .map(|t| async move {
            let tenant =
                db::tenants::by_id(pool, t).await?.ok_or_else(|| AppError::not_found("There is no such tenant."))?;
            Ok::<_, AppError>((list(pool, caller, t).await?, tenant))
        })
        .buffer_unordered(4)
        .try_collect()
        .await?;
    let mut out: Vec<RunOut> = tabs
        .into_iter()
        .flat_map(|(r, t)| {
            r.resources.into_iter().filter_map(move |x| {
                let f = x.forecast.filter(|f| f.runs_out.is_some_and(|d| d <= horizon))?;
                Some(RunOut {
                    tenant_id: t.id,
                    tenant_name: t.name.clone(),
                    tenant_slug: t.slug.clone(),
                    resource: x.id,
                    resource_name: x.name,
                    unit: x.unit,
                    used: x.used,
                    hard_limit: x.limits.hard_limit,
                    forecast: f,
                })
            })
        })
        .collect();
    out.sort_by(|a, b| a.day().cmp(&b.day()).then_with(|| a.tenant_name.cmp(&b.tenant_name)));
    out.truncate(SOONEST_MAX);
    Ok(out)
}

/// Demo data: three active tenants sized close to their current use (one over its hard
/// limit, one past its soft limit, one with storage nearly full), so the gauges and the
/// Limits page have something to show on first start; each change is in the history.
pub async fn demo_pressure(pool: &PgPool) -> Result<usize, AppError> {
    let plan = [("api_calls_per_month", 0.95), ("api_calls_per_month", 1.15), ("storage_gb", 1.1)];
    let mut changed = 0;
    for (tenant, (resource, factor)) in db::usage::demo_tenants(pool, 3).await?.into_iter().zip(plan) {
        let rows = use_rows(pool, tenant).await?;
        let Some(row) = rows.into_iter().find(|r| r.id == resource && r.metered > 0.0) else { continue };
        let after = defaults(((row.metered + row.consumed as f64) * factor).ceil() as i64);
        let mut tx = pool.begin().await?;
        let before = db::resources::lock(&mut tx, tenant, resource).await?;
        let actor = Caller::system().actor();
        let why = "Demo data: sized close to current use";
        db::resources::change(&mut tx, tenant, resource, before, after, ChangeSource::Manual, &actor, why).await?;
        tx.commit().await?;
        changed += 1;
    }
    Ok(changed)
}
