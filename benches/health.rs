//! Health monitoring benchmark (H2–H4): `scripts/bench health`, or
//! `DATABASE_URL=postgres://tenantry@127.0.0.1:54329/postgres cargo bench --features ssr --bench health`.
//!
//! Creates a fresh database `tenantry_bench_health` (dropping an old one), migrates it,
//! loads `TENANTS` (default 50) active tenants and `CHECKS` (default 1,000) health checks
//! spread evenly over them, every 30 s with a 2,000 ms timeout, their first probes due
//! evenly over the first 30 s. They point at local target servers: axum on 3 ports of
//! 127.0.0.1 (the outbound policy allows 127.0.0.1, as tests and local development do),
//! on a runtime of their own whose threads are named `target`, answering `/ok` at once
//! (90 % of the checks), `/slow` after 200 ms (5 %; their `slow_ms` is 100, so they are
//! degraded) and `/fail` with 503 (5 %; down, with incidents). Then:
//!
//! * the real prober (`prober::worker`, alone: no other worker runs) under the worker
//!   supervisor (`workers::start`) for `SECS` (default 300) seconds, with the real
//!   application serving on a port beside it as on an instance (idle; it installs the
//!   metrics recorder the prober records into). Prints the probes written, probes/s
//!   against the schedule's CHECKS × SECS ÷ 30, the interval between a check's probes,
//!   the scheduling lag (each scheduled probe's `lag_ms`: start − due) p50/p99/max, and
//!   the CPU of this process less the target servers' threads (`/proc/self/stat` and
//!   `/proc/self/task/*/stat`, utime + stime in clock ticks, `getconf CLK_TCK`), as a
//!   share of one core over the wall time. Targets: lag p99 ≤ 1 s, CPU ≤ 25 % of one
//!   core. PostgreSQL's CPU is not in that figure; it is printed beside it (its
//!   backends for this database, from `/proc/<pid>/stat`: PostgreSQL must run on this
//!   machine), and so is the whole machine's busy share (others' work shows there);
//! * the reads of the platform Health page (`services::monitoring::overview`: every
//!   check with its 24 h uptime and p95, counts) and of the tenant Health tab
//!   (`tenant_health`: the tenant's checks with uptime over 24 h, 7 and 30 days, p95,
//!   incidents) with 30 days of history: 720 hourly rollups per check (120 probes an
//!   hour, a response-time histogram, some down and degraded hours; 720,000 rows for
//!   1,000 checks), closed incidents over the month and some open ones, after
//!   `VACUUM ANALYZE` and a checkpoint. The pages read the rollups only, never raw
//!   results, so raw results are not seeded. `REPS` (default 50) calls each after 5 unmeasured ones,
//!   called as the system; then the same pages as a signed-in platform admin gets them
//!   over HTTP from the real application (`GET /health`, `GET /tenants/{id}/health`,
//!   server-rendered whole, and `GET /api/v1/health/overview`). Target: p95 ≤ 50 ms.
//!
//! Before the reads, the day stats the `health-stats` worker keeps are summed (its hourly
//! work, timed), as on a running instance.
//!
//! Environment: `CHECKS`, `TENANTS`, `SECS`, `REPS`, `CONCURRENCY` (`[health]
//! concurrency`, default 256), `KEEP_DB=1` keeps the database, `READS_ONLY=1` times only
//! the reads on the database a `KEEP_DB=1` run kept (migrated to this build first). A report: missed targets
//! print FAIL and exit 0; a setup error or a failed request exits non-zero. The bench,
//! the targets and PostgreSQL share the machine's cores.

use anyhow::{ensure, Context, Result};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use reqwest::Client;
use sqlx::PgPool;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tenantry::model::monitoring::{ChartPeriod, CheckInput};
use tenantry::server::access::Caller;
use tenantry::server::services::monitoring as svc;
use tenantry::server::{config::Config, prober, state::AppState, workers, MIGRATOR};
use uuid::Uuid;

mod common;
use common::{checkpoint, env_or, percentile, verdict, with_fresh_db};

