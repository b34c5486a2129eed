//! Platform statistics (PRODUCT.md T6).

use crate::error::AppError;
use crate::model::{Count, DayCount, TenantStats};
use sqlx::PgPool;

pub async fn tenant_stats(pool: &PgPool) -> Result<TenantStats, AppError> {
    let by = |rows: Vec<(String, i64)>| rows.into_iter().map(|(key, count)| Count { key, count }).collect::<Vec<_>>();
    let by_status: Vec<(String, i64)> =
        sqlx::query_as("select status, count(*) from tenants group by status order by 2 desc").fetch_all(pool).await?;
    let by_plan: Vec<(String, i64)> = sqlx::query_as(
        "select p.id, count(t.id) from plans p left join tenants t on t.plan_id = p.id \
         group by p.id, p.sort_order order by p.sort_order",
    )
    .fetch_all(pool)
    .await?;
    let by_region: Vec<(String, i64)> =
        sqlx::query_as("select region, count(*) from tenants group by region order by 2 desc").fetch_all(pool).await?;
    let created = sqlx::query_as!(
        DayCount,
        r#"select d::date as "day!", count(t.id) as "count!"
           from generate_series(current_date - 29, current_date, interval '1 day') d
           left join tenants t on t.created_at >= d and t.created_at < d + interval '1 day'
           group by d order by d"#
    )
    .fetch_all(pool)
    .await?;
    let suspended = sqlx::query_as!(
        DayCount,
        r#"select d::date as "day!", count(e.id) as "count!"
           from generate_series(current_date - 29, current_date, interval '1 day') d
           left join audit_events e on e.action = 'tenant.suspended'
                and e.occurred_at >= d and e.occurred_at < d + interval '1 day'
           group by d order by d"#
    )
    .fetch_all(pool)
    .await?;
    let total = by_status.iter().map(|(_, n)| n).sum();
    Ok(TenantStats {
        total,
        by_status: by(by_status),
        by_plan: by(by_plan),
        by_region: by(by_region),
        created_per_day: created,
        suspended_per_day: suspended,
    })
}
