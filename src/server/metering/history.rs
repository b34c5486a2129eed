//! Usage history for demo data and benchmarks: hourly and daily rollups of the reported
//! metrics over the past days for every active tenant, with a daily rhythm, a slow trend
//! and a per-tenant size, written in bulk by PostgreSQL itself (generate_series), plus the
//! invoices of the months that history covers.

use crate::error::AppError;
use crate::server::services::usage::{billing, periods};
use chrono::Utc;
use sqlx::PgPool;

/// Writes `days` days of hourly history (up to the current hour) for the active tenants
/// (at most `tenants`). Returns the hourly rows written.
pub async fn seed(pool: &PgPool, days: i32, tenants: i64) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    let hourly = sqlx::query!(
        r#"with t as (
               select id, (abs(hashtext(id::text)) % 1000) / 1000.0 as size
               from tenants where status = 'active' order by name limit $2
           ), h as (
               select hour, extract(epoch from hour - (date_trunc('hour', now()) - make_interval(days => $1)))
                            / (86400.0 * $1) as age,
                      extract(hour from hour at time zone 'UTC') as hod
               from generate_series(date_trunc('hour', now()) - make_interval(days => $1),
                                    date_trunc('hour', now()) - interval '1 hour', interval '1 hour') as hour
           ), calls as (
               select t.id, t.size, h.hour, h.age,
                      round((30 + 900 * t.size * t.size) * (1.0 + 0.7 * sin(2 * pi() * (h.hod - 9) / 24.0))
                            * (0.6 + 0.8 * h.age) * (0.75 + 0.5 * random()))::float8 as v
               from t cross join h
           ), rows as (
               select id, 'api_calls' as metric, hour, v from calls
               union all
               select id, 'bandwidth_gb', hour, round((v * 0.00004 * (0.8 + 0.4 * random()))::numeric, 5)::float8 from calls
               union all
               select id, 'storage_gb', hour, round((1 + 40 * size * (0.5 + 0.5 * age))::numeric, 3)::float8 from calls
           )
           insert into usage_hourly (tenant_id, metric, hour, total, peak, last, last_at, events)
           select id, metric, hour, v, v, v, hour + interval '59 minutes', 1 from rows
           on conflict do nothing"#,
        days,
        tenants
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query!(
        r#"insert into usage_daily (tenant_id, metric, day, total, peak, last, last_at, events)
           select tenant_id, metric, (hour at time zone 'UTC')::date, sum(total), max(peak),
                  (array_agg(last order by last_at desc))[1], max(last_at), sum(events)::bigint
           from usage_hourly group by 1, 2, 3
           on conflict do nothing"#
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(hourly)
}

/// Issues the invoices of the `months` months before this one for tenants active then.
pub async fn invoices(pool: &PgPool, months: i64) -> Result<usize, AppError> {
    let (this_month, _) = periods::month_bounds(Utc::now().date_naive());
    let mut issued = 0;
    for back in (1..=months).rev() {
        let start = periods::step(crate::model::usage::Period::Month, this_month, -back);
        let end = periods::step(crate::model::usage::Period::Month, start, 1);
        for tenant in crate::db::billing::due(pool, start, end, 100_000).await? {
            if billing::issue_one(pool, tenant, start, end).await?.is_some() {
                issued += 1;
            }
        }
    }
    Ok(issued)
}

/// Everything usage-related demo data starts with: 90 days of history, three months of
/// invoices, a cost alert on the first active tenant set low enough to fire (its owners
/// get the email from the dev mail sink on the first cost-alerts round), allocations with
/// room for the generated use, and three tenants sized close to their use (the Limits
/// page, alerts and policies have something to show, not everything).
pub async fn demo(pool: &PgPool) -> Result<(), AppError> {
    let started = std::time::Instant::now();
    let rows = seed(pool, 90, 100_000).await?;
    let invoices = invoices(pool, 3).await?;
    if let Some(first) = crate::db::usage::demo_tenants(pool, 1).await?.first() {
        crate::db::billing::set_cost_alert(pool, *first, Some(1_000)).await?;
    }
    let sized = crate::db::resources::demo_size_to_use(pool).await?;
    let pressed = crate::server::services::resources::demo_pressure(pool).await?;
    let policies = crate::server::services::policies::demo(pool).await?;
    tracing::info!(
        hourly_rows = rows,
        invoices,
        allocations_sized = sized,
        resources_near_limits = pressed,
        policies,
        took_ms = started.elapsed().as_millis() as u64,
        "demo usage history loaded"
    );
    Ok(())
}