const BENCH_DB: &str = "tenantry_bench_health";
const INTERVAL_SECS: i32 = 30;
const TIMEOUT_MS: i32 = 2_000;
/// Local target servers: this many ports, on a runtime whose threads have this name.
const PORTS: usize = 3;
const TARGET_THREAD: &str = "target";
const SLOW_MS: u64 = 200;
const LAG_P99_MS: f64 = 1_000.0;
const CPU_PCT: f64 = 25.0;
const PAGE_P95_MS: f64 = 50.0;
const WARMUP: usize = 5;
const DAYS: i32 = 30;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    common::exit(run().await)
}

struct Knobs {
    checks: usize,
    tenants: usize,
    secs: u64,
    reps: usize,
    concurrency: usize,
}

async fn run() -> Result<()> {
    let k = Knobs {
        checks: env_or("CHECKS", 1_000)?,
        tenants: env_or("TENANTS", 50)?,
        secs: env_or("SECS", 300)?,
        reps: env_or("REPS", 50)?,
        concurrency: env_or("CONCURRENCY", tenantry::server::config::HealthConfig::default().concurrency)?,
    };
    ensure!(k.checks > 0 && k.tenants > 0 && k.secs > 0 && k.reps > 0, "CHECKS, TENANTS, SECS and REPS must be > 0");
    if std::env::var("READS_ONLY").is_ok_and(|v| v == "1") {
        let pool = common::kept_db(BENCH_DB).await?;
        let k =
            Knobs { checks: db_count(&pool, "health_checks").await?, tenants: db_count(&pool, "tenants").await?, ..k };
        let state = AppState::new(pool.clone(), config(&k));
        let app = serve(&state).await?;
        let cookie = common::sign_in(&pool, &app).await?;
        let tenants: Vec<(Uuid, String)> =
            sqlx::query_as("select id, slug from tenants order by name, id").fetch_all(&pool).await?;
        day_stats(&pool).await?;
        return reads(&pool, &k, &tenants, &app, &cookie).await;
    }
    with_fresh_db(BENCH_DB, |pool| async move { measure(&pool, &k).await }).await
}

// ---------------------------------------------------------------- the targets

/// The local services the checks probe, on a runtime of their own (threads named
/// `TARGET_THREAD`, so their CPU can be told apart). Shut down when dropped.
struct Targets {
    rt: Option<tokio::runtime::Runtime>,
    bases: Vec<String>,
    hits: Arc<AtomicU64>,
}

impl Drop for Targets {
    fn drop(&mut self) {
        // Dropping a runtime inside another one's context would panic.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

fn start_targets() -> Result<Targets> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(TARGET_THREAD)
        .enable_all()
        .build()?;
    let hits = Arc::new(AtomicU64::new(0));
    let mut bases = Vec::new();
    for _ in 0..PORTS {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        bases.push(format!("http://{}", listener.local_addr()?));
        let app = Router::new()
            .route("/ok", get(ok))
            .route("/slow", get(slow))
            .route("/fail", get(fail))
            .with_state(hits.clone());
        rt.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a listener for the target runtime");
            axum::serve(listener, app).await
        });
    }
    Ok(Targets { rt: Some(rt), bases, hits })
}

async fn ok(axum::extract::State(hits): axum::extract::State<Arc<AtomicU64>>) -> &'static str {
    hits.fetch_add(1, Relaxed);
    "ok"
}

async fn slow(axum::extract::State(hits): axum::extract::State<Arc<AtomicU64>>) -> &'static str {
    hits.fetch_add(1, Relaxed);
    tokio::time::sleep(Duration::from_millis(SLOW_MS)).await;
    "ok: but slow"
}

