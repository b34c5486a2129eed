//! Usage metering benchmark (issue 11): `scripts/bench usage`, or
//! `DATABASE_URL=postgres://tenantry@127.0.0.1:54329/postgres cargo bench --features ssr --bench usage`.
//!
//! Creates a fresh database `tenantry_bench_usage` (dropping an old one), migrates it and
//! loads 300 active tenants with 90 days of hourly usage for six metrics (`history::seed`
//! plus three measured metrics), then:
//!
//! * ingestion over HTTP: the real application on a 127.0.0.1 port with its rollup worker
//!   running, four concurrent clients (one tenant and API key each) sending 1,000-event
//!   batches of which 10 % repeat events of their previous batch (duplicates). Prints
//!   events/s (all, and accepted), batch latency p50/p99, and the rollup lag sampled every
//!   250 ms while the load runs (max and p95) plus the time to catch up after it;
//! * the baseline, in the same run: COPY of the same number of rows into `usage_events`
//!   over one connection (no deduplication, no HTTP, no JSON). Target: accepted events/s
//!   ≥ 50,000 and ≥ 0.5 × COPY; rollup lag ≤ 5 s;
//! * for comparison, in the same run: the HTTP path's database write alone (the one
//!   statement a batch costs, `db::usage::write_new`, from four connections with batches
//!   built before the clock), which bounds what HTTP can reach here; and COPY of the rows
//!   together with their idempotency keys into `usage_dedup` (the exactly-once record);
//! * the tenant Usage tab's reads (`services::usage::tenant_view`: the period with cost,
//!   30 days per metric, invoices) for random tenants: p50/p95. Target: p95 ≤ 20 ms.
//!
//! Environment: `BATCHES` per client (default 60), `KEEP_DB=1` keeps the database. A report:
//! missed targets print FAIL and exit 0; a setup error or failed requests exit non-zero.
//! Client, server and PostgreSQL share the machine's cores: compare with the baseline of
//! the same run.

use anyhow::{ensure, Result};
use chrono::Utc;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tenantry::db::usage::KeyedEvents;
use tenantry::model::usage::UsageEvent;
use tenantry::model::Scope;
use tenantry::server::services::usage::ingest::fingerprint;
use tenantry::server::{config::Config, state::AppState, MIGRATOR};
use uuid::Uuid;

mod common;
use common::{api_key, checkpoint, env_or, percentile, verdict, with_fresh_db};

const BENCH_DB: &str = "tenantry_bench_usage";
const CLIENTS: usize = 4;
const BATCH: usize = 1000;
const DUPLICATES: usize = 100;
const TENANTS: i64 = 300;
const EVENTS_PER_S: f64 = 50_000.0;
const COPY_RATIO: f64 = 0.5;
const LAG_S: f64 = 5.0;
const TAB_P95_MS: f64 = 20.0;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<()> {
    let batches: usize = env_or("BATCHES", 60)?;
    with_fresh_db(BENCH_DB, |pool| async move { measure(&pool, batches).await }).await
}

async fn load(pool: &PgPool) -> Result<Vec<Uuid>> {
    let started = Instant::now();
    MIGRATOR.run(pool).await?;
    tenantry::server::demo::seed(pool, TENANTS as usize, 42).await?;
    sqlx::query("update tenants set status = 'active', activated_at = coalesce(activated_at, created_at)")
        .execute(pool)
        .await?;
    let hourly = tenantry::server::metering::history::seed(pool, 90, TENANTS).await?;
    // Three measured metrics beside the three reported ones: six per tenant.
    sqlx::raw_sql(
        "insert into usage_hourly (tenant_id, metric, hour, total, peak, last, last_at, events)
         select tenant_id, m, hour, v, v, v, last_at, 1 from usage_hourly
         cross join lateral (values ('members', 3 + (total::bigint % 40)), ('projects', 1 + (total::bigint % 12)),
                                    ('data_bytes', total * 4096)) as x (m, v)
         where metric = 'api_calls';
         insert into usage_daily (tenant_id, metric, day, total, peak, last, last_at, events)
         select tenant_id, metric, (hour at time zone 'UTC')::date, sum(total), max(peak),
                (array_agg(last order by last_at desc))[1], max(last_at), sum(events)::bigint
         from usage_hourly where metric in ('members', 'projects', 'data_bytes') group by 1, 2, 3
         on conflict do nothing;",
    )
    .execute(pool)
    .await?;
    sqlx::raw_sql("vacuum analyze").execute(pool).await?;
    checkpoint(pool, "the load").await;
    let rows: i64 = sqlx::query_scalar("select count(*) from usage_hourly").fetch_one(pool).await?;
    println!(
        "load: {TENANTS} tenants, {rows} hourly rows ({} from the history seed), {:.1} s",
        hourly,
        started.elapsed().as_secs_f64()
    );
    Ok(sqlx::query_scalar("select id from tenants order by name").fetch_all(pool).await?)
}

