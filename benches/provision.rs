//! Provisioning benchmark: `scripts/bench provision`, or
//! `DATABASE_URL=postgres://tenantry@127.0.0.1:54329/tenantry cargo bench --features ssr --bench provision`.
//!
//! Creates a fresh database `tenantry_bench_provision` on the server of `DATABASE_URL`,
//! migrates it and starts the real workflow engine in this process (`[workflows].workers`
//! workers, LISTEN/NOTIFY wake-up, every step durable). Then, for `schema` and for `row`
//! isolation:
//!
//! * end-to-end time from the create request (the service call that inserts the tenant and
//!   queues its run) to the run's success, tenants created one at a time (p50/p95);
//! * tenants per second for a burst of `BURST` tenants created at once;
//!
//! and, for schema tenants, the catalog growth per tenant (pg_class rows and database
//! bytes), and the time to roll one added column of the tenant template out to all of them.
//! In the same run, the baseline: the same template applied as raw SQL through one `psql`
//! session (CREATE ROLE, CREATE SCHEMA, both template versions, one transaction per tenant),
//! timed per tenant from psql's own `\timing`. Targets: schema p50 ≤ 1.5× the raw p50 and
//! p95 ≤ 250 ms, burst ≥ 25 tenants/s; row p95 ≤ 50 ms; roll-out to 1,000 tenants ≤ 5 s.
//! Every schema and role made is dropped at the end, and the bench checks none is left.
//!
//! Environment: `SINGLES` (default 100) tenants one at a time per mode, `BURST` (1000),
//! `WORKERS` (4). A report: missed targets print FAIL and exit 0; setup errors exit non-zero.

use anyhow::{ensure, Context, Result};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::PgPool;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, Instant};
use tenantry::model::NewTenant;
use tenantry::server::access::Caller;
use tenantry::server::config::Config;
use tenantry::server::state::AppState;
use tenantry::server::{rollout, storage, workers, workflow, MIGRATOR};
use uuid::Uuid;

mod common;
use common::{admin_exec, env_or, percentile};

const BENCH_DB: &str = "tenantry_bench_provision";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::SUCCESS, // a report: misses are printed as FAIL
        Err(e) => {
            eprintln!("provision bench failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

struct Check {
    failed: usize,
}

impl Check {
    fn target(&mut self, what: &str, ok: bool, detail: String) {
        println!("  {:<58} {:<28} {}", what, detail, if ok { "ok" } else { "FAIL" });
        if !ok {
            self.failed += 1;
        }
    }
}

async fn run() -> Result<bool> {
    let singles: usize = env_or("SINGLES", 100)?;
    let burst: usize = env_or("BURST", 1000)?;
    let workers: usize = env_or("WORKERS", 4)?;
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL must name a PostgreSQL server (an admin URL)")?;
    let admin = PgConnectOptions::from_str(&url).context("DATABASE_URL is not a PostgreSQL URL")?;
    let opts = admin.clone().database(BENCH_DB);
    println!(
        "tenantry provisioning bench: {singles} tenants one at a time per mode, bursts of {burst}, {workers} workers\n"
    );
    let drop_db = format!("drop database if exists {BENCH_DB} with (force)");
    admin_exec(&admin, &drop_db).await?;
    admin_exec(&admin, &format!("create database {BENCH_DB}")).await?;
    let pool = PgPoolOptions::new().max_connections(16).connect_with(opts.clone()).await?;
    MIGRATOR.run(&pool).await?;
    let outcome = measure(&pool, &url, singles, burst, workers).await;
    let cleanup = clean_up(&pool).await;
    pool.close().await;
    admin_exec(&admin, &drop_db).await?;
    let ok = outcome?;
    cleanup?;
    Ok(ok)
}

fn config(workers: usize) -> Config {
    let mut c = Config::default();
    c.workflows.workers = workers;
    // Nobody listens for mail in the bench: a closed port fails fast.
    c.mail.smtp_url = "smtp://127.0.0.1:9".into();
    c.mail.timeout_secs = 1;
    c
}

async fn create(state: &AppState, n: usize, plan: &str) -> Result<Uuid> {
    let input = NewTenant {
        name: format!("Bench {plan} {n} {}", &Uuid::new_v4().simple().to_string()[..8]),
        plan: plan.into(),
        region: "eu-west-1".into(),
        ..Default::default()
    };
    Ok(tenantry::server::services::tenants::create(state, &Caller::system(), input).await?.id)
}

/// Waits until every run of `tenants` has succeeded: checks again whenever a run finishes
/// (LISTEN on the engine's notification), so waiting costs no CPU the runs could use.
async fn wait_done(pool: &PgPool, listener: &mut PgListener, tenants: &[Uuid]) -> Result<()> {
    let until = Instant::now() + Duration::from_secs(600);
    loop {
        let (open, failed): (i64, i64) = sqlx::query_as(
            "select count(*) filter (where status in ('pending', 'running', 'compensating')),
                    count(*) filter (where status = 'failed')
               from workflow_runs where tenant_id = any($1)",
        )
        .bind(tenants)
        .fetch_one(pool)
        .await?;
        ensure!(failed == 0, "{failed} provisioning runs failed");
        if open == 0 {
            return Ok(());
        }
        ensure!(Instant::now() < until, "provisioning did not finish in 10 minutes");
        // A finished run, or at worst a second (a notification lost to a reconnect).
        let _ = tokio::time::timeout(Duration::from_secs(1), listener.recv()).await;
    }
}

/// Listening before the work starts, so no notification is missed.
async fn finished_listener(pool: &PgPool) -> Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(tenantry::db::workflows::FINISHED).await?;
    Ok(listener)
}

struct Latency {
    p50: f64,
    p95: f64,
}

fn latency(mut ms: Vec<f64>) -> Latency {
    ms.sort_by(f64::total_cmp);
    Latency { p50: percentile(&ms, 50.0), p95: percentile(&ms, 95.0) }
}

async fn one_at_a_time(state: &AppState, plan: &str, n: usize) -> Result<(Latency, Vec<Uuid>)> {
    let mut ms = Vec::with_capacity(n);
    let mut tenants = Vec::with_capacity(n);
    let mut listener = finished_listener(&state.pool).await?;
    for i in 0..n {
        let start = Instant::now();
        let t = create(state, i, plan).await?;
        wait_done(&state.pool, &mut listener, &[t]).await?;
        ms.push(start.elapsed().as_secs_f64() * 1000.0);
        tenants.push(t);
    }
    Ok((latency(ms), tenants))
}

/// Where the time of a run goes: each step's mean duration as the engine recorded it
/// (the step's own work inside its savepoint), in run order.
async fn step_breakdown(pool: &PgPool, tenants: &[Uuid]) -> Result<String> {
    let rows: Vec<(String, f64)> = sqlx::query_as(
        "select s.name, avg(s.duration_ms)::float8 from workflow_steps s join workflow_runs r on r.id = s.run_id
          where r.tenant_id = any($1) group by s.name, s.position order by s.position",
    )
    .bind(tenants)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(|(name, ms)| format!("{name} {ms:.1}")).collect::<Vec<_>>().join(", "))
}

