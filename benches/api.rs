//! API benchmark: `scripts/bench`, or
//! `DATABASE_URL=postgres://tenantry@127.0.0.1:54329/tenantry cargo bench --features ssr --bench api`.
//!
//! Creates a fresh database `tenantry_bench` on the server of `DATABASE_URL` (dropping an old
//! one), migrates it, loads 100,000 demo tenants with history (`demo::seed`) and runs
//! `VACUUM ANALYZE`. It then starts the real application and, beside it, a bare Axum + sqlx
//! baseline with a single route, `GET /tenants/{id}` (the same single-row select, serialized to
//! JSON, no middleware), each on a 127.0.0.1 port of its own with a pool of the same size, and
//! measures them over HTTP/1.1 with reqwest (keep-alive, no compression):
//!
//! * latency (p50/p95/p99, nearest rank, sequential requests after a warm-up) of each kind of
//!   list query: first page, search (common word, rare name, two-letter prefix), each filter,
//!   combined filters, other sorts, and deep pages reached by following `next_cursor`.
//!   Target: p95 ≤ 10 ms.
//!
//! The app is called as a signed-in platform admin (a real session cookie from
//! `/api/sign_in`), so every request pays for what a real one does: the session read,
//! the user and memberships read, and the access guard. The baseline has no sign-in at all.
//!
//! * latency of get-by-id on the app, on a hand-written baseline doing the same database
//!   reads a signed-in request needs (session row, user and memberships, tenant), and on the
//!   bare single-row endpoint; then get-by-id throughput with 32 concurrent workers, the
//!   three alternated over two rounds each, best round kept. Target: app ≥ 80 % of the
//!   baseline with the same reads; the ratio to the bare endpoint is printed as the cost of
//!   authentication.
//!
//! Environment: `TENANTS` (default 100000), `SAMPLES` per latency row (300), `DURATION` of a
//! throughput round in seconds (5), `KEEP_DB=1` keeps `tenantry_bench` for `EXPLAIN ANALYZE`.
//! It is a report: missed targets print FAIL and still exit 0; a setup error or a storm of
//! failed requests exits non-zero. The client, both servers and PostgreSQL share the machine's
//! cores, so compare the app with the baseline of the same run, not across machines.

use anyhow::{bail, ensure, Context, Result};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use reqwest::{Client, Url};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tenantry::server::{config::Config, demo, state::AppState, MIGRATOR};
use uuid::Uuid;

mod common;
use common::{admin_exec, env_or, percentile};

const BENCH_DB: &str = "tenantry_bench";
const POOL_SIZE: u32 = 16;
const WARMUP: usize = 20;
const LIST_P95_MS: f64 = 10.0;
const MIN_RATIO: f64 = 0.80;
const WORKERS: usize = 32;
const ROUNDS: usize = 2;
const IDS: i64 = 10_000;
/// Deep-page scenarios time the pages from `DEEP_FROM` to `DEEP_TO` of 25 rows.
const DEEP_FROM: usize = 50;
const DEEP_TO: usize = 200;
/// A phase where more than this share of requests fails is a storm: the run exits non-zero.
const STORM_SHARE: f64 = 0.10;