async fn measure(pool: &PgPool, batches: usize) -> Result<()> {
    let tenants = load(pool).await?;
    // What is measured is ingestion, not the plans' REST rate limits: room for the load.
    sqlx::query("update plan_rate_limits set per_second = 1000000, burst = 1000000").execute(pool).await?;
    let mut config = Config::default();
    config.usage.rollup_interval_ms = 1000;
    let state = AppState::new(pool.clone(), config);
    let rollup: Vec<_> =
        tenantry::server::metering::workers(&state).into_iter().filter(|w| w.name == "usage-rollup").collect();
    let running = tenantry::server::workers::start(state.clone(), rollup);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = tenantry::server::app(state.clone());
    tokio::spawn(async move {
        axum::serve(tenantry::server::listener(listener), app.into_make_service_with_connect_info::<SocketAddr>()).await
    });
    let base = format!("http://{addr}");

    // Keys and prepared batches (JSON built before the clock starts).
    let mut clients = Vec::new();
    for (c, tenant) in tenants.iter().take(CLIENTS).enumerate() {
        let secret = api_key(pool, *tenant, &[Scope::UsageWrite]).await?;
        let now = Utc::now();
        let mut bodies = Vec::with_capacity(batches);
        for b in 0..batches {
            let events: Vec<Value> = (0..BATCH)
                .map(|i| {
                    // The first DUPLICATES events repeat the previous batch's (same key, same payload).
                    let (bb, ii) = if b > 0 && i < DUPLICATES { (b - 1, BATCH - DUPLICATES + i) } else { (b, i) };
                    let n = (c * 1_000_000 + bb * BATCH + ii) as i64;
                    let metric = ["api_calls", "bandwidth_gb", "storage_gb"][(n % 3) as usize];
                    json!({ "metric": metric,
                            "value": (n % 97) as f64, "time": now - chrono::Duration::seconds(n % 7200),
                            "idempotency_key": format!("c{c}-{bb}-{ii}") })
                })
                .collect();
            bodies.push(serde_json::to_vec(&json!({ "events": events }))?);
        }
        clients.push((secret, bodies));
    }

    let lags = Arc::new(std::sync::Mutex::new(Vec::<f64>::new()));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (pool, lags, done) = (pool.clone(), lags.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Ok(l) = tenantry::db::usage::rollup_lag(&pool).await {
                    lags.lock().unwrap().push(l);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };
    let http = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(CLIENTS).build()?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (secret, bodies) in clients {
        let (http, url) = (http.clone(), format!("{base}/api/v1/usage"));
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(bodies.len());
            let mut accepted = 0u64;
            for body in bodies {
                let t = Instant::now();
                let res = http
                    .post(&url)
                    .bearer_auth(&secret)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await?;
                ensure!(res.status().is_success(), "batch refused: {}", res.status());
                // The counts only (a client would read `results` for its invalid events).
                #[derive(serde::Deserialize)]
                struct Counts {
                    accepted: u64,
                }
                accepted += res.json::<Counts>().await?.accepted;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, anyhow::Error>((times, accepted))
        }));
    }
    let mut times = Vec::new();
    let mut accepted = 0;
    for t in tasks {
        let (ts, a) = t.await??;
        times.extend(ts);
        accepted += a;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let catch_up = Instant::now();
    while tenantry::db::usage::rollup_lag(pool).await? > 0.0 && catch_up.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let caught_up_in = catch_up.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    sampler.await?;
    running.shutdown(Duration::from_secs(5)).await;

    let sent = (CLIENTS * batches * BATCH) as f64;
    let expected_accepted = (CLIENTS * (batches * BATCH - (batches - 1) * DUPLICATES)) as u64;
    ensure!(accepted == expected_accepted, "accepted {accepted} events, expected {expected_accepted}");
    times.sort_by(f64::total_cmp);
    let mut lag = lags.lock().unwrap().clone();
    lag.sort_by(f64::total_cmp);
    let per_s = accepted as f64 / elapsed;
    println!("\ningestion over HTTP: {CLIENTS} clients × {batches} batches × {BATCH} events, {DUPLICATES} duplicates per batch");
    println!("  events/s (all sent)        {:>12.0}", sent / elapsed);
    println!(
        "  events/s (accepted)        {:>12.0}   target ≥ {EVENTS_PER_S:.0}  {}",
        per_s,
        verdict(per_s >= EVENTS_PER_S)
    );
    println!("  batch p50 / p99 (ms)       {:>8.1} / {:.1}", percentile(&times, 50.0), percentile(&times, 99.0));
    let max_lag = lag.last().copied().unwrap_or(0.0);
    println!(
        "  rollup lag under load (s)  max {:.2}, p95 {:.2}   target ≤ {LAG_S}  {}",
        max_lag,
        percentile(&lag, 95.0),
        verdict(max_lag <= LAG_S)
    );
    println!("  caught up after the load   {caught_up_in:.2} s");

    // The same number of accepted rows, COPY'd into the same table over one connection.
    // Every timed phase starts from clean buffers: the writes of the phase before are not its.
    let copy_rows = accepted as usize;
    let alone_per_s = write_alone(pool, &tenants, batches).await?;
    let copy_per_s = copy(pool, &tenants, copy_rows, "copy", false).await?;
    let keyed_per_s = copy(pool, &tenants, copy_rows, "keyed", true).await?;
    let ratio = per_s / copy_per_s;
    println!("  COPY baseline (rows/s)     {copy_per_s:>12.0}");
    println!("  HTTP ÷ COPY                {ratio:>12.2}   target ≥ {COPY_RATIO}  {}", verdict(ratio >= COPY_RATIO));
    println!("  for comparison, in the same run:");
    println!(
        "  the write alone (events/s) {alone_per_s:>12.0}   = {:.2} × COPY: a batch's one statement from {CLIENTS} connections,\n{:>43}without HTTP, JSON or checks (the HTTP path's ceiling here)",
        alone_per_s / copy_per_s,
        ""
    );
    println!(
        "  COPY with keys (rows/s)    {keyed_per_s:>12.0}   each row's idempotency key COPY'd into usage_dedup too;\n{:>43}HTTP ÷ it = {:.2}",
        "",
        per_s / keyed_per_s
    );

    // The Usage tab's reads.
    let caller = tenantry::server::access::Caller::system();
    let mut rng = fastrand::Rng::with_seed(5);
    let mut tab = Vec::new();
    for i in 0..220 {
        let t = tenants[rng.usize(..tenants.len())];
        let s = Instant::now();
        tenantry::server::services::usage::tenant_view(pool, &caller, t).await?;
        if i >= 20 {
            tab.push(s.elapsed().as_secs_f64() * 1000.0);
        }
    }
    tab.sort_by(f64::total_cmp);
    let p95 = percentile(&tab, 95.0);
    println!(
        "\nUsage tab reads (period + cost, 30 days × 8 metrics, invoices), {} samples:\n  p50 {:.2} ms, p95 {:.2} ms   target ≤ {TAB_P95_MS} ms  {}",
        tab.len(),
        percentile(&tab, 50.0),
        p95,
        verdict(p95 <= TAB_P95_MS)
    );
    Ok(())
}

