//! Usage (PRODUCT.md U1-U3): ingestion (`ingest`), and what people and API keys read: a
//! tenant's current period with its cost, daily series, trends with the period before,
//! and the top tenants per metric. Cost and invoices are in `billing`.

pub mod billing;
pub mod ingest;
pub mod periods;

use crate::db;
use crate::error::AppError;
use crate::model::usage::*;
use crate::model::Permission;
use crate::server::access::Caller;
use chrono::{Duration, NaiveDate, Utc};
use periods::{align, bucket_starts, month_bounds, step};
use sqlx::PgPool;
use uuid::Uuid;

/// Days a daily series (or buckets a trend) may span.
pub const MAX_RANGE_DAYS: i64 = 400;

fn no_metric(id: &str) -> AppError {
    AppError::bad_request(format!(
        "There is no metric called \u{201c}{}\u{201d}.",
        id.chars().take(40).collect::<String>()
    ))
}

pub async fn metric(pool: &PgPool, id: &str) -> Result<Metric, AppError> {
    db::usage::metrics(pool).await?.into_iter().find(|m| m.id == id.trim()).ok_or_else(|| no_metric(id))
}

/// The catalog: any caller may read it (a key that reports usage needs to know the names).
pub async fn metrics(pool: &PgPool, caller: &Caller) -> Result<Vec<Metric>, AppError> {
    if matches!(caller.principal, crate::server::access::Principal::Anonymous) {
        return Err(AppError::unauthorized(crate::model::messages::SIGN_IN));
    }
    db::usage::metrics(pool).await
}