struct Settings {
    tenants: usize,
    samples: usize,
    duration: Duration,
    keep_db: bool,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("bench: too many requests failed (see the rows above)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Sets up the database, measures, and drops the database again whatever the outcome.
async fn run() -> Result<bool> {
    let s = Settings {
        tenants: env_or("TENANTS", 100_000)?,
        samples: env_or::<usize>("SAMPLES", 300)?.max(1),
        duration: Duration::from_secs_f64(env_or::<f64>("DURATION", 5.0)?.max(0.1)),
        keep_db: std::env::var("KEEP_DB").is_ok_and(|v| v == "1"),
    };
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL must name a PostgreSQL server (an admin URL)")?;
    let admin = PgConnectOptions::from_str(&url).context("DATABASE_URL is not a PostgreSQL URL")?;
    let bench_db = admin.clone().database(BENCH_DB);
    println!(
        "tenantry API bench: {} tenants, {} samples per latency row, {:.1} s per throughput round\n",
        s.tenants,
        s.samples,
        s.duration.as_secs_f64()
    );

    let drop_db = format!("drop database if exists {BENCH_DB} with (force)");
    admin_exec(&admin, &drop_db).await?;
    admin_exec(&admin, &format!("create database {BENCH_DB}")).await?;
    let outcome = load_and_measure(&s, &bench_db).await;
    if s.keep_db {
        println!("KEEP_DB=1: database {BENCH_DB} kept");
    } else {
        admin_exec(&admin, &drop_db).await?;
    }
    outcome
}

async fn load_and_measure(s: &Settings, bench_db: &PgConnectOptions) -> Result<bool> {
    let start = Instant::now();
    let pool = connect(bench_db).await?;
    MIGRATOR.run(&pool).await.context("migrating the bench database")?;
    let seeded = demo::seed(&pool, s.tenants, 42).await.context("loading demo tenants")?;
    let seeded_in = start.elapsed();
    sqlx::raw_sql("vacuum analyze").execute(&pool).await?;
    println!(
        "load: {seeded} tenants in {:.1} s (migrate and seed {:.1} s; vacuum analyze {:.1} s)",
        start.elapsed().as_secs_f64(),
        seeded_in.as_secs_f64(),
        (start.elapsed() - seeded_in).as_secs_f64()
    );
    let outcome = measure(s, pool.clone(), bench_db).await;
    pool.close().await;
    outcome
}

async fn measure(s: &Settings, pool: PgPool, bench_db: &PgConnectOptions) -> Result<bool> {
    let app = serve(tenantry::server::app(AppState::new(pool.clone(), Config::default()))).await?;
    let baseline_pool = connect(bench_db).await?;
    let baseline = serve(
        Router::new()
            .route("/tenants/{id}", get(baseline_get))
            .route("/signed-in/tenants/{id}", get(baseline_signed_in_get))
            .with_state(baseline_pool.clone()),
    )
    .await?;
    let cookie = common::sign_in(&pool, &app).await?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, cookie.parse()?);
    // reqwest sends no Accept-Encoding without its compression features; never use a proxy.
    // The session cookie goes to both servers: the signed-in baseline reads its session row too.
    let client = Client::builder()
        .no_proxy()
        .default_headers(headers)
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(WORKERS * 2)
        .build()?;
    println!("servers: app {app}, baseline {baseline}\n");

    let mut tally = Tally::default();
    println!("{:<44} {:>9} {:>9} {:>9}  result", "scenario", "p50 ms", "p95 ms", "p99 ms");
    for sc in list_scenarios(&client, &app).await? {
        let mut m = sample(&client, &sc.urls, s.samples).await;
        tally.row(&format!("list: {}", sc.name), &mut m, Some(LIST_P95_MS));
    }

    let ids: Vec<Uuid> =
        sqlx::query_scalar("select id from tenants order by random() limit $1").bind(IDS).fetch_all(&pool).await?;
    ensure!(!ids.is_empty(), "no tenants to read");
    let by_id = |base: &str, path: &str| -> Result<Arc<Vec<Url>>> {
        Ok(Arc::new(ids.iter().map(|id| Url::parse(&format!("{base}{path}/{id}"))).collect::<Result<_, _>>()?))
    };
    let (app_urls, baseline_urls) = (by_id(&app, "/api/v1/tenants")?, by_id(&baseline, "/signed-in/tenants")?);
    let bare_urls = by_id(&baseline, "/tenants")?;
    tally.row("get-by-id: app (signed in)", &mut sample(&client, &app_urls, s.samples).await, None);
    tally.row("get-by-id: baseline, same reads", &mut sample(&client, &baseline_urls, s.samples).await, None);
    tally.row("get-by-id: bare, no sign-in", &mut sample(&client, &bare_urls, s.samples).await, None);

    println!(
        "\nget-by-id throughput: {WORKERS} workers, {:.1} s per round, app and baseline alternated, best of {ROUNDS}",
        s.duration.as_secs_f64()
    );
    let (mut best_app, mut best_baseline, mut best_bare) = (0.0f64, 0.0f64, 0.0f64);
    for round in 1..=ROUNDS {
        let a = throughput(&client, &app_urls, s.duration).await?;
        let b = throughput(&client, &baseline_urls, s.duration).await?;
        let c = throughput(&client, &bare_urls, s.duration).await?;
        println!(
            "  round {round}: app {:>9.0} req/s   baseline (same reads) {:>9.0} req/s   bare (no sign-in) {:>9.0} req/s",
            a.rate, b.rate, c.rate
        );
        best_bare = best_bare.max(c.rate);
        for r in [&a, &b, &c] {
            if r.failed > 0 {
                println!("    {} failed requests, e.g. {}", r.failed, r.example.as_deref().unwrap_or("?"));
            }
            tally.storm |= r.ok == 0 || r.failed as f64 > STORM_SHARE * (r.ok + r.failed) as f64;
        }
        (best_app, best_baseline) = (best_app.max(a.rate), best_baseline.max(b.rate));
    }
    let ratio = if best_baseline > 0.0 { best_app / best_baseline } else { 0.0 };
    let verdict = tally.verdict(ratio >= MIN_RATIO);
    println!(
        "  best: app {best_app:.0} req/s, baseline with the same reads {best_baseline:.0} req/s, ratio {ratio:.3} (target ≥ {MIN_RATIO:.2})  {verdict}"
    );
    let bare_ratio = if best_bare > 0.0 { best_app / best_bare } else { 0.0 };
    println!(
        "  for reference: bare endpoint without sign-in {best_bare:.0} req/s; app / bare = {bare_ratio:.3} (the price of \
         authenticating every request: two more indexed reads)"
    );
    baseline_pool.close().await;

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "\nsummary: {} tenants on {cores} cores (available_parallelism), shared by the client, both servers and \
         PostgreSQL; compare the app with the baseline of this run only.",
        s.tenants
    );
    println!("bench: {} passed, {} failed", tally.passed, tally.failed);
    Ok(!tally.storm)
}