async fn fail(axum::extract::State(hits): axum::extract::State<Arc<AtomicU64>>) -> (StatusCode, &'static str) {
    hits.fetch_add(1, Relaxed);
    (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
}

/// Check `i`'s endpoint and response-time target: 5 % slow, 5 % failing, the rest fast.
fn endpoint(i: usize) -> (&'static str, Option<i32>) {
    match i % 20 {
        0 => ("slow", Some(100)),
        1 => ("fail", None),
        _ => ("ok", None),
    }
}

// ---------------------------------------------------------------- CPU

/// The kernel's clock ticks per second (utime and stime are counted in them).
fn clk_tck() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

/// A `stat` file's command name and utime + stime (fields 14 and 15, in ticks).
fn stat_ticks(stat: &str) -> Option<(String, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    // The fields after the name start at field 3 (state).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((stat[open + 1..close].to_string(), utime + stime))
}

/// CPU ticks at one moment: this process (live and ended threads), its target threads,
/// PostgreSQL's backends for the bench database (by pid), and the machine's busy/total.
struct Cpu {
    at: Instant,
    process: u64,
    targets: u64,
    backends: HashMap<i32, u64>,
    machine: (u64, u64),
}

impl Cpu {
    async fn sample(pool: &PgPool) -> Result<Self> {
        let pids: Vec<i32> = sqlx::query_scalar("select pid from pg_stat_activity where datname = current_database()")
            .fetch_all(pool)
            .await?;
        let read = |path: String| std::fs::read_to_string(path).ok().and_then(|s| stat_ticks(&s));
        let process = read("/proc/self/stat".into()).context("reading /proc/self/stat")?.1;
        let mut targets = 0;
        for task in std::fs::read_dir("/proc/self/task")?.flatten() {
            if let Some((name, ticks)) = read(format!("{}/stat", task.path().display())) {
                if name == TARGET_THREAD {
                    targets += ticks;
                }
            }
        }
        let backends = pids.into_iter().filter_map(|p| read(format!("/proc/{p}/stat")).map(|s| (p, s.1))).collect();
        Ok(Self { at: Instant::now(), process, targets, backends, machine: machine_ticks() })
    }
}

/// The machine's busy and total ticks over all cores (`/proc/stat`, idle and iowait idle).
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = stat.lines().find(|l| l.starts_with("cpu ")) else { return (0, 0) };
    let v: Vec<u64> = cpu.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user already)
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total.saturating_sub(idle), total)
}

// ---------------------------------------------------------------- load

async fn load(pool: &PgPool, k: &Knobs, bases: &[String]) -> Result<Vec<(Uuid, String)>> {
    MIGRATOR.run(pool).await?;
    tenantry::server::demo::seed(pool, k.tenants, 17).await?;
    sqlx::query("update tenants set status = 'active', activated_at = coalesce(activated_at, created_at)")
        .execute(pool)
        .await?;
    let tenants: Vec<(Uuid, String)> =
        sqlx::query_as("select id, slug from tenants order by name, id").fetch_all(pool).await?;
    ensure!(tenants.len() == k.tenants, "seeded {} tenants, not {}", tenants.len(), k.tenants);
    // Parked an hour ahead while they are made; `schedule` spreads them just before the run.
    let parked = Utc::now() + chrono::Duration::hours(1);
    for i in 0..k.checks {
        let (path, slow_ms) = endpoint(i);
        let input = CheckInput {
            name: format!("svc-{i:05}"),
            url: format!("{}/{path}", bases[i % bases.len()]),
            timeout_ms: TIMEOUT_MS,
            interval_secs: INTERVAL_SECS,
            body_contains: Some("ok".into()),
            slow_ms,
            ..CheckInput::default()
        };
        tenantry::db::monitoring::insert(pool, tenants[i % tenants.len()].0, &input, parked, "bench").await?;
    }
    sqlx::raw_sql("vacuum analyze").execute(pool).await?;
    Ok(tenants)
}

/// The first probes, due evenly over one interval from half a second on.
async fn schedule(pool: &PgPool, checks: usize) -> Result<()> {
    sqlx::query(
        "update health_checks c
         set next_due_at = now() + make_interval(secs => 0.5 + o.i * $1::float8 / $2::float8)
         from (select tenant_id, id, row_number() over (order by name) - 1 as i from health_checks) o
         where c.tenant_id = o.tenant_id and c.id = o.id",
    )
    .bind(f64::from(INTERVAL_SECS))
    .bind(checks as f64)
    .execute(pool)
    .await?;
    Ok(())
}

fn config(k: &Knobs) -> Config {
    let mut c = Config::default();
    c.outbound.allow = vec!["127.0.0.1".into()];
    c.health.concurrency = k.concurrency;
    c
}

async fn serve(state: &AppState) -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = tenantry::server::app(state.clone());
    let listener = tenantry::server::listener(listener);
    tokio::spawn(async move { axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await });
    Ok(format!("http://{addr}"))
}