async fn burst_rate(state: &AppState, plan: &str, n: usize) -> Result<(f64, Vec<Uuid>)> {
    let mut listener = finished_listener(&state.pool).await?;
    let start = Instant::now();
    let mut tenants = Vec::with_capacity(n);
    for i in 0..n {
        tenants.push(create(state, 100_000 + i, plan).await?);
    }
    wait_done(&state.pool, &mut listener, &tenants).await?;
    Ok((n as f64 / start.elapsed().as_secs_f64(), tenants))
}

async fn catalog_size(pool: &PgPool) -> Result<(i64, i64)> {
    Ok(sqlx::query_as("select (select count(*) from pg_class), pg_database_size(current_database())")
        .fetch_one(pool)
        .await?)
}

/// The raw baseline: the same storage and template as one psql script, one transaction
/// per tenant; answers each tenant's time (sum of its statements' `\timing`).
fn psql_baseline(url: &str, n: usize) -> Result<(Latency, Vec<String>)> {
    let db_url = match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{BENCH_DB}"),
        None => url.to_string(),
    };
    let template: String = storage::TEMPLATE.iter().map(|v| v.sql).collect::<Vec<_>>().join("\n");
    let mut script = String::from("\\set ON_ERROR_STOP on\n\\timing on\n");
    let mut roles = Vec::new();
    for i in 0..n {
        let id = Uuid::new_v4();
        let (schema, role) = (format!("raw_{}", id.simple()), format!("rawr_{}", id.simple()));
        script.push_str(&format!(
            "\\echo TENANT {i}\nbegin;\ncreate role {role} nologin noinherit;\ngrant {role} to current_user;\n\
             create schema {schema} authorization {role};\nset local search_path to {schema};\nset local role {role};\n\
             {template}\nreset role;\ncommit;\n"
        ));
        roles.push(role);
    }
    let out = std::process::Command::new("psql")
        .arg(&db_url)
        .args(["-q", "-X", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("psql must be on PATH for the baseline")
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().context("stdin")?.write_all(script.as_bytes())?;
            Ok(child.wait_with_output()?)
        })?;
    ensure!(out.status.success(), "psql baseline failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut per = Vec::new();
    let mut current: Option<f64> = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if line.starts_with("TENANT ") {
            if let Some(t) = current.take() {
                per.push(t);
            }
            current = Some(0.0);
        } else if let Some(rest) = line.strip_prefix("Time: ") {
            let ms: f64 = rest.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
            *current.get_or_insert(0.0) += ms;
        }
    }
    if let Some(t) = current {
        per.push(t);
    }
    ensure!(per.len() == n, "psql timing: expected {n} tenants, parsed {}", per.len());
    Ok((latency(per), roles))
}