// ---------------------------------------------------------------- setup

async fn connect(opts: &PgConnectOptions) -> Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(POOL_SIZE)
        .min_connections(2)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(opts.clone())
        .await?)
}

/// Serves `router` on a fresh 127.0.0.1 port in the background; answers its base URL.
async fn serve(router: Router) -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        axum::serve(tenantry::server::listener(listener), router.into_make_service_with_connect_info::<SocketAddr>())
            .await
    });
    Ok(format!("http://{addr}"))
}

/// The columns the app's get-by-id answers with, as plain types.
#[derive(sqlx::FromRow, serde::Serialize)]
struct BaselineTenant {
    id: Uuid,
    slug: String,
    name: String,
    description: String,
    plan: String,
    isolation: String,
    region: String,
    status: String,
    status_reason: Option<String>,
    domain: Option<String>,
    features: Vec<String>,
    settings: Value,
    branding: Value,
    limits: Value,
    metadata: Value,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    activated_at: Option<DateTime<Utc>>,
    suspended_at: Option<DateTime<Utc>>,
    terminated_at: Option<DateTime<Utc>>,
    retention_until: Option<DateTime<Utc>>,
}

async fn baseline_get(State(pool): State<PgPool>, Path(id): Path<Uuid>) -> Result<Json<BaselineTenant>, StatusCode> {
    tenant_row(&pool, id).await
}

