//! Uptime over any period (H3): the database keeps each check's daily rollups equal to
//! the sum of its hourly ones, and a period read from both (whole days from the daily, the
//! edges from the hourly) answers what the hourly rollups alone would.

use crate::helpers::*;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, DurationRound, NaiveDate, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use tenantry::model::monitoring::{last_hours, quantile, ChartPeriod, Outcome, ProbeResult};
use tenantry::server::access::Caller;
use uuid::Uuid;

/// An hourly rollup as read back: hour, total, degraded, down, histogram.
type Hour = (DateTime<Utc>, i32, i32, i32, Vec<i32>);

/// Sums of rollups: total, degraded, down, histogram.
#[derive(Debug, Default, PartialEq)]
struct Sum(i64, i64, i64, Vec<i64>);

impl Sum {
    fn add(&mut self, total: i32, degraded: i32, down: i32, hist: &[i32]) {
        self.0 += i64::from(total);
        self.1 += i64::from(degraded);
        self.2 += i64::from(down);
        self.3.resize(12, 0);
        for (s, h) in self.3.iter_mut().zip(hist) {
            *s += i64::from(*h);
        }
    }
}

async fn hours(pool: &sqlx::PgPool, check: Uuid) -> Vec<Hour> {
    sqlx::query_as("select hour, total, degraded, down, ms_hist from health_rollups where check_id = $1 order by hour")
        .bind(check)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// What the hourly rollups alone say of [from, to): the hours from `from`'s on, before `to`.
fn expected(hours: &[Hour], from: DateTime<Utc>, to: DateTime<Utc>) -> Sum {
    let from = from.duration_trunc(Duration::hours(1)).unwrap();
    let mut s = Sum::default();
    for (_, t, g, d, hist) in hours.iter().filter(|h| h.0 >= from && h.0 < to) {
        s.add(*t, *g, *d, hist);
    }
    s
}

async fn uptime(app: &TestApp, tenant: &str, check: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> Value {
    let q = |t: DateTime<Utc>| t.to_rfc3339().replace('+', "%2B");
    let (s, v) =
        app.get(&format!("/api/v1/tenants/{tenant}/health-checks/{check}/uptime?from={}&to={}", q(from), q(to))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn daily_rollups_follow_the_hourly_ones_and_any_period_adds_up(pool: sqlx::PgPool) {
    let mut config = tenantry::server::config::Config::default();
    config.outbound.allow = vec!["127.0.0.1".into()];
    let admin = TestApp::with_config(pool.clone(), config).await;
    let a = active_tenant(&admin, "Period Alpha", "starter").await;
    let body = json!({ "name": "API", "url": "http://127.0.0.1:9/ok", "interval_secs": 30, "timeout_ms": 1000 });
    let (s, c) = admin.call("POST", &format!("/api/v1/tenants/{a}/health-checks"), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let (tenant, check) = (Uuid::parse_str(&a).unwrap(), Uuid::parse_str(c["id"].as_str().unwrap()).unwrap());

    // 40 days of hours up to the current one, each with its own figures.
    sqlx::query(
        "insert into health_rollups (tenant_id, check_id, hour, total, degraded, down, ms_hist)
         select $1, $2, date_trunc('hour', now()) - make_interval(hours => g), 120, g % 3,
                case when g % 11 = 0 then 1 + g % 5 else 0 end,
                array[100 - g % 9, 10, g % 9, 5, 5, 0, 0, 0, 0, 0, 0, g % 2]
         from generate_series(0, 40 * 24 - 1) g",
    )
    .bind(tenant)
    .bind(check)
    .execute(&pool)
    .await
    .unwrap();
    // Then probes as the prober writes them: upserts into hours that exist (an update).
    let mut conn = pool.acquire().await.unwrap();
    let now = Utc::now();
    let probe = |at, outcome, ms| ProbeResult {
        at,
        outcome,
        status: None,
        ms,
        cause: None,
        detail: None,
        cert_days_left: None,
    };
    let written = [(probe(now, Outcome::Down, 5_000), None), (probe(now - Duration::hours(2), Outcome::Up, 700), None)];
    tenantry::db::monitoring::insert_results(&mut conn, tenant, check, &written).await.unwrap();
    drop(conn);

    // Every day is the sum of its hours.
    let hourly = hours(&pool, check).await;
    let mut by_day = BTreeMap::<NaiveDate, Sum>::new();
    for (h, t, g, d, hist) in &hourly {
        by_day.entry(h.date_naive()).or_default().add(*t, *g, *d, hist);
    }
    let days: Vec<(NaiveDate, i32, i32, i32, Vec<i32>)> =
        sqlx::query_as("select day, total, degraded, down, ms_hist from health_daily where check_id = $1 order by day")
            .bind(check)
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut daily = BTreeMap::<NaiveDate, Sum>::new();
    for (day, t, g, d, hist) in &days {
        daily.entry(*day).or_default().add(*t, *g, *d, hist);
    }
    assert!(by_day.len() >= 40, "{} days", by_day.len());
    assert_eq!(daily, by_day);

    // Periods read from days and hours give what the hours alone give.
    let midnight = now.duration_trunc(Duration::days(1)).unwrap();
    let periods = [
        (now - Duration::hours(24), now),
        (now - Duration::days(30), now),
        (now - Duration::days(30) + Duration::minutes(17), now - Duration::days(3) + Duration::minutes(5)),
        (midnight - Duration::days(7), midnight),
        (midnight - Duration::days(2) + Duration::minutes(810), midnight - Duration::days(1) + Duration::minutes(130)),
        (midnight - Duration::days(39) - Duration::hours(5), midnight - Duration::days(39) + Duration::hours(2)),
    ];
    for (from, to) in periods {
        let want = expected(&hourly, from, to);
        assert!(want.0 > 0, "{from} – {to}: no hours");
        let got = uptime(&admin, &a, check, from, to).await;
        let said = format!("{from} – {to}: {got}");
        assert_eq!(got["uptime"]["total"], want.0, "{said}");
        assert_eq!(got["degraded"], want.1, "{said}");
        assert_eq!(got["uptime"]["down"], want.2, "{said}");
        assert_eq!(got["p95_ms"], json!(quantile(&want.3, 0.95)), "{said}");
        assert_eq!(got["p50_ms"], json!(quantile(&want.3, 0.5)), "{said}");
    }

    // The tab's custom period: a point per day and the same figures.
    let (d1, d2) = ((midnight - Duration::days(20)).date_naive(), (midnight - Duration::days(11)).date_naive());
    let tab = tenantry::server::services::monitoring::tenant_health(
        &pool,
        &Caller::system(),
        tenant,
        Some(check),
        ChartPeriod::Days(d1, d2),
    )
    .await
    .unwrap();
    assert!(tab.daily);
    assert_eq!(tab.chart.len(), 10);
    assert_eq!(tab.chart[0].at.date_naive(), d1);
    let period = tab.period.expect("the chart's period");
    let want = expected(&hourly, midnight - Duration::days(20), midnight - Duration::days(10));
    assert_eq!((period.uptime.total, period.degraded, period.uptime.down), (want.0, want.1, want.2));
    // Over the last 24 hours the card and the hours agree.
    let tab = tenantry::server::services::monitoring::tenant_health(
        &pool,
        &Caller::system(),
        tenant,
        None,
        ChartPeriod::Last(24),
    )
    .await
    .unwrap();
    assert!(!tab.daily);
    let last_day = expected(&hourly, last_hours(tab.now, 24), tab.now);
    assert_eq!(tab.checks[0].uptime_24h.total, last_day.0);
    assert_eq!(tab.checks[0].uptime_24h.down, last_day.2);
    assert_eq!(tab.chart.len(), 24);

    // The platform overview's 24 hours: summed from every hour, from the day stats plus
    // the current hour, or (stats an hour behind, right after the hour turns) 25 hours.
    let overview = || async {
        let o = tenantry::server::services::monitoring::overview(&pool, &Caller::system(), None, None).await.unwrap();
        let r = o.rows.iter().find(|r| r.check_id == check).expect("the check in the overview").clone();
        (o.now, r.uptime_24h.total, r.uptime_24h.down, r.p95_ms_24h)
    };
    let figures = |from, to| {
        let e = expected(&hourly, from, to);
        (e.0, e.2, quantile(&e.3, 0.95))
    };
    let (at, total, down, p95) = overview().await;
    assert_eq!((total, down, p95), figures(last_hours(at, 24), at), "summed from the hours");
    let this_hour = last_hours(at, 1);
    assert_eq!(tenantry::db::monitoring::refresh_day_stats(&pool, this_hour).await.unwrap(), 1);
    assert_eq!(tenantry::db::monitoring::refresh_day_stats(&pool, this_hour).await.unwrap(), 0, "already there");
    let (at, total, down, p95) = overview().await;
    assert_eq!((total, down, p95), figures(last_hours(at, 24), at), "with the day stats");
    tenantry::db::monitoring::refresh_day_stats(&pool, this_hour - Duration::hours(1)).await.unwrap();
    let (at, total, down, p95) = overview().await;
    assert_eq!((total, down, p95), figures(last_hours(at, 25), at), "with stats an hour behind");
    // Stats older than that are not used.
    tenantry::db::monitoring::refresh_day_stats(&pool, this_hour - Duration::hours(5)).await.unwrap();
    let (at, total, down, p95) = overview().await;
    assert_eq!((total, down, p95), figures(last_hours(at, 24), at), "stale stats left aside");

    // Failure paths: an empty period holds nothing; a long one, a bad time, an unknown
    // check and a bad chart period are clear errors.
    let empty = uptime(&admin, &a, check, now, now - Duration::days(1)).await;
    assert_eq!(empty["uptime"]["total"], 0, "{empty}");
    assert_eq!(empty["p95_ms"], Value::Null, "{empty}");
    let base = format!("/api/v1/tenants/{a}/health-checks/{check}/uptime");
    // Longer than the rollups are kept: cut to the 400 days ending at `to`, and said so.
    let (s, long) = admin.get(&format!("{base}?from=2024-01-01T00:00:00Z&to=2026-12-01T00:00:00Z")).await;
    assert_eq!(s, StatusCode::OK, "{long}");
    assert_eq!(long["from"], "2025-10-27T00:00:00Z", "{long}");
    let (s, e) = admin.get(&format!("{base}?from=yesterday")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    let (s, e) = admin.get(&format!("/api/v1/tenants/{a}/health-checks/{}/uptime", Uuid::new_v4())).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let backwards = ChartPeriod::Days(d2, d1);
    let err = tenantry::server::services::monitoring::tenant_health(&pool, &Caller::system(), tenant, None, backwards)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("first day is after its last"), "{err}");

    // Retention drops old days with old hours; deleting the check drops the rest.
    let mut conn = pool.acquire().await.unwrap();
    tenantry::db::monitoring::maintain(&mut conn, 14, 30).await.unwrap();
    let oldest: Option<NaiveDate> = sqlx::query_scalar("select min(day) from health_daily where check_id = $1")
        .bind(check)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(oldest, Some(now.date_naive() - Duration::days(30)));
    let (s, _) = admin.call("DELETE", &format!("/api/v1/tenants/{a}/health-checks/{check}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let left: i64 =
        sqlx::query_scalar("select (select count(*) from health_daily) + (select count(*) from health_day_stats)")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(left, 0);
}