async fn measure(pool: &PgPool, url: &str, singles: usize, burst: usize, workers: usize) -> Result<bool> {
    let state = AppState::new(pool.clone(), config(workers));
    let _app = tenantry::server::app(state.clone());
    let running = workers::start(state.clone(), workflow::workers(&state));
    tokio::time::sleep(Duration::from_millis(300)).await; // listener connected
    let mut check = Check { failed: 0 };

    // Warm-up (the shared row schema, caches).
    let warm = [create(&state, 0, "free").await?, create(&state, 0, "enterprise").await?];
    wait_done(pool, &mut finished_listener(pool).await?, &warm).await?;

    let (raw, raw_roles) = psql_baseline(url, singles)?;
    let (schema, schema_singles) = one_at_a_time(&state, "enterprise", singles).await?;
    let (row, row_singles) = one_at_a_time(&state, "starter", singles).await?;
    println!("one at a time, request → active ({singles} each):");
    println!("  raw SQL through psql (baseline)       p50 {:>7.2} ms   p95 {:>7.2} ms", raw.p50, raw.p95);
    println!("  schema isolation, durable workflow    p50 {:>7.2} ms   p95 {:>7.2} ms", schema.p50, schema.p95);
    println!("  row isolation, durable workflow       p50 {:>7.2} ms   p95 {:>7.2} ms", row.p50, row.p95);
    println!("  mean step time, schema (ms): {}", step_breakdown(pool, &schema_singles).await?);
    println!("  mean step time, row (ms):    {}\n", step_breakdown(pool, &row_singles).await?);

    let before = catalog_size(pool).await?;
    let (schema_rate, schema_tenants) = burst_rate(&state, "enterprise", burst).await?;
    let after = catalog_size(pool).await?;
    let (row_rate, _) = burst_rate(&state, "starter", burst).await?;
    println!("bursts of {burst}:");
    println!("  schema isolation    {schema_rate:>7.1} tenants/s");
    println!("  row isolation       {row_rate:>7.1} tenants/s");
    let per_class = (after.0 - before.0) as f64 / burst as f64;
    let per_bytes = (after.1 - before.1) as f64 / burst as f64;
    println!(
        "  catalog growth per schema tenant: {per_class:.1} pg_class rows, {:.1} KB of database\n",
        per_bytes / 1024.0
    );

    // Roll one added column out to every schema tenant.
    let version = storage::latest_version() + 1;
    let schema_count: i64 =
        sqlx::query_scalar("select count(*) from template_schemas where tenant_id is not null").fetch_one(pool).await?;
    let start = Instant::now();
    let id = rollout::start(pool, version).await?;
    let done =
        rollout::run(pool, id, version, Some("alter table projects add column bench_note text"), workers).await?;
    let rollout_secs = start.elapsed().as_secs_f64();
    ensure!(
        done.failed == 0 && done.done == schema_count,
        "roll-out: {} of {schema_count} done, {} failed",
        done.done,
        done.failed
    );
    println!("template roll-out of one added column to {schema_count} schema tenants: {rollout_secs:.2} s\n");

    println!("targets:");
    check.target(
        "schema p50 within 1.5× of raw SQL",
        schema.p50 <= raw.p50 * 1.5,
        format!("{:.2}× ({:.2} / {:.2} ms)", schema.p50 / raw.p50, schema.p50, raw.p50),
    );
    check.target("schema p95 ≤ 250 ms", schema.p95 <= 250.0, format!("{:.2} ms", schema.p95));
    check.target("schema burst ≥ 25 tenants/s", schema_rate >= 25.0, format!("{schema_rate:.1}/s"));
    check.target("row p95 ≤ 50 ms", row.p95 <= 50.0, format!("{:.2} ms", row.p95));
    let per_thousand = rollout_secs * 1000.0 / schema_count.max(1) as f64;
    check.target("roll-out ≤ 5 s per 1,000 tenants", per_thousand <= 5.0, format!("{per_thousand:.2} s per 1,000"));
    let _ = schema_tenants;

    // The baseline's own roles are dropped here; the workflow tenants' in clean_up.
    let mut conn = pool.acquire().await?;
    for role in &raw_roles {
        let schema = role.replacen("rawr_", "raw_", 1);
        sqlx::raw_sql(&format!("drop schema {schema} cascade; drop owned by {role}; drop role {role}"))
            .execute(&mut *conn)
            .await?;
    }
    println!("\n{} target(s) missed", check.failed);
    running.shutdown(Duration::from_secs(5)).await;
    Ok(check.failed == 0)
}

/// Drops every tenant's storage (schemas and roles are cluster objects: dropping the
/// database would leave the roles behind) and checks nothing is left.
async fn clean_up(pool: &PgPool) -> Result<()> {
    let tenants: Vec<Uuid> = sqlx::query_scalar("select tenant_id from tenant_storage").fetch_all(pool).await?;
    let mut left = 0;
    for chunk in tenants.chunks(20) {
        let mut tx = pool.begin().await?;
        for t in chunk {
            storage::drop_storage(&mut tx, *t).await?;
        }
        tx.commit().await?;
    }
    for t in &tenants {
        let mut tx = pool.begin().await?;
        let (s, r, _) = storage::remains(&mut tx, *t).await?;
        left += s + r;
    }
    ensure!(left == 0, "{left} schemas or roles were left behind");
    println!("clean-up: storage of {} tenants dropped, no schema or role left", tenants.len());
    Ok(())
}