/// The same read with the database work sign-in needs, hand-written: the session row by
/// the cookie's id, the user and their tenants, then the tenant. What the app adds beyond
/// this is its own overhead.
async fn baseline_signed_in_get(
    State(pool): State<PgPool>,
    headers: axum::http::HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Json<BaselineTenant>, StatusCode> {
    let sid = headers
        .get(axum::http::header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').find_map(|p| p.trim().strip_prefix("tenantry_session=")))
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let _data: serde_json::Value =
        sqlx::query_scalar("select data from auth_sessions where id = $1 and expiry_date > now()")
            .bind(sid)
            .fetch_optional(&pool)
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
            .ok_or(StatusCode::UNAUTHORIZED)?;
    let _user: Option<(Uuid, Value)> = sqlx::query_as(
        "select u.id, coalesce(json_agg(json_build_object('tenant_id', t.id, 'slug', t.slug, 'role', m.role))
                            filter (where t.id is not null), '[]')
         from users u left join memberships m on m.user_id = u.id left join tenants t on t.id = m.tenant_id
         where u.email = 'bench@example.com' and u.status = 'active' group by u.id",
    )
    .fetch_optional(&pool)
    .await
    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    tenant_row(&pool, id).await
}

async fn tenant_row(pool: &PgPool, id: Uuid) -> Result<Json<BaselineTenant>, StatusCode> {
    sqlx::query_as::<_, BaselineTenant>(
        "select id, slug, name, description, plan_id as plan, isolation, region, status, status_reason, domain, \
                tenant_features(id, plan_id) as features, settings, branding, limits, metadata, version, \
                created_at, updated_at, activated_at, \
                suspended_at, terminated_at, retention_until \
         from tenants where id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
    .map(Json)
    .ok_or(StatusCode::NOT_FOUND)
}

// ---------------------------------------------------------------- scenarios

struct Scenario {
    name: String,
    /// Requests cycle through these.
    urls: Vec<Url>,
}

fn list_url<K: AsRef<str>, V: AsRef<str>>(base: &str, params: &[(K, V)]) -> Result<Url> {
    Ok(Url::parse_with_params(&format!("{base}/api/v1/tenants"), params)?)
}

async fn list_scenarios(client: &Client, base: &str) -> Result<Vec<Scenario>> {
    let one = |name: &str, params: &[(&str, &str)]| -> Result<Scenario> {
        Ok(Scenario { name: name.into(), urls: vec![list_url(base, params)?] })
    };
    // Search terms vary across requests; the words come from the demo name lists.
    let search = |name: &str, terms: &[&str]| -> Result<Scenario> {
        let urls = terms.iter().map(|t| list_url(base, &[("q", t)])).collect::<Result<_>>()?;
        Ok(Scenario { name: name.into(), urls })
    };
    let mut out = vec![
        one("first page (-created_at)", &[])?,
        search("search: common word", &["acme", "labs", "robotics", "nimbus", "cloud", "harbor"])?,
        search(
            "search: rare name",
            &["kestrel travel ltd", "umber foods co", "zephyr studios group", "xenon bio ltd", "quartz retail inc"],
        )?,
        search("search: 2-letter prefix", &["ac", "gl", "st", "ze", "no", "wi"])?,
        search("search: 2-letter prefix, no match", &["qx", "zz", "jq", "xv"])?,
        one("status=suspended", &[("status", "suspended")])?,
        one("status=failed", &[("status", "failed")])?,
        one("plan=enterprise", &[("plan", "enterprise")])?,
        one("region=eu-west-1", &[("region", "eu-west-1")])?,
        one("isolation=row", &[("isolation", "row")])?,
        one("plan+region+status", &[("plan", "enterprise"), ("region", "eu-west-1"), ("status", "suspended")])?,
        one("sort=name", &[("sort", "name")])?,
        one("sort=-updated_at", &[("sort", "-updated_at")])?,
    ];
    for sort in ["-created_at", "name"] {
        out.push(deep_pages(client, base, sort).await?);
    }
    Ok(out)
}

/// Follows `next_cursor` from the first page and keeps the URLs of pages `DEEP_FROM..=DEEP_TO`
/// (or the deeper half of what exists, with few tenants).
async fn deep_pages(client: &Client, base: &str, sort: &str) -> Result<Scenario> {
    let first = [("sort", sort.to_string()), ("limit", "25".to_string())];
    let mut url = list_url(base, &first)?;
    let mut urls = Vec::new(); // urls[i] is page i + 2
    for _page in 1..DEEP_TO {
        let res = client.get(url.clone()).send().await?;
        ensure!(res.status() == StatusCode::OK, "walking deep pages: {} for {url}", res.status());
        let page: Value = res.json().await?;
        let Some(next) = page["next_cursor"].as_str() else { break };
        let mut params = first.to_vec();
        params.push(("cursor", next.to_string()));
        url = list_url(base, &params)?;
        urls.push(url.clone());
    }
    if urls.is_empty() {
        bail!("too few tenants for deep pages (sort={sort})");
    }
    let from = (DEEP_FROM - 2).min(urls.len() / 2);
    Ok(Scenario {
        name: format!("deep pages {}-{} (sort={sort})", from + 2, urls.len() + 1),
        urls: urls.split_off(from),
    })
}

// ---------------------------------------------------------------- measuring

/// One GET that must answer 200; the body is read in full.
async fn fetch(client: &Client, url: &Url) -> Result<(), String> {
    let res = client.get(url.clone()).send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = res.status();
    let body = res.bytes().await.map_err(|e| format!("{url}: {e}"))?;
    if status != StatusCode::OK {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        return Err(format!("{status} for {url}: {text}"));
    }
    Ok(())
}

#[derive(Default)]
struct Samples {
    ms: Vec<f64>,
    failed: usize,
    examples: Vec<String>,
}

/// `WARMUP` requests, then `n` timed sequential requests cycling through `urls`.
async fn sample(client: &Client, urls: &[Url], n: usize) -> Samples {
    let mut out = Samples::default();
    for i in 0..WARMUP + n {
        let started = Instant::now();
        let result = fetch(client, &urls[i % urls.len()]).await;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        match result {
            Ok(()) if i >= WARMUP => out.ms.push(ms),
            Ok(()) => {}
            Err(e) => {
                out.failed += 1;
                if out.examples.len() < 3 {
                    out.examples.push(e);
                }
            }
        }
    }
    out
}

struct Rate {
    rate: f64,
    ok: u64,
    failed: u64,
    example: Option<String>,
}

/// `WORKERS` tasks sharing `client` request random URLs from `urls` until `duration` is over.
async fn throughput(client: &Client, urls: &Arc<Vec<Url>>, duration: Duration) -> Result<Rate> {
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (client, urls) = (client.clone(), urls.clone());
            tokio::spawn(async move {
                let mut rng = fastrand::Rng::with_seed(w as u64);
                let (mut ok, mut failed, mut example) = (0u64, 0u64, None);
                while Instant::now() < deadline {
                    match fetch(&client, &urls[rng.usize(..urls.len())]).await {
                        Ok(()) => ok += 1,
                        Err(e) => {
                            failed += 1;
                            example.get_or_insert(e);
                        }
                    }
                }
                (ok, failed, example)
            })
        })
        .collect();
    let mut total = Rate { rate: 0.0, ok: 0, failed: 0, example: None };
    for w in futures::future::join_all(workers).await {
        let (ok, failed, example) = w?;
        total.ok += ok;
        total.failed += failed;
        total.example = total.example.or(example);
    }
    total.rate = total.ok as f64 / started.elapsed().as_secs_f64();
    Ok(total)
}