// ---------------------------------------------------------------- measure

async fn measure(pool: &PgPool, k: &Knobs) -> Result<()> {
    let started = Instant::now();
    let targets = start_targets()?;
    let tenants = load(pool, k, &targets.bases).await?;
    println!(
        "load: {} tenants, {} checks (every {INTERVAL_SECS} s, timeout {TIMEOUT_MS} ms) in {:.1} s",
        tenants.len(),
        k.checks,
        started.elapsed().as_secs_f64()
    );
    let state = AppState::new(pool.clone(), config(k));
    // The application beside the prober, as on an instance (idle until the reads).
    let app = serve(&state).await?;
    let cookie = common::sign_in(pool, &app).await?;

    prober_run(pool, &state, k, &targets).await?;
    drop(targets);

    seed_history(pool).await?;
    day_stats(pool).await?;
    reads(pool, k, &tenants, &app, &cookie).await
}

async fn db_count(pool: &PgPool, table: &str) -> Result<usize> {
    let n: i64 = sqlx::query_scalar(&format!("select count(*) from {table}")).fetch_one(pool).await?;
    Ok(n as usize)
}

/// What the `health-stats` worker does once an hour: every check's 23 complete hours.
async fn day_stats(pool: &PgPool) -> Result<()> {
    let hour: DateTime<Utc> = sqlx::query_scalar("select date_trunc('hour', now())").fetch_one(pool).await?;
    let t = Instant::now();
    let n = tenantry::db::monitoring::refresh_day_stats(pool, hour).await?;
    println!(
        "day stats (the health-stats worker's hourly sum): {n} checks in {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}

async fn prober_run(pool: &PgPool, state: &AppState, k: &Knobs, targets: &Targets) -> Result<()> {
    let tck = clk_tck();
    let fast = (0..k.checks).filter(|i| endpoint(*i).0 == "ok").count();
    let slow = (0..k.checks).filter(|i| endpoint(*i).0 == "slow").count();
    println!(
        "\nhealth prober: {} checks over {} tenants every {INTERVAL_SECS} s, {} s, concurrency {}; targets on {PORTS} ports of 127.0.0.1 ({fast} fast, {slow} slow {SLOW_MS} ms, {} answering 503):",
        k.checks,
        k.tenants,
        k.secs,
        k.concurrency,
        k.checks - fast - slow
    );
    let hits_before = targets.hits.load(Relaxed);
    let t0: DateTime<Utc> = sqlx::query_scalar("select clock_timestamp()").fetch_one(pool).await?;
    let before = Cpu::sample(pool).await?;
    schedule(pool, k.checks).await?;
    let running = workers::start(state.clone(), vec![prober::worker(state)]);
    let run_for = Duration::from_secs(k.secs);
    let begun = Instant::now();
    while begun.elapsed() < run_for {
        let step = (run_for - begun.elapsed()).min(Duration::from_secs(60));
        tokio::time::sleep(step).await;
        if begun.elapsed() < run_for {
            let n: i64 = sqlx::query_scalar("select count(*) from health_results where lag_ms is not null")
                .fetch_one(pool)
                .await?;
            println!("  … {:>4.0} s: {n} probes written", begun.elapsed().as_secs_f64());
        }
    }
    running.shutdown(Duration::from_secs(10)).await;
    let after = Cpu::sample(pool).await?;
    let wall = (after.at - before.at).as_secs_f64();
    let hits = targets.hits.load(Relaxed) - hits_before;

    // Every scheduled probe's first result carries its lag; a confirming re-check's doesn't.
    let (scheduled, rechecks, probed, p50, p99, max): (i64, i64, i64, Option<f64>, Option<f64>, Option<i32>) =
        sqlx::query_as(
            "select count(*) filter (where lag_ms is not null), count(*) filter (where lag_ms is null),
                count(distinct (tenant_id, check_id)),
                percentile_cont(0.5) within group (order by lag_ms), percentile_cont(0.99) within group (order by lag_ms),
                max(lag_ms)
         from health_results where at >= $1",
        )
        .bind(t0)
        .fetch_one(pool)
        .await?;
    let (gap_mean, gap_max): (Option<f64>, Option<f64>) = sqlx::query_as(
        "select avg(gap), max(gap) from (
             select extract(epoch from at - lag(at) over (partition by tenant_id, check_id order by at))::float8 as gap
             from health_results where lag_ms is not null and at >= $1) g",
    )
    .bind(t0)
    .fetch_one(pool)
    .await?;
    let (ok_p50, ok_p99): (Option<f64>, Option<f64>) = sqlx::query_as(
        "select percentile_cont(0.5) within group (order by r.ms), percentile_cont(0.99) within group (order by r.ms)
         from health_results r join health_checks c on c.tenant_id = r.tenant_id and c.id = r.check_id
         where r.at >= $1 and c.url like '%/ok'",
    )
    .bind(t0)
    .fetch_one(pool)
    .await?;
    let states: Vec<(String, i64)> =
        sqlx::query_as("select state, count(*) from health_checks group by state order by state")
            .fetch_all(pool)
            .await?;
    let open: i64 =
        sqlx::query_scalar("select count(*) from health_incidents where ended_at is null").fetch_one(pool).await?;

    let expected = k.checks as f64 * k.secs as f64 / f64::from(INTERVAL_SECS);
    println!(
        "  probes: {scheduled} scheduled + {rechecks} confirming re-checks written in {wall:.1} s, {:.1} scheduled/s; schedule: {expected:.0} (CHECKS × SECS ÷ {INTERVAL_SECS}), {:.1} %",
        scheduled as f64 / wall,
        100.0 * scheduled as f64 / expected
    );
    let gaps = match (gap_mean, gap_max) {
        (Some(mean), Some(max)) => format!("mean {mean:.2} s, max {max:.2} s"),
        _ => "- (no check was probed twice)".into(),
    };
    println!(
        "  checks probed: {probed} of {}; the targets answered {hits} requests; interval between a check's probes: {gaps}",
        k.checks
    );
    let states = states.iter().map(|(s, n)| format!("{n} {s}")).collect::<Vec<_>>().join(", ");
    println!("  states at the end: {states}; open incidents: {open}");
    println!(
        "  probe time of the fast endpoint: p50 {:.1} ms, p99 {:.1} ms",
        ok_p50.unwrap_or(f64::NAN),
        ok_p99.unwrap_or(f64::NAN)
    );
    let p99 = p99.unwrap_or(f64::NAN);
    println!(
        "  scheduling lag (start − due): p50 {:.0} ms, p99 {p99:.0} ms, max {} ms   target p99 ≤ {LAG_P99_MS:.0} ms  {}",
        p50.unwrap_or(f64::NAN),
        max.map_or("-".into(), |m| m.to_string()),
        verdict(p99 <= LAG_P99_MS)
    );
    let share = |ticks: u64| 100.0 * ticks as f64 / tck / wall;
    let process = after.process.saturating_sub(before.process);
    let target = after.targets.saturating_sub(before.targets);
    let prober = process.saturating_sub(target);
    let cpu = share(prober);
    println!(
        "  prober CPU: {cpu:.1} % of one core (this process {:.1} % − target servers' threads {:.1} %; {:.2} ms CPU per probe; CLK_TCK {tck})   target ≤ {CPU_PCT:.0} %  {}",
        share(process),
        share(target),
        1000.0 * prober as f64 / tck / (scheduled + rechecks).max(1) as f64,
        verdict(cpu <= CPU_PCT)
    );
    // Backends alive at the end, less what they had used at the start (new ones: all).
    let (mut db_ticks, mut gone) = (0u64, 0usize);
    for (pid, t) in &after.backends {
        db_ticks += t.saturating_sub(before.backends.get(pid).copied().unwrap_or(0));
    }
    for pid in before.backends.keys() {
        gone += usize::from(!after.backends.contains_key(pid));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (busy, total) = (after.machine.0 - before.machine.0, after.machine.1 - before.machine.1);
    println!(
        "  not included above: PostgreSQL, whose {} backends for this database used {:.1} % of one core{}; the whole machine was {:.0} % busy ({cores} cores; others' work counts there)",
        after.backends.len(),
        share(db_ticks),
        if gone > 0 { format!(" ({gone} ended during the run, not counted)") } else { String::new() },
        if total > 0 { 100.0 * busy as f64 / total as f64 } else { f64::NAN }
    );
    ensure!(scheduled > 0, "the prober wrote no result");
    Ok(())
}

/// 30 days of hourly rollups for every check (before the hour the run wrote), closed
/// incidents over the month and some open ones.
async fn seed_history(pool: &PgPool) -> Result<()> {
    let started = Instant::now();
    // A hash of (check, hour) makes each hour's figures: fast checks answer mostly within
    // 25–200 ms, slow ones within 300–500 ms and are degraded; failing ones were down the
    // last day; now and then an hour has a few down or degraded probes.
    let rollups = sqlx::query(
        "insert into health_rollups (tenant_id, check_id, hour, total, degraded, down, ms_hist)
         select c.tenant_id, c.id, date_trunc('hour', now()) - make_interval(hours => g), 120,
                case when c.url like '%/slow' then 120 - r.h % 5 when r.h % 50 = 0 then 1 + r.h % 7 else 0 end,
                case when c.url like '%/fail' and g <= 24 then 120 when r.h % 97 = 0 then 1 + r.h % 30 else 0 end,
                case when c.url like '%/slow' then array[0, 0, 0, 0, 110 + r.h % 5, 10 - r.h % 5, 0, 0, 0, 0, 0, 0]
                     else array[40 + r.h % 41, 20 + (r.h / 41) % 11, (r.h / 451) % 11,
                                60 - r.h % 41 - (r.h / 41) % 11 - (r.h / 451) % 11, 0, 0, 0, 0, 0, 0, 0, 0] end
         from health_checks c cross join generate_series(1, $1 * 24) g
         cross join lateral (select hashtext(c.id::text || ':' || g) & 2147483647 as h) r
         on conflict do nothing",
    )
    .bind(DAYS)
    .execute(pool)
    .await?
    .rows_affected();
    // A fifth of the checks had four incidents this month (recovered after 12 minutes)...
    let closed = sqlx::query(
        "insert into health_incidents (tenant_id, check_id, state, cause, detail, started_at, ended_at, announced,
                                       opened_mailed_at, recovered_mailed_at)
         select c.tenant_id, c.id, s.state, s.cause, 'Seeded by the bench.', s.at, s.at + interval '12 minutes', true,
                s.at, s.at + interval '12 minutes'
         from health_checks c cross join generate_series(0, 3) k
         cross join lateral (select case when k % 2 = 0 then 'down' else 'degraded' end as state,
                                    case when k % 2 = 0 then 'status' else 'slow' end as cause,
                                    date_trunc('minute', now()) - make_interval(days => 1 + k * 7, hours => k) as at) s
         where abs(hashtext(c.id::text)) % 5 = 0",
    )
    .execute(pool)
    .await?
    .rows_affected();
    // ...and 20 fast checks have one open beside the failing checks' own.
    let open = sqlx::query(
        "insert into health_incidents (tenant_id, check_id, state, cause, detail, started_at, announced, opened_mailed_at)
         select c.tenant_id, c.id, 'degraded', 'slow', 'Seeded by the bench.', now() - interval '40 minutes', true,
                now() - interval '40 minutes'
         from health_checks c
         where c.url like '%/ok'
           and not exists (select 1 from health_incidents i
                           where i.tenant_id = c.tenant_id and i.check_id = c.id and i.ended_at is null)
         order by c.name limit 20",
    )
    .execute(pool)
    .await?
    .rows_affected();
    sqlx::raw_sql("vacuum analyze").execute(pool).await?;
    checkpoint(pool, "the seed").await;
    let (rows, incidents, open_now): (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from health_rollups), (select count(*) from health_incidents),
                (select count(*) from health_incidents where ended_at is null)",
    )
    .fetch_one(pool)
    .await?;
    println!(
        "\nhistory: {rollups} hourly rollups seeded ({DAYS} days; {rows} in all), {closed} closed and {open} open incidents seeded ({incidents} in all, {open_now} open), vacuum analyze, checkpoint; {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Sorted times (ms) of `reps` calls after `WARMUP` unmeasured ones.
async fn time<F, Fut>(reps: usize, mut call: F) -> Result<Vec<f64>>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let mut times = Vec::with_capacity(reps);
    for i in 0..WARMUP + reps {
        let t = Instant::now();
        call(i).await?;
        if i >= WARMUP {
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(times)
}

fn row(name: &str, times: &[f64], extra: &str) {
    let p95 = percentile(times, 95.0);
    println!(
        "  {name:<62} {:>8.2} {:>8.2} {:>8.2}   ≤ {PAGE_P95_MS:.0} ms  {}{extra}",
        percentile(times, 50.0),
        p95,
        times.last().copied().unwrap_or(f64::NAN),
        verdict(p95 <= PAGE_P95_MS)
    );
}

/// GETs `url`: it must answer 200 (a page that failed is an error, not a figure) and,
/// when `expect` is given, contain it. Answers the body's size.
async fn fetch(client: &Client, url: &str, expect: Option<&str>) -> Result<usize> {
    let res = client.get(url).send().await?;
    let status = res.status();
    let body = res.text().await?;
    ensure!(status == reqwest::StatusCode::OK, "GET {url}: {status}: {}", &body[..body.len().min(300)]);
    if let Some(text) = expect {
        ensure!(body.contains(text), "GET {url}: the answer does not contain {text:?}");
    }
    Ok(body.len())
}

/// Which tenant each call reads (the same random sequence for every row).
fn picks_for(tenants: usize, reps: usize) -> Vec<usize> {
    let mut rng = fastrand::Rng::with_seed(9);
    (0..WARMUP + reps).map(|_| rng.usize(..tenants)).collect()
}

async fn reads(pool: &PgPool, k: &Knobs, tenants: &[(Uuid, String)], app: &str, cookie: &str) -> Result<()> {
    let system = Caller::system();
    let o = svc::overview(pool, &system, None, None).await?;
    ensure!(o.rows.len() == k.checks, "the overview answered {} rows, not {}", o.rows.len(), k.checks);
    println!(
        "\npage reads with {DAYS} days of history, {} calls each after {WARMUP} unmeasured (tenant tabs of random tenants, {} checks each):",
        k.reps,
        k.checks / k.tenants
    );
    println!(
        "  {:<62} {:>8} {:>8} {:>8}   target",
        format!("(overview: {} rows, {} open incidents)", o.rows.len(), o.open_incidents),
        "p50 ms",
        "p95 ms",
        "max ms"
    );
    let (system, picks) = (&system, &picks_for(tenants.len(), k.reps));
    let times = time(k.reps, move |_| async move {
        svc::overview(pool, system, None, None).await?;
        Ok(())
    })
    .await?;
    row("platform Health page data (services::monitoring::overview)", &times, "");
    let times = time(k.reps, move |i| async move {
        let tenant = tenants[picks[i]].0;
        let h = svc::tenant_health(pool, system, tenant, None, ChartPeriod::Last(24)).await?;
        ensure!(!h.checks.is_empty(), "tenant {tenant} has no checks");
        Ok(())
    })
    .await?;
    row("tenant Health tab data (services::monitoring::tenant_health)", &times, "");

    // Over HTTP as a signed-in platform admin: the pages rendered whole on the server
    // (SsrMode::Async waits for their data), and the overview's REST form.
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, cookie.parse()?);
    let client = &Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .timeout(Duration::from_secs(30))
        .build()?;
    // The first check is a slow one (degraded): near the top of the overview.
    let first_check = "svc-00000";
    let size = &std::cell::Cell::new(0usize);
    let kib = || format!("   ({} KiB)", size.get() / 1024);
    let times = time(k.reps, move |_| async move {
        size.set(fetch(client, &format!("{app}/api/v1/health/overview"), Some(first_check)).await?);
        Ok(())
    })
    .await?;
    row("GET /api/v1/health/overview (REST, JSON)", &times, &kib());
    let times = time(k.reps, move |_| async move {
        size.set(fetch(client, &format!("{app}/health"), Some(first_check)).await?);
        Ok(())
    })
    .await?;
    row("GET /health (the page, server-rendered)", &times, &kib());
    let times = time(k.reps, move |i| async move {
        size.set(fetch(client, &format!("{app}/tenants/{}/health", tenants[picks[i]].0), Some("svc-")).await?);
        Ok(())
    })
    .await?;
    row("GET /tenants/{id}/health (the tab, server-rendered)", &times, &kib());
    Ok(())
}
