//! Platform statistics (PRODUCT.md T6), over all tenants or only those in `only`.

use crate::error::AppError;
use crate::model::{Count, DayCount, TenantStats};
use sqlx::PgPool;
use uuid::Uuid;

pub async fn tenant_stats(pool: &PgPool, only: Option<&[Uuid]>) -> Result<TenantStats, AppError> {
    // `$1 is null` means every tenant; otherwise only the listed ones.
    let by_status = sqlx::query_as!(
        Count,
        r#"select status as key, count(*) as "count!" from tenants where ($1::uuid[] is null or id = any($1))
           group by status order by 2 desc"#,
        only,
    )
    .fetch_all(pool)
    .await?;
    let by_plan = sqlx::query_as!(
        Count,
        r#"select p.id as key, count(t.id) as "count!" from plans p
           left join tenants t on t.plan_id = p.id and ($1::uuid[] is null or t.id = any($1))
           group by p.id, p.sort_order order by p.sort_order"#,
        only,
    )
    .fetch_all(pool)
    .await?;
    let by_region = sqlx::query_as!(
        Count,
        r#"select region as key, count(*) as "count!" from tenants where ($1::uuid[] is null or id = any($1))
           group by region order by 2 desc"#,
        only,
    )
    .fetch_all(pool)
    .await?;
    let created_per_day = sqlx::query_as!(
        DayCount,
        r#"select d::date as "day!", count(t.id) as "count!"
           from generate_series(current_date - 29, current_date, interval '1 day') d
           left join tenants t on t.created_at >= d and t.created_at < d + interval '1 day'
                               and ($1::uuid[] is null or t.id = any($1))
           group by d order by d"#,
        only,
    )
    .fetch_all(pool)
    .await?;
    let suspended_per_day = sqlx::query_as!(
        DayCount,
        r#"select d::date as "day!", count(e.id) as "count!"
           from generate_series(current_date - 29, current_date, interval '1 day') d
           left join audit_events e on e.action = 'tenant.suspended'
                and e.occurred_at >= d and e.occurred_at < d + interval '1 day'
                and ($1::uuid[] is null or e.tenant_id = any($1))
           group by d order by d"#,
        only,
    )
    .fetch_all(pool)
    .await?;
    let total = by_status.iter().map(|c| c.count).sum();
    Ok(TenantStats { total, by_status, by_plan, by_region, created_per_day, suspended_per_day })
}