/// The HTTP path's database write alone: `db::usage::write_new`, the one statement each
/// batch costs, from `CLIENTS` connections at once, with batches shaped like the HTTP
/// phase's (1,000 events, 10 % repeats of the previous batch) and built before the clock:
/// no HTTP, no JSON, no checks, no rollup beside it. Answers accepted events/s, which bounds
/// what the HTTP path can reach on this machine.
async fn write_alone(pool: &PgPool, tenants: &[Uuid], batches: usize) -> Result<f64> {
    let now = Utc::now();
    let mut work = Vec::new();
    for c in 0..CLIENTS {
        let tenant = tenants[2 * CLIENTS + c];
        let mut all = Vec::with_capacity(batches);
        for b in 0..batches {
            let mut events: Vec<UsageEvent> = (0..BATCH)
                .map(|i| {
                    let (bb, ii) = if b > 0 && i < DUPLICATES { (b - 1, BATCH - DUPLICATES + i) } else { (b, i) };
                    let n = (c * 1_000_000 + bb * BATCH + ii) as i64;
                    UsageEvent {
                        metric: ["api_calls", "bandwidth_gb", "storage_gb"][(n % 3) as usize].to_string(),
                        value: (n % 97) as f64,
                        time: now - chrono::Duration::seconds(n % 7200),
                        idempotency_key: format!("w{c}-{bb}-{ii}"),
                        dimensions: None,
                    }
                })
                .collect();
            // Keys in order, as the service sends them.
            events.sort_unstable_by(|a, b| a.idempotency_key.cmp(&b.idempotency_key));
            let mut ev = KeyedEvents::default();
            for e in events {
                ev.fingerprints.push(fingerprint(&e));
                ev.keys.push(e.idempotency_key);
                ev.metrics.push(e.metric);
                ev.times.push(e.time);
                ev.values.push(e.value);
                ev.dimensions.push(None);
            }
            all.push(ev);
        }
        work.push((tenant, all));
    }
    checkpoint(pool, "the phase before the write alone").await;
    let started = Instant::now();
    let tasks: Vec<_> = work
        .into_iter()
        .map(|(tenant, all)| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut accepted = 0;
                for ev in &all {
                    let seen = tenantry::db::usage::write_new(&mut *pool.acquire().await?, tenant, ev).await?;
                    accepted += ev.keys.len() - seen.len();
                }
                Ok::<_, anyhow::Error>(accepted)
            })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        accepted += t.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let expected = CLIENTS * (batches * BATCH - (batches - 1) * DUPLICATES);
    ensure!(accepted == expected, "the write alone accepted {accepted} events, expected {expected}");
    Ok(accepted as f64 / elapsed)
}

