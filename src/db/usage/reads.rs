//! What the usage dashboards and the REST API read: from the daily rollups, with a
//! metric's values combined by its aggregation (sum: added up; max: the peak; last: the
//! value with the latest time).

use crate::error::AppError;
use crate::model::usage::{Aggregation, MetricSource};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// One metric over a tenant's period, with what it is compared with and priced at.
#[derive(Debug, Clone)]
pub struct PeriodRow {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub aggregation: Aggregation,
    pub source: MetricSource,
    pub resource: Option<String>,
    pub used: f64,
    pub allocated: Option<i64>,
    pub per_units: Option<i64>,
    pub price_cents: Option<i64>,
}

pub async fn period(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    plan: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<PeriodRow>, AppError> {
    Ok(sqlx::query_as!(
        PeriodRow,
        r#"select m.id, m.name, m.unit, m.aggregation as "aggregation: Aggregation",
                  m.source as "source: MetricSource", m.resource,
                  coalesce(case m.aggregation
                      when 'sum' then sum(d.total)
                      when 'max' then max(d.peak)
                      else (array_agg(d.last order by d.last_at desc) filter (where d.day is not null))[1]
                  end, 0) as "used!",
                  a.amount as "allocated?", p.per_units as "per_units?", p.price_cents as "price_cents?"
           from usage_metrics m
           left join usage_daily d on d.tenant_id = $1 and d.metric = m.id and d.day >= $3 and d.day < $4
           left join tenant_allocations a on a.tenant_id = $1 and a.resource = m.resource
           left join plan_prices p on p.plan_id = $2 and p.metric = m.id
           group by m.id, a.amount, p.per_units, p.price_cents
           order by m.sort_order, m.id"#,
        tenant,
        plan,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

/// A tenant's value per metric and day in [from, to) (days without data are absent).
#[derive(Debug, Clone)]
pub struct DayRow {
    pub metric: String,
    pub day: NaiveDate,
    pub value: f64,
}

pub async fn daily(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    metric: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DayRow>, AppError> {
    Ok(sqlx::query_as!(
        DayRow,
        r#"select d.metric, d.day,
                  case m.aggregation when 'sum' then d.total when 'max' then d.peak else d.last end as "value!"
           from usage_daily d join usage_metrics m on m.id = d.metric
           where d.tenant_id = $1 and ($2::text is null or d.metric = $2) and d.day >= $3 and d.day < $4
           order by d.metric, d.day"#,
        tenant,
        metric,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

/// A tenant's metric per hour since `from`: the sum for summed metrics, else the peak or
/// the last value (the policy simulator replays it).
pub async fn hourly(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    metric: &str,
    from: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, f64)>, AppError> {
    let rows = sqlx::query!(
        r#"select h.hour, case m.aggregation when 'sum' then h.total when 'max' then h.peak else h.last end as "value!"
           from usage_hourly h join usage_metrics m on m.id = h.metric
           where h.tenant_id = $1 and h.metric = $2 and h.hour >= $3
           order by h.hour"#,
        tenant,
        metric,
        from
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.hour, r.value)).collect())
}

/// A metric per bucket (`date_trunc` unit: day, week or month) in [from, to), for one
/// tenant or (None) added up over all of them.
pub async fn buckets(
    db: impl PgExecutor<'_>,
    tenant: Option<Uuid>,
    metric: &str,
    unit: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(DateTime<Utc>, f64)>, AppError> {
    let rows = sqlx::query!(
        r#"with per_tenant as (
               select d.tenant_id, date_trunc($3, d.day::timestamp) as bucket,
                      case m.aggregation
                          when 'sum' then sum(d.total)
                          when 'max' then max(d.peak)
                          else (array_agg(d.last order by d.last_at desc))[1]
                      end as v
               from usage_daily d join usage_metrics m on m.id = d.metric
               where d.metric = $2 and d.day >= $4 and d.day < $5 and ($1::uuid is null or d.tenant_id = $1)
               group by d.tenant_id, m.aggregation, 2
           )
           select bucket at time zone 'UTC' as "bucket!", sum(v) as "value!" from per_tenant
           group by bucket order by bucket"#,
        tenant,
        metric,
        unit,
        from,
        to
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.bucket, r.value)).collect())
}

/// Every tenant's value of a metric in [start, end) and in the period before it.
#[derive(Debug, Clone)]
pub struct TenantValue {
    pub tenant_id: Uuid,
    pub slug: String,
    pub name: String,
    pub value: f64,
    pub previous: f64,
}

pub async fn per_tenant(
    db: impl PgExecutor<'_>,
    metric: &str,
    previous_start: NaiveDate,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<TenantValue>, AppError> {
    Ok(sqlx::query_as!(
        TenantValue,
        r#"select t.id as tenant_id, t.slug, t.name,
                  coalesce(case m.aggregation
                      when 'sum' then sum(d.total) filter (where d.day >= $3)
                      when 'max' then max(d.peak) filter (where d.day >= $3)
                      else (array_agg(d.last order by d.last_at desc) filter (where d.day >= $3))[1]
                  end, 0) as "value!",
                  coalesce(case m.aggregation
                      when 'sum' then sum(d.total) filter (where d.day < $3)
                      when 'max' then max(d.peak) filter (where d.day < $3)
                      else (array_agg(d.last order by d.last_at desc) filter (where d.day < $3))[1]
                  end, 0) as "previous!"
           from usage_daily d
           join usage_metrics m on m.id = d.metric
           join tenants t on t.id = d.tenant_id
           where d.metric = $1 and d.day >= $2 and d.day < $4
           group by t.id, m.aggregation"#,
        metric,
        previous_start,
        start,
        end
    )
    .fetch_all(db)
    .await?)
}
