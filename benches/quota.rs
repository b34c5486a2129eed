//! Quota benchmark (issue 12, R6): `scripts/bench quota`, or
//! `DATABASE_URL=postgres://tenantry@127.0.0.1:54329/postgres cargo bench --features ssr --bench quota`.
//!
//! Creates a fresh database `tenantry_bench_quota` (dropping an old one), migrates it and
//! loads 50 active tenants, starts the real application on a 127.0.0.1 port, then:
//!
//! * `POST /api/v1/quota/check` over HTTP with an API key, sent at a fixed rate (open
//!   loop: requests leave on schedule whether or not earlier ones have answered) of 1,000
//!   and then 5,000 a second for `SECONDS` each: p50/p99 latency and what was achieved.
//!   Target: p99 ≤ 2 ms at 1,000 req/s;
//! * `POST /api/v1/quota/consume` under contention: 50 clients taking 1 unit each, as fast
//!   as they can, of an allocation of `UNITS`, until refused: consumes/s, p50/p99, and that
//!   exactly `UNITS` were granted (never more);
//! * the baseline, in the same run: `GET /healthz` at the same rate (HTTP and the
//!   server's middleware without the database), so the quota's own cost shows as the
//!   difference.
//!
//! The plans' REST rate limits are raised for the run (they are not what is measured).
//! Client, server and PostgreSQL share the machine's cores. Environment: `SECONDS` per
//! rate (default 5), `UNITS` (default 5,000), `KEEP_DB=1` keeps the database.

use anyhow::{ensure, Result};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tenantry::model::Scope;
use tenantry::server::{config::Config, state::AppState, MIGRATOR};
use uuid::Uuid;

mod common;
use common::{api_key, env_or, percentile, verdict, with_fresh_db};

const BENCH_DB: &str = "tenantry_bench_quota";
const TENANTS: usize = 50;
const CONSUMERS: usize = 50;
const CHECK_P99_MS: f64 = 2.0;
const MAX_IN_FLIGHT: usize = 256;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<()> {
    let seconds: u64 = env_or("SECONDS", 5)?;
    let units: i64 = env_or("UNITS", 5_000)?;
    with_fresh_db(BENCH_DB, |pool| async move { measure(&pool, seconds, units).await }).await
}