/// COPY of `rows` events into `usage_events` over one connection (tenants after the HTTP
/// phase's); with `keys`, each row's idempotency key and a fingerprint into `usage_dedup`
/// too, in the same transaction. Answers rows/s.
async fn copy(pool: &PgPool, tenants: &[Uuid], rows: usize, prefix: &str, keys: bool) -> Result<f64> {
    let now = Utc::now();
    let (mut events, mut dedup) = (String::with_capacity(rows * 100), String::new());
    for n in 0..rows {
        let tenant = tenants[CLIENTS + n % 4];
        let at = (now - chrono::Duration::seconds((n % 7200) as i64)).to_rfc3339();
        events.push_str(&format!(
            "{tenant},{},{at},{},{prefix}-{n},,{}\n",
            ["api_calls", "bandwidth_gb", "storage_gb"][n % 3],
            n % 97,
            1_000_000_000 + n / BATCH
        ));
        if keys {
            dedup.push_str(&format!("{tenant},{prefix}-{n},\\x{:032x}\n", n as u128 * 0x9E37_79B9_7F4A_7C15));
        }
    }
    checkpoint(pool, "the phase before COPY").await;
    let mut tx = pool.begin().await?;
    let t = Instant::now();
    let mut copy = tx
        .copy_in_raw("copy usage_events (tenant_id, metric, at, value, idempotency_key, dimensions, batch) from stdin (format csv)")
        .await?;
    copy.send(events.as_bytes()).await?;
    copy.finish().await?;
    if keys {
        let mut copy = tx
            .copy_in_raw("copy usage_dedup (tenant_id, idempotency_key, fingerprint) from stdin (format csv)")
            .await?;
        copy.send(dedup.as_bytes()).await?;
        copy.finish().await?;
    }
    tx.commit().await?;
    Ok(rows as f64 / t.elapsed().as_secs_f64())
}
