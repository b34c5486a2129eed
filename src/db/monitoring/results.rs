//! Probe results (partitioned by day) and the hourly rollups uptime and charts read.

use crate::error::AppError;
use crate::model::monitoring::*;
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;
/// Stores results and adds them to their hours' rollups.
pub async fn insert_results(
    db: &mut PgConnection,
    tenant: Uuid,
    check: Uuid,
    results: &[(ProbeResult, Option<i32>)],
) -> Result<(), AppError> {
    for (r, lag_ms) in results {
        sqlx::query(
            "insert into health_results (tenant_id, check_id, at, outcome, status, ms, cause, detail, cert_days_left, lag_ms)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing",
        )
        .bind(tenant)
        .bind(check)
        .bind(r.at)
        .bind(r.outcome)
        .bind(r.status)
        .bind(r.ms)
        .bind(r.cause)
        .bind(&r.detail)
        .bind(r.cert_days_left)
        .bind(lag_ms)
        .execute(&mut *db)
        .await?;
        let mut hist = vec![0i32; BUCKETS.len()];
        hist[bucket(r.ms)] = 1;
        sqlx::query(
            "insert into health_rollups (tenant_id, check_id, hour, total, degraded, down, ms_hist)
             values ($1, $2, date_trunc('hour', $3), 1, $4, $5, $6)
             on conflict (tenant_id, check_id, hour) do update set
                 total = health_rollups.total + 1,
                 degraded = health_rollups.degraded + excluded.degraded,
                 down = health_rollups.down + excluded.down,
                 ms_hist = array(select a + b from unnest(health_rollups.ms_hist, excluded.ms_hist) as h(a, b))",
        )
        .bind(tenant)
        .bind(check)
        .bind(r.at)
        .bind(i32::from(r.outcome == Outcome::Degraded))
        .bind(i32::from(r.outcome == Outcome::Down))
        .bind(&hist)
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// A check's results in [from, to), newest first, at most `limit`.
pub async fn results(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    check: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<ProbeResult>, AppError> {
    Ok(sqlx::query_as::<_, ResultRow>(
        "select at, outcome, status, ms, cause, detail, cert_days_left from health_results
         where tenant_id = $1 and check_id = $2 and at >= $3 and at < $4 order by at desc limit $5",
    )
    .bind(tenant)
    .bind(check)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(ProbeResult::from)
    .collect())
}

#[derive(FromRow)]
struct ResultRow {
    at: DateTime<Utc>,
    outcome: Outcome,
    status: Option<i32>,
    ms: i32,
    cause: Option<Cause>,
    detail: Option<String>,
    cert_days_left: Option<i32>,
}

impl From<ResultRow> for ProbeResult {
    fn from(r: ResultRow) -> Self {
        ProbeResult {
            at: r.at,
            outcome: r.outcome,
            status: r.status,
            ms: r.ms,
            cause: r.cause,
            detail: r.detail,
            cert_days_left: r.cert_days_left,
        }
    }
}

/// The 12 histogram buckets summed, as SQL (the bucket count is fixed by a CHECK).
macro_rules! hist_sum {
    ($filter:literal) => {
        concat!(
            "array[",
            "sum(ms_hist[1]) filter (where ",
            $filter,
            "), sum(ms_hist[2]) filter (where ",
            $filter,
            "), ",
            "sum(ms_hist[3]) filter (where ",
            $filter,
            "), sum(ms_hist[4]) filter (where ",
            $filter,
            "), ",
            "sum(ms_hist[5]) filter (where ",
            $filter,
            "), sum(ms_hist[6]) filter (where ",
            $filter,
            "), ",
            "sum(ms_hist[7]) filter (where ",
            $filter,
            "), sum(ms_hist[8]) filter (where ",
            $filter,
            "), ",
            "sum(ms_hist[9]) filter (where ",
            $filter,
            "), sum(ms_hist[10]) filter (where ",
            $filter,
            "), ",
            "sum(ms_hist[11]) filter (where ",
            $filter,
            "), sum(ms_hist[12]) filter (where ",
            $filter,
            ")",
            "]::int8[]"
        )
    };
}

/// One check's sums over one of the periods asked for (`period`: its index).
#[derive(Debug, Clone, FromRow)]
pub struct Sums {
    pub period: i32,
    pub check_id: Uuid,
    pub total: i64,
    pub degraded: i64,
    pub down: i64,
    pub hist: Vec<Option<i64>>,
}

impl Sums {
    pub fn hist(&self) -> Vec<i64> {
        self.hist.iter().map(|v| v.unwrap_or(0)).collect()
    }

    pub fn uptime(&self) -> Uptime {
        Uptime { total: self.total, down: self.down }
    }
}

/// The sums of `checks` (the tenant's) over each period, read as its `Cover` says:
/// whole days from the daily rollups, the partial ones at the edges from the hourly.
/// A check without probes in a period has no row for it.
pub async fn sums(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    checks: &[Uuid],
    covers: &[Cover],
) -> Result<Vec<Sums>, AppError> {
    let q = concat!(
        "select (p.i - 1)::int4 as period, r.check_id, sum(r.total)::int8 as total,
                sum(r.degraded)::int8 as degraded, sum(r.down)::int8 as down, ",
        hist_sum!("true"),
        " as hist
         from unnest($3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[], $7::date[], $8::date[])
              with ordinality as p(ha, hb, ta, tb, da, db, i)
         cross join lateral (
             select check_id, total, degraded, down, ms_hist from health_rollups
             where tenant_id = $1 and check_id = any($2)
               and ((hour >= p.ha and hour < p.hb) or (hour >= p.ta and hour < p.tb))
             union all
             select check_id, total, degraded, down, ms_hist from health_daily
             where tenant_id = $1 and check_id = any($2) and day >= p.da and day < p.db
         ) r
         group by p.i, r.check_id"
    );
    let col = |f: fn(&Cover) -> DateTime<Utc>| covers.iter().map(f).collect::<Vec<_>>();
    let days = |f: fn(&Cover) -> chrono::NaiveDate| covers.iter().map(f).collect::<Vec<_>>();
    Ok(sqlx::query_as(q)
        .bind(tenant)
        .bind(checks)
        .bind(col(|c| c.head.0))
        .bind(col(|c| c.head.1))
        .bind(col(|c| c.tail.0))
        .bind(col(|c| c.tail.1))
        .bind(days(|c| c.days.0))
        .bind(days(|c| c.days.1))
        .fetch_all(db)
        .await?)
}

/// A check's points in `[from, to)`: per hour (the hour `from` falls in counts), or per
/// UTC day when `daily` (the day `from` falls in counts).
pub async fn points(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    check: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    daily: bool,
) -> Result<Vec<Point>, AppError> {
    let sql = if daily {
        "select day::timestamp at time zone 'UTC' as at, total, down, ms_hist from health_daily
         where tenant_id = $1 and check_id = $2 and day >= ($3 at time zone 'UTC')::date
           and day::timestamp at time zone 'UTC' < $4 order by day"
    } else {
        "select hour as at, total, down, ms_hist from health_rollups
         where tenant_id = $1 and check_id = $2 and hour >= date_trunc('hour', $3) and hour < $4 order by hour"
    };
    let rows: Vec<(DateTime<Utc>, i32, i32, Vec<i32>)> =
        sqlx::query_as(sql).bind(tenant).bind(check).bind(from).bind(to).fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(at, total, down, hist)| {
            let h: Vec<i64> = hist.into_iter().map(i64::from).collect();
            Point { at, total: total.into(), down: down.into(), p50_ms: quantile(&h, 0.5), p95_ms: quantile(&h, 0.95) }
        })
        .collect())
}

#[derive(FromRow)]
struct OverviewDbRow {
    tenant_id: Uuid,
    tenant_name: String,
    tenant_slug: String,
    check_id: Uuid,
    name: String,
    url: String,
    state: CheckState,
    state_since: DateTime<Utc>,
    enabled: bool,
    total_24h: i64,
    down_24h: i64,
    day_hist: Vec<Option<i64>>,
    live_hist: Vec<Option<i64>>,
    incident_since: Option<DateTime<Utc>>,
}

/// Sums each check's 23 hours before `through` (an hour's start) into its day stats,
/// for the checks whose stats are missing or end elsewhere; answers how many it wrote.
pub async fn refresh_day_stats(db: impl PgExecutor<'_>, through: DateTime<Utc>) -> Result<u64, AppError> {
    let sql = concat!(
        "insert into health_day_stats (tenant_id, check_id, through, total, degraded, down, ms_hist)
         select c.tenant_id, c.id, $1, coalesce(sum(r.total), 0), coalesce(sum(r.degraded), 0),
                coalesce(sum(r.down), 0), ",
        hist_sum!("r.hour is not null"),
        "
         from health_checks c
         left join health_rollups r on r.tenant_id = c.tenant_id and r.check_id = c.id
              and r.hour >= $1 - interval '23 hours' and r.hour < $1
         where not exists (select 1 from health_day_stats s
                           where s.tenant_id = c.tenant_id and s.check_id = c.id and s.through = $1)
         group by c.tenant_id, c.id
         on conflict (tenant_id, check_id) do update set
             through = excluded.through, total = excluded.total, degraded = excluded.degraded,
             down = excluded.down, ms_hist = excluded.ms_hist"
    );
    // A check without probes has NULL buckets (a sum of no rows), read as zeros.
    Ok(sqlx::query(sql).bind(through).execute(db).await?.rows_affected())
}

/// Every check of every tenant with its uptime and p95 since `since` (the hour it falls
/// in counts; the last 24 hours), worst first; `state` and a search text `q` (tenant or
/// check name, URL) narrow it. A check's day stats (`refresh_day_stats`) ending at
/// `since + 23 h` (the current hour) or the hour before stand for the hours before their
/// end, and only the hours from there on are summed; without them, every hour is. Right
/// after an hour starts, before the stats move on, the figures span 25 hours.
pub async fn overview(
    db: impl PgExecutor<'_>,
    state: Option<CheckState>,
    q: Option<&str>,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<OverviewRow>, AppError> {
    let sql = concat!(
        "select c.tenant_id, t.name as tenant_name, t.slug as tenant_slug, c.id as check_id, c.name, c.url, c.state,
                c.state_since, c.enabled, coalesce(s.total, 0) + coalesce(l.total, 0) as total_24h,
                coalesce(s.down, 0) + coalesce(l.down, 0) as down_24h,
                coalesce(s.ms_hist, array[]::int8[]) as day_hist, l.hist as live_hist, i.started_at as incident_since
         from health_checks c
         join tenants t on t.id = c.tenant_id
         left join health_day_stats s on s.tenant_id = c.tenant_id and s.check_id = c.id
              and s.through >= $1 + interval '22 hours'
         left join lateral (
             select sum(total)::int8 as total, sum(down)::int8 as down, ",
        hist_sum!("true"),
        " as hist
             from health_rollups r
             where r.tenant_id = c.tenant_id and r.check_id = c.id and r.hour >= coalesce(s.through, $1)
         ) l on true
         left join health_incidents i on i.tenant_id = c.tenant_id and i.check_id = c.id and i.ended_at is null
         where ($2::text is null or c.state = $2)
           and ($3::text is null or strpos(lower(t.name || ' ' || t.slug || ' ' || c.name || ' ' || c.url), lower($3)) > 0)
         order by case c.state when 'down' then 0 when 'degraded' then 1 when 'pending' then 2 else 3 end,
                  (i.started_at is null), c.state_since, lower(t.name), lower(c.name)
         limit $4"
    );
    let rows: Vec<OverviewDbRow> =
        sqlx::query_as(sql).bind(since).bind(state.map(CheckState::as_str)).bind(q).bind(limit).fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut h = vec![0i64; BUCKETS.len()];
            for (i, v) in r.day_hist.iter().enumerate().chain(r.live_hist.iter().enumerate()) {
                if let (Some(b), Some(v)) = (h.get_mut(i), v) {
                    *b += v;
                }
            }
            OverviewRow {
                tenant_id: r.tenant_id,
                tenant_name: r.tenant_name,
                tenant_slug: r.tenant_slug,
                check_id: r.check_id,
                name: r.name,
                url: r.url,
                state: r.state,
                state_since: r.state_since,
                enabled: r.enabled,
                uptime_24h: Uptime { total: r.total_24h, down: r.down_24h },
                p95_ms_24h: quantile(&h, 0.95),
                incident_since: r.incident_since,
            }
        })
        .collect())
}

/// Counts by state over every check, and open incidents.
pub async fn counts(db: impl PgExecutor<'_>) -> Result<(i64, i64, i64, i64, i64), AppError> {
    Ok(sqlx::query_as(
        "select count(*) filter (where state = 'up'), count(*) filter (where state = 'degraded'),
                count(*) filter (where state = 'down'), count(*) filter (where state = 'pending'),
                (select count(*) from health_incidents where ended_at is null)
         from health_checks",
    )
    .fetch_one(db)
    .await?)
}