/// The tenant's current month: use per metric against its allocation, cost so far.
pub async fn current(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<TenantUsage, AppError> {
    caller.require_on(tenant, Permission::UsageRead)?;
    let (start, end) = month_bounds(Utc::now().date_naive());
    billing::period_usage(pool, tenant, start, end).await
}

/// A [from, to) day range (defaults: the 30 days to today). At most `MAX_RANGE_DAYS`: an
/// earlier `from` is moved up to that; a `from` after `to` is an empty range. Answers say
/// which range they cover, so nothing is silently different from what they claim.
pub fn day_range(from: Option<NaiveDate>, to: Option<NaiveDate>) -> (NaiveDate, NaiveDate) {
    let to = to.unwrap_or_else(|| Utc::now().date_naive() + Duration::days(1));
    let from = from.unwrap_or(to - Duration::days(30));
    (from.clamp(to - Duration::days(MAX_RANGE_DAYS), to), to)
}

/// A metric's daily values for a tenant, every day in [from, to) present (days without
/// data are 0 for summed metrics and left out for the others).
pub async fn daily(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    metric_id: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Metric, Vec<Point>)>, AppError> {
    caller.require_on(tenant, Permission::UsageRead)?;
    let all = db::usage::metrics(pool).await?;
    let wanted: Vec<Metric> = match metric_id {
        Some(id) => vec![all.into_iter().find(|m| m.id == id.trim()).ok_or_else(|| no_metric(id))?],
        None => all,
    };
    let rows = db::usage::reads::daily(pool, tenant, metric_id.map(str::trim), from, to).await?;
    Ok(wanted
        .into_iter()
        .map(|m| {
            let mine: std::collections::HashMap<NaiveDate, f64> =
                rows.iter().filter(|r| r.metric == m.id).map(|r| (r.day, r.value)).collect();
            let points = bucket_starts(Period::Day, from, to)
                .into_iter()
                .filter_map(|d| {
                    let v = mine.get(&d).copied().or((m.aggregation == Aggregation::Sum).then_some(0.0))?;
                    Some(Point { at: periods::midnight(d), value: v })
                })
                .collect();
            (m, points)
        })
        .collect())
}

/// A metric by day, week or month in [from, to) (aligned to whole buckets), with as many
/// buckets before it; for one tenant, or (None, platform admins) all of them.
pub async fn trend(
    pool: &PgPool,
    caller: &Caller,
    tenant: Option<Uuid>,
    metric_id: &str,
    period: Period,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Trend, AppError> {
    match tenant {
        Some(t) => caller.require_on(t, Permission::UsageRead)?,
        None => platform_only(caller)?,
    }
    let metric = metric(pool, metric_id).await?;
    let today = Utc::now().date_naive();
    let to = align(period, to.unwrap_or(today + Duration::days(1)) - Duration::days(1));
    let to = step(period, to, 1);
    let default_buckets = match period {
        Period::Day => 30,
        Period::Week => 12,
        Period::Month => 6,
    };
    // At most MAX_RANGE_DAYS buckets; a `from` after `to` is an empty range.
    let earliest = step(period, to, -MAX_RANGE_DAYS);
    let from = align(period, from.unwrap_or_else(|| step(period, to, -default_buckets))).clamp(earliest, to);
    let starts = bucket_starts(period, from, to);
    let n = starts.len() as i64;
    let previous_from = step(period, from, -n);
    let rows = db::usage::reads::buckets(pool, tenant, &metric.id, period.as_str(), previous_from, to).await?;
    let value_at = |d: NaiveDate| {
        let at = periods::midnight(d);
        rows.iter().find(|(b, _)| *b == at).map_or(0.0, |(_, v)| *v)
    };
    let points: Vec<Point> = starts.iter().map(|d| Point { at: periods::midnight(*d), value: value_at(*d) }).collect();
    let previous: Vec<Point> = bucket_starts(period, previous_from, from)
        .into_iter()
        .map(|d| Point { at: periods::midnight(d), value: value_at(d) })
        .collect();
    let (total, previous_total) = match metric.aggregation {
        Aggregation::Sum => (points.iter().map(|p| p.value).sum(), previous.iter().map(|p| p.value).sum()),
        _ => (points.iter().map(|p| p.value).fold(0.0, f64::max), previous.iter().map(|p| p.value).fold(0.0, f64::max)),
    };
    Ok(Trend {
        metric: metric.id,
        period,
        from: periods::midnight(from),
        to: periods::midnight(to),
        points,
        previous,
        total,
        previous_total,
        change_percent: change_percent(total, previous_total),
    })
}

fn platform_only(caller: &Caller) -> Result<(), AppError> {
    caller.require(Permission::TenantRead)?;
    if !caller.is_platform_admin() {
        return Err(AppError::forbidden("Only platform administrators can see usage across tenants."));
    }
    Ok(())
}

/// The tenants using a metric most in the current bucket, and those growing fastest.
pub async fn top(pool: &PgPool, caller: &Caller, metric_id: &str, period: Period) -> Result<TopUsage, AppError> {
    platform_only(caller)?;
    let metric = metric(pool, metric_id).await?;
    let start = align(period, Utc::now().date_naive());
    let end = step(period, start, 1);
    let previous_start = step(period, start, -1);
    let rows = db::usage::reads::per_tenant(pool, &metric.id, previous_start, start, end).await?;
    let as_top = |r: &db::usage::reads::TenantValue| TopTenant {
        tenant_id: r.tenant_id,
        slug: r.slug.clone(),
        name: r.name.clone(),
        value: r.value,
        previous: r.previous,
        change_percent: change_percent(r.value, r.previous),
    };
    let mut by_value: Vec<&db::usage::reads::TenantValue> = rows.iter().filter(|r| r.value > 0.0).collect();
    by_value.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.slug.cmp(&b.slug)));
    let mut by_growth: Vec<&db::usage::reads::TenantValue> =
        rows.iter().filter(|r| r.value > r.previous && r.previous > 0.0).collect();
    by_growth.sort_by(|a, b| (b.value - b.previous).total_cmp(&(a.value - a.previous)).then(a.slug.cmp(&b.slug)));
    Ok(TopUsage {
        metric: metric.id,
        period,
        start,
        end,
        top: by_value.into_iter().take(10).map(as_top).collect(),
        growing: by_growth.into_iter().take(10).map(as_top).collect(),
    })
}

/// The platform Usage page: one metric's trend, top and growing tenants.
pub async fn platform(
    pool: &PgPool,
    caller: &Caller,
    metric_id: &str,
    period: Period,
) -> Result<PlatformUsage, AppError> {
    platform_only(caller)?;
    let metrics = db::usage::metrics(pool).await?;
    let metric = metrics.iter().find(|m| m.id == metric_id.trim()).cloned().ok_or_else(|| no_metric(metric_id))?;
    let trend = trend(pool, caller, None, &metric.id, period, None, None).await?;
    let top = top(pool, caller, &metric.id, period).await?;
    Ok(PlatformUsage {
        metrics,
        metric,
        trend,
        top,
        as_of: Utc::now(),
        rollup_lag_seconds: db::usage::rollup_lag(pool).await?,
    })
}

/// The tenant Usage tab: the period, 30 days per metric, the invoices.
pub async fn tenant_view(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<TenantUsageView, AppError> {
    let usage = current(pool, caller, tenant).await?;
    let (from, to) = day_range(None, None);
    let series = daily(pool, caller, tenant, None, from, to).await?.into_iter().map(|(m, p)| (m.id, p)).collect();
    let invoices = billing::invoices(pool, caller, tenant).await?;
    Ok(TenantUsageView { usage, series, invoices })
}