/// The PASS/FAIL rows so far, and whether any phase had a storm of failed requests.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    storm: bool,
}

impl Tally {
    fn verdict(&mut self, pass: bool) -> &'static str {
        if pass {
            self.passed += 1;
            "PASS"
        } else {
            self.failed += 1;
            "FAIL"
        }
    }

    /// Prints a latency row. With a p95 target it is a PASS/FAIL row; without, it fails only
    /// when requests did.
    fn row(&mut self, name: &str, s: &mut Samples, p95_target: Option<f64>) {
        s.ms.sort_by(f64::total_cmp);
        let [p50, p95, p99] = [50.0, 95.0, 99.0].map(|p| percentile(&s.ms, p));
        let result = match p95_target {
            Some(target) => self.verdict(s.failed == 0 && p95 <= target),
            None if s.failed > 0 => self.verdict(false),
            None => "(reference)",
        };
        println!("{name:<44} {p50:>9.3} {p95:>9.3} {p99:>9.3}  {result}");
        if s.failed > 0 {
            println!("    {} of {} requests failed, e.g.", s.failed, s.failed + s.ms.len());
            for e in &s.examples {
                println!("      {e}");
            }
        }
        self.storm |= s.failed as f64 > STORM_SHARE * (s.failed + s.ms.len()) as f64;
    }
}
