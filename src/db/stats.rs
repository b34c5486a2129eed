//! Platform statistics (PRODUCT.md T6), over all tenants or only those in `only`.

use crate::error::AppError;
use crate::model::{Count, DayCount, TenantStats};
use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

pub async fn tenant_stats(pool: &PgPool, only: Option<&[Uuid]>) -> Result<TenantStats, AppError> {
    let by = |rows: Vec<(String, i64)>| rows.into_iter().map(|(key, count)| Count { key, count }).collect::<Vec<_>>();
    let days = |rows: Vec<(NaiveDate, i64)>| rows.into_iter().map(|(day, count)| DayCount { day, count }).collect();
    // `$1 is null` means every tenant; otherwise only the listed ones.
    let by_status: Vec<(String, i64)> = sqlx::query_as(
        "select status, count(*) from tenants where ($1::uuid[] is null or id = any($1))
         group by status order by 2 desc",
    )
    .bind(only)
    .fetch_all(pool)
    .await?;
    let by_plan: Vec<(String, i64)> = sqlx::query_as(
        "select p.id, count(t.id) from plans p
         left join tenants t on t.plan_id = p.id and ($1::uuid[] is null or t.id = any($1))
         group by p.id, p.sort_order order by p.sort_order",
    )
    .bind(only)
    .fetch_all(pool)
    .await?;
    let by_region: Vec<(String, i64)> = sqlx::query_as(
        "select region, count(*) from tenants where ($1::uuid[] is null or id = any($1))
         group by region order by 2 desc",
    )
    .bind(only)
    .fetch_all(pool)
    .await?;
    let created: Vec<(NaiveDate, i64)> = sqlx::query_as(
        "select d::date, count(t.id)
         from generate_series(current_date - 29, current_date, interval '1 day') d
         left join tenants t on t.created_at >= d and t.created_at < d + interval '1 day'
                             and ($1::uuid[] is null or t.id = any($1))
         group by d order by d",
    )
    .bind(only)
    .fetch_all(pool)
    .await?;
    let suspended: Vec<(NaiveDate, i64)> = sqlx::query_as(
        "select d::date, count(e.id)
         from generate_series(current_date - 29, current_date, interval '1 day') d
         left join audit_events e on e.action = 'tenant.suspended'
              and e.occurred_at >= d and e.occurred_at < d + interval '1 day'
              and ($1::uuid[] is null or e.tenant_id = any($1))
         group by d order by d",
    )
    .bind(only)
    .fetch_all(pool)
    .await?;
    let total = by_status.iter().map(|(_, n)| n).sum();
    Ok(TenantStats {
        total,
        by_status: by(by_status),
        by_plan: by(by_plan),
        by_region: by(by_region),
        created_per_day: days(created),
        suspended_per_day: days(suspended),
    })
}