async fn measure(pool: &PgPool, seconds: u64, units: i64) -> Result<()> {
    MIGRATOR.run(pool).await?;
    tenantry::server::demo::seed(pool, TENANTS, 7).await?;
    sqlx::query("update tenants set status = 'active', activated_at = coalesce(activated_at, created_at)")
        .execute(pool)
        .await?;
    sqlx::query("update plan_rate_limits set per_second = 1000000, burst = 1000000").execute(pool).await?;
    let tenant: Uuid = sqlx::query_scalar("select id from tenants order by name limit 1").fetch_one(pool).await?;
    let actor = tenantry::server::access::Caller::system().actor();
    let limits = tenantry::model::resources::Limits {
        allocated: units,
        soft_limit: tenantry::model::resources::default_soft(units),
        hard_limit: units,
    };
    let mut tx = pool.begin().await?;
    let before = tenantry::db::resources::lock(&mut tx, tenant, "api_calls_per_month").await?;
    tenantry::db::resources::change(
        &mut tx,
        tenant,
        "api_calls_per_month",
        before,
        limits,
        tenantry::model::resources::ChangeSource::Manual,
        &actor,
        "bench",
    )
    .await?;
    tx.commit().await?;
    let secret = api_key(pool, tenant, &[Scope::QuotaRead]).await?;
    // Statistics as a live database has them (autovacuum would otherwise analyze the
    // freshly loaded tables in the middle of the run).
    sqlx::query("analyze").execute(pool).await?;

    let state = AppState::new(pool.clone(), Config::default());
    // The API key cache is used while its listener runs, as on a real instance.
    let key_listener =
        tenantry::server::workers::start(state.clone(), vec![tenantry::server::access::key_cache::worker()]);
    for _ in 0..500 {
        if state.keys.armed() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    ensure!(state.keys.armed(), "the API key cache's listener did not connect");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = tenantry::server::app(state.clone());
    tokio::spawn(async move {
        axum::serve(tenantry::server::listener(listener), app.into_make_service_with_connect_info::<SocketAddr>()).await
    });
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(256).build()?;

    println!("\nquota check over HTTP, open loop, {seconds} s per rate:");
    for rate in [1_000u64, 5_000] {
        let health = paced(&http, &base, None, rate, seconds).await?;
        // One second of checks at the rate first, not counted: the pool grows to what the
        // rate needs and the statements are prepared before anything is timed (that first
        // second is slow: new connections).
        paced(&http, &base, Some(&secret), rate, 1).await?;
        let check = paced(&http, &base, Some(&secret), rate, seconds).await?;
        let p99 = percentile(&check.times, 99.0);
        let target = if rate == 1_000 {
            format!("target p99 ≤ {CHECK_P99_MS} ms  {}", verdict(p99 <= CHECK_P99_MS))
        } else {
            "(no target)".to_string()
        };
        println!(
            "  {rate:>5} req/s: check p50 {:.2} ms, p99 {p99:.2} ms, achieved {:.0}/s   {target}",
            percentile(&check.times, 50.0),
            check.achieved
        );
        println!(
            "               GET /healthz (baseline) p50 {:.2} ms, p99 {:.2} ms, achieved {:.0}/s",
            percentile(&health.times, 50.0),
            percentile(&health.times, 99.0),
            health.achieved
        );
    }

    // Consume under contention: every client takes 1 until it is refused.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONSUMERS {
        let (http, url, secret) = (http.clone(), format!("{base}/api/v1/quota/consume"), secret.clone());
        tasks.push(tokio::spawn(async move {
            let (mut granted, mut times) = (0i64, Vec::new());
            loop {
                let t = Instant::now();
                let res = http
                    .post(&url)
                    .bearer_auth(&secret)
                    .json(&json!({ "resource": "api_calls_per_month", "amount": 1 }))
                    .send()
                    .await?;
                ensure!(res.status().is_success(), "consume answered {}", res.status());
                let v: Value = res.json().await?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                if v["allowed"] != true {
                    return Ok::<_, anyhow::Error>((granted, times));
                }
                granted += 1;
            }
        }));
    }
    let (mut granted, mut times) = (0, Vec::new());
    for t in tasks {
        let (g, ts) = t.await??;
        granted += g;
        times.extend(ts);
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    println!("\nquota consume, {CONSUMERS} clients racing for {units} units:");
    println!(
        "  {:.0} consumes/s, p50 {:.2} ms, p99 {:.2} ms; granted {granted} of {units}   {}",
        times.len() as f64 / elapsed,
        percentile(&times, 50.0),
        percentile(&times, 99.0),
        verdict(granted == units)
    );
    ensure!(granted <= units, "over-granted: {granted} of {units}");
    key_listener.shutdown(Duration::from_secs(5)).await;
    Ok(())
}

struct Paced {
    times: Vec<f64>,
    achieved: f64,
}

/// Sends `rate` requests a second for `seconds`: the quota check with `secret`, else the
/// health probe. Answers the sorted latencies (ms) and the rate achieved.
async fn paced(http: &reqwest::Client, base: &str, secret: Option<&str>, rate: u64, seconds: u64) -> Result<Paced> {
    let total = rate * seconds;
    let times = Arc::new(std::sync::Mutex::new(Vec::with_capacity(total as usize)));
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    // At most this many requests in flight (open files); when the server falls behind, the
    // rate achieved says so.
    let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..total {
        tick.tick().await;
        let permit = in_flight.clone().acquire_owned().await?;
        let (http, times, secret) = (http.clone(), times.clone(), secret.map(str::to_string));
        let url = match secret {
            Some(_) => format!("{base}/api/v1/quota/check"),
            None => format!("{base}/healthz"),
        };
        tasks.spawn(async move {
            let t = Instant::now();
            let res = match &secret {
                Some(s) => {
                    http.post(&url).bearer_auth(s).json(&json!({ "resource": "api_calls_per_month" })).send().await?
                }
                None => http.get(&url).send().await?,
            };
            ensure!(res.status().is_success(), "{url} answered {}", res.status());
            res.bytes().await?;
            times.lock().unwrap().push(t.elapsed().as_secs_f64() * 1000.0);
            drop(permit);
            Ok::<_, anyhow::Error>(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut times = std::mem::take(&mut *times.lock().unwrap());
    times.sort_by(f64::total_cmp);
    Ok(Paced { achieved: total as f64 / elapsed, times })
}
