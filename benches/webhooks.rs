//! Webhook delivery benchmark (issue 12): `scripts/bench webhooks`, or
//! `DATABASE_URL=postgres://tenantry@127.0.0.1:54329/postgres cargo bench --features ssr --bench webhooks`.
//!
//! Creates a fresh database `tenantry_bench_webhooks` (dropping an old one), migrates it,
//! loads `TENANTS` (default 100) tenants with one endpoint each, subscribed to `*`, at
//! `http://127.0.0.1:<port>/hook`: a receiver in this process (axum) that answers 200 to
//! every POST, counts requests and distinct `webhook-id`s, and checks every 100th
//! signature with its own HMAC written from the Standard Webhooks specification (a failure
//! is counted and printed; it must be 0). The outbound policy allows 127.0.0.1, as tests
//! and local development do. Then:
//!
//! * `DELIVERIES` (default 20,000) outbox events (`alert.opened`, a small JSON payload)
//!   spread evenly over the tenants, drained by the `webhooks` worker's real round
//!   (`deliver::round`: dispatch, claim, signed POSTs at most `webhooks.concurrency` at
//!   once, outcomes written in one batch, lag) called back to back by `INSTANCES`
//!   (default 2) concurrent loops, each with its own state and HTTP client as two
//!   instances would have, until no event is undelivered and no delivery pending. Prints
//!   events dispatched/s, deliveries/s end to end (DELIVERIES ÷ the time to drain), the
//!   rounds and their p50/p99 time, and what the receiver saw: exactly DELIVERIES
//!   requests, no duplicate, every delivery succeeded on its first attempt.
//!   Target: ≥ 1,000 deliveries/s;
//! * the baseline, in the same run: the raw HTTP rate of the same client (instance 1's)
//!   POSTing the same bodies, signed the same way, at the same concurrency, with no
//!   database; the ratio of deliveries/s to it is the database's and the worker's share;
//! * where a round's time goes: `SPLIT` (default 5,000) more events drained by one loop
//!   that makes the round's steps itself with the same `db::webhooks` calls (dispatch,
//!   claim, send as `deliver` does, record in a transaction, lag), each step timed.
//!   Informative only (its sending mirrors `deliver`'s private code); 0 skips it.
//!
//! The receiver, the deliverer and PostgreSQL share the machine's cores. Environment:
//! `DELIVERIES`, `TENANTS`, `INSTANCES`, `SPLIT`, `BATCH` and `CONCURRENCY` (the
//! `[webhooks]` settings; defaults 500 and 64), `KEEP_DB=1` keeps the database.

use anyhow::{bail, ensure, Result};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures::StreamExt;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;
use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tenantry::db::webhooks::{Claimed, Outcome};
use tenantry::model::webhooks::DeliveryStatus;
use tenantry::server::webhooks::{deliver, sign};
use tenantry::server::{config::Config, state::AppState, MIGRATOR};
use uuid::Uuid;

mod common;
use common::{env_or, percentile, verdict, with_fresh_db};

const BENCH_DB: &str = "tenantry_bench_webhooks";
const TARGET_PER_SEC: f64 = 1_000.0;
/// Every this many requests, the receiver checks the signature.
const SAMPLE: u64 = 100;
/// Standard Webhooks' timestamp tolerance.
const TOLERANCE_SECS: i64 = 300;
/// Give up draining after this long (a delivery that failed waits minutes to be retried).
const DRAIN_LIMIT: Duration = Duration::from_secs(600);

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    common::exit(run().await)
}

struct Knobs {
    deliveries: i64,
    tenants: usize,
    instances: usize,
    split: i64,
    batch: i64,
    concurrency: usize,
}

async fn run() -> Result<()> {
    let defaults = tenantry::server::config::WebhooksConfig::default();
    let k = Knobs {
        deliveries: env_or("DELIVERIES", 20_000)?,
        tenants: env_or("TENANTS", 100)?,
        instances: env_or("INSTANCES", 2)?,
        split: env_or("SPLIT", 5_000)?,
        batch: env_or("BATCH", defaults.batch)?,
        concurrency: env_or("CONCURRENCY", defaults.concurrency)?,
    };
    ensure!(k.deliveries > 0 && k.tenants > 0 && k.instances > 0, "DELIVERIES, TENANTS and INSTANCES must be > 0");
    with_fresh_db(BENCH_DB, |pool| async move { measure(&pool, &k).await }).await
}

/// What the receiver saw.
#[derive(Default)]
struct Receiver {
    requests: AtomicU64,
    duplicates: AtomicU64,
    checked: AtomicU64,
    bad: AtomicU64,
    seen: Mutex<HashSet<String>>,
    /// Each tenant's HMAC key (one endpoint per tenant; the body names the tenant).
    keys: HashMap<Uuid, Vec<u8>>,
}

impl Receiver {
    fn snapshot(&self) -> (u64, u64, u64, u64) {
        (self.requests.load(Relaxed), self.duplicates.load(Relaxed), self.checked.load(Relaxed), self.bad.load(Relaxed))
    }
}

async fn hook(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let n = r.requests.fetch_add(1, Relaxed) + 1;
    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if !r.seen.lock().unwrap().insert(id) {
        r.duplicates.fetch_add(1, Relaxed);
    }
    if n % SAMPLE == 0 {
        r.checked.fetch_add(1, Relaxed);
        if !verifies(&r.keys, &headers, &body) {
            r.bad.fetch_add(1, Relaxed);
        }
    }
    StatusCode::OK
}

/// The HMAC key of a `whsec_` secret (Standard Webhooks: base64 after the prefix).
fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix("whsec_")?).ok()
}

/// Standard Webhooks verification: HMAC-SHA256 of `{id}.{timestamp}.{body}` with the
/// endpoint's key, base64, matching one of the space-separated `v1,` signatures; the
/// timestamp within the tolerance.
fn verifies(keys: &HashMap<Uuid, Vec<u8>>, headers: &HeaderMap, body: &[u8]) -> bool {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(ts), Some(sigs)) = (h("webhook-id"), h("webhook-timestamp"), h("webhook-signature")) else {
        return false;
    };
    let Ok(t) = ts.parse::<i64>() else { return false };
    if (chrono::Utc::now().timestamp() - t).abs() > TOLERANCE_SECS {
        return false;
    }
    let tenant = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["tenant_id"].as_str().and_then(|s| s.parse::<Uuid>().ok()));
    let Some(key) = tenant.and_then(|t| keys.get(&t)) else { return false };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    sigs.split(' ').any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

async fn load(pool: &PgPool, tenants: usize) -> Result<Vec<(Uuid, String)>> {
    MIGRATOR.run(pool).await?;
    tenantry::server::demo::seed(pool, tenants, 13).await?;
    // Whatever the seed put in the outbox is not part of the measure.
    sqlx::query("update outbox set delivered_at = now() where delivered_at is null").execute(pool).await?;
    let ids: Vec<Uuid> = sqlx::query_scalar("select id from tenants order by id").fetch_all(pool).await?;
    ensure!(ids.len() == tenants, "seeded {} tenants, not {tenants}", ids.len());
    Ok(ids.into_iter().map(|id| (id, sign::new_secret())).collect())
}

async fn add_endpoints(pool: &PgPool, endpoints: &[(Uuid, String)], url: &str) -> Result<()> {
    let tenants: Vec<Uuid> = endpoints.iter().map(|e| e.0).collect();
    let secrets: Vec<String> = endpoints.iter().map(|e| e.1.clone()).collect();
    sqlx::query(
        "insert into webhook_endpoints (tenant_id, url, topics, secret, created_by)
         select t, $3, '{*}', s, 'bench' from unnest($1::uuid[], $2::text[]) as e(t, s)",
    )
    .bind(&tenants)
    .bind(&secrets)
    .bind(url)
    .execute(pool)
    .await?;
    Ok(())
}

/// `n` undelivered events, keys `{tag}-1…n`, spread evenly over the tenants.
async fn add_events(pool: &PgPool, tag: &str, n: i64) -> Result<()> {
    sqlx::query(
        "insert into outbox (key, tenant_id, topic, payload)
         select $1 || '-' || g, t.id, 'alert.opened',
                jsonb_build_object('alert_id', gen_random_uuid(), 'rule', 'cpu_high', 'severity', 'warning',
                                   'value', 91.5, 'seq', g)
         from generate_series(1, $2::bigint) g
         join (select id, row_number() over (order by id) - 1 as i, count(*) over () as n from tenants) t
           on t.i = g % t.n
         order by g",
    )
    .bind(tag)
    .bind(n)
    .execute(pool)
    .await?;
    Ok(())
}

/// Nothing left: no undelivered event, no pending delivery.
async fn drained(pool: &PgPool) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "select not exists (select 1 from outbox where delivered_at is null)
            and not exists (select 1 from webhook_deliveries where status = 'pending')",
    )
    .fetch_one(pool)
    .await?)
}

fn config(k: &Knobs) -> Config {
    let mut c = Config::default();
    c.outbound.allow = vec!["127.0.0.1".into()];
    c.webhooks.batch = k.batch;
    c.webhooks.concurrency = k.concurrency;
    c
}

/// One instance's loop: rounds back to back until everything is drained. Answers each
/// round's time (ms).
async fn instance(state: AppState, started: Instant) -> Result<Vec<f64>> {
    let mut times = Vec::new();
    loop {
        let t = Instant::now();
        let round = deliver::round(&state).await.map_err(|e| anyhow::anyhow!("round: {e:?}"))?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if round.next.is_some() {
            continue;
        }
        if drained(&state.pool).await? {
            return Ok(times);
        }
        if started.elapsed() > DRAIN_LIMIT {
            bail!("not drained after {DRAIN_LIMIT:?} (a delivery failed and waits for its retry?)");
        }
        // The other instance holds the rest (claimed, being sent).
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn measure(pool: &PgPool, k: &Knobs) -> Result<()> {
    let endpoints = load(pool, k.tenants).await?;
    let receiver = Arc::new(Receiver {
        keys: endpoints.iter().map(|(t, s)| (*t, secret_key(s).expect("a whsec_ secret"))).collect(),
        ..Receiver::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let app = Router::new().route("/hook", post(hook)).with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    add_endpoints(pool, &endpoints, &url).await?;
    add_events(pool, "bench", k.deliveries).await?;
    sqlx::query("analyze").execute(pool).await?;

    let states: Vec<AppState> = (0..k.instances).map(|_| AppState::new(pool.clone(), config(k))).collect();
    println!(
        "\nwebhook deliveries: {} events over {} tenants (1 endpoint each, receiver on {url}), {} instance(s), batch {}, concurrency {}:",
        k.deliveries, k.tenants, k.instances, k.batch, k.concurrency
    );
    let t0: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("select clock_timestamp()").fetch_one(pool).await?;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for s in &states {
        tasks.spawn(instance(s.clone(), started));
    }
    let mut rounds = Vec::new();
    while let Some(r) = tasks.join_next().await {
        rounds.extend(r??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    rounds.sort_by(f64::total_cmp);
    let (requests, duplicates, checked, bad) = receiver.snapshot();

    // The last dispatch's transaction start, against the database's clock at the start.
    let last_dispatch: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select max(delivered_at) from outbox where key like 'bench-%'").fetch_one(pool).await?;
    let dispatch_secs =
        last_dispatch.map(|d| (d - t0).num_microseconds().unwrap_or(0) as f64 / 1e6).unwrap_or(f64::NAN);
    let (succeeded, first_try, total): (i64, i64, i64) = sqlx::query_as(
        "select count(*) filter (where status = 'succeeded'), count(*) filter (where status = 'succeeded' and attempts = 1),
                count(*)
         from webhook_deliveries",
    )
    .fetch_one(pool)
    .await?;
    let per_sec = k.deliveries as f64 / elapsed;
    println!(
        "  events dispatched: {:.0}/s (the last dispatch began {dispatch_secs:.2} s in)",
        k.deliveries as f64 / dispatch_secs
    );
    println!(
        "  deliveries end to end: {per_sec:.0}/s ({} in {elapsed:.2} s)   target ≥ {TARGET_PER_SEC:.0}/s  {}",
        k.deliveries,
        verdict(per_sec >= TARGET_PER_SEC)
    );
    println!(
        "  rounds: {} (over {} instance(s)), round time p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        rounds.len(),
        k.instances,
        percentile(&rounds, 50.0),
        percentile(&rounds, 99.0),
        rounds.last().copied().unwrap_or(f64::NAN)
    );
    let exact = requests == k.deliveries as u64 && duplicates == 0;
    println!(
        "  receiver: {requests} requests, {duplicates} duplicate(s) (expected {} exactly once)  {}",
        k.deliveries,
        verdict(exact)
    );
    println!("  signatures checked: {checked} (every {SAMPLE}th), failed: {bad}  {}", verdict(bad == 0 && checked > 0));
    println!(
        "  deliveries: {total} rows, {succeeded} succeeded, {first_try} on the first attempt  {}",
        verdict(total == k.deliveries && first_try == k.deliveries)
    );

    // Baseline: the same client, the same bodies and signatures, no database.
    let bodies: Vec<(String, String)> = sqlx::query_as(
        "select d.body, e.secret from webhook_deliveries d
         join webhook_endpoints e on e.tenant_id = d.tenant_id and e.id = d.endpoint_id order by d.created_at, d.id",
    )
    .fetch_all(pool)
    .await?;
    let state = &states[0];
    let client = state.outbound.webhook_client(Duration::from_secs(state.config.webhooks.timeout_secs.max(1)));
    let policy = state.outbound.policy.clone();
    let target = reqwest::Url::parse(&url)?;
    let before = receiver.snapshot();
    let started = Instant::now();
    let results: Vec<Result<u16>> = futures::stream::iter(bodies.iter().enumerate())
        .map(|(i, (body, secret))| {
            let (target, policy) = (target.clone(), policy.clone());
            async move {
                policy.check_literal(&target).map_err(|e| anyhow::anyhow!(e.0))?;
                let msg_id = format!("msg_raw{i}");
                let ts = chrono::Utc::now().timestamp();
                let res = client
                    .post(target)
                    .header("content-type", "application/json")
                    .header("webhook-id", &msg_id)
                    .header("webhook-timestamp", ts.to_string())
                    .header("webhook-signature", sign::header(&[secret.as_str()], &msg_id, ts, body))
                    .body(body.clone())
                    .send()
                    .await?;
                let code = res.status().as_u16();
                res.bytes().await?;
                Ok(code)
            }
        })
        .buffer_unordered(k.concurrency.max(1))
        .collect()
        .await;
    let raw_secs = started.elapsed().as_secs_f64();
    let ok = results.iter().filter(|r| matches!(r, Ok(200))).count();
    let after = receiver.snapshot();
    let raw_per_sec = bodies.len() as f64 / raw_secs;
    println!(
        "  baseline, raw HTTP (same client, bodies and signing, concurrency {}, no database): {raw_per_sec:.0}/s ({} in {raw_secs:.2} s, {ok} answered 200, receiver saw {}, signatures failed {})",
        k.concurrency,
        bodies.len(),
        after.0 - before.0,
        after.3 - before.3
    );
    println!("  deliveries/s ÷ raw HTTP rate: {:.2}", per_sec / raw_per_sec);

    if k.split > 0 {
        split(state, &receiver, k).await?;
    }
    ensure!(bad == 0, "{bad} signature(s) failed to verify");
    ensure!(exact, "the receiver saw {requests} requests ({duplicates} duplicates), not {}", k.deliveries);
    Ok(())
}

/// Where a round's time goes: the round's steps made one by one with the same queries.
async fn split(state: &AppState, receiver: &Receiver, k: &Knobs) -> Result<()> {
    add_events(&state.pool, "split", k.split).await?;
    let cfg = &state.config.webhooks;
    let batch = cfg.batch.max(1);
    let lease = deliver::lease(state);
    let client = state.outbound.webhook_client(Duration::from_secs(cfg.timeout_secs.max(1)));
    let policy = state.outbound.policy.clone();
    let before = receiver.snapshot();
    let mut steps: [Vec<f64>; 5] = Default::default();
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let mut rounds = 0;
    loop {
        let t = Instant::now();
        let (events, _) = tenantry::db::webhooks::dispatch(&state.pool, batch).await?;
        steps[0].push(ms(t));
        let t = Instant::now();
        let claimed = tenantry::db::webhooks::claim(&state.pool, batch, lease).await?;
        steps[1].push(ms(t));
        let sent = claimed.len() as i64;
        let t = Instant::now();
        let outcomes: Vec<Outcome> = futures::stream::iter(claimed)
            .map(|c| attempt(client, &policy, c))
            .buffer_unordered(cfg.concurrency.max(1))
            .collect()
            .await;
        steps[2].push(ms(t));
        let t = Instant::now();
        let mut tx = state.pool.begin().await?;
        tenantry::db::webhooks::record(&mut tx, &outcomes, chrono::Utc::now() - chrono::Duration::days(5)).await?;
        tx.commit().await?;
        steps[3].push(ms(t));
        let t = Instant::now();
        tenantry::db::webhooks::lag(&state.pool).await?;
        steps[4].push(ms(t));
        rounds += 1;
        if events < batch && sent < batch && drained(&state.pool).await? {
            break;
        }
        ensure!(started.elapsed() < DRAIN_LIMIT, "the split phase did not drain");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = receiver.snapshot();
    let total: f64 = steps.iter().flatten().sum();
    println!(
        "\nwhere a round's time goes ({} more events, 1 loop making the round's steps itself, {rounds} rounds, {:.0} deliveries/s, receiver saw {}):",
        k.split,
        k.split as f64 / elapsed,
        after.0 - before.0
    );
    for (name, times) in ["dispatch", "claim", "send", "record", "lag"].iter().zip(steps.iter_mut()) {
        let sum: f64 = times.iter().sum();
        times.sort_by(f64::total_cmp);
        println!(
            "  {name:<9} {:>5.1} % of the time, p50 {:>6.1} ms, max {:>6.1} ms per round",
            100.0 * sum / total,
            percentile(times, 50.0),
            times.last().copied().unwrap_or(f64::NAN)
        );
    }
    Ok(())
}

/// One attempt as `deliver` makes it (its own function is private): checked, signed,
/// POSTed, the first kilobyte of the answer read.
async fn attempt(client: &reqwest::Client, policy: &tenantry::server::outbound::Policy, c: Claimed) -> Outcome {
    let t = Instant::now();
    let sent = async {
        let url = reqwest::Url::parse(&c.url)?;
        policy.check_literal(&url).map_err(|e| anyhow::anyhow!(e.0))?;
        let ts = chrono::Utc::now().timestamp();
        let mut secrets = vec![c.secret.as_str()];
        secrets.extend(c.previous_secret.as_deref());
        let res = client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &c.msg_id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", sign::header(&secrets, &c.msg_id, ts, &c.body))
            .body(c.body.clone())
            .send()
            .await?;
        let code = res.status().as_u16();
        let body = res.bytes().await?;
        Ok::<_, anyhow::Error>((code, String::from_utf8_lossy(&body[..body.len().min(1024)]).to_string()))
    }
    .await;
    let ok = matches!(sent, Ok((200..=299, _)));
    Outcome {
        tenant_id: c.tenant_id,
        id: c.id,
        endpoint_id: c.endpoint_id,
        status: if ok { DeliveryStatus::Succeeded } else { DeliveryStatus::Failed },
        next_attempt_at: None,
        response_status: sent.as_ref().ok().map(|s| i32::from(s.0)),
        response_ms: t.elapsed().as_millis().min(i32::MAX as u128) as i32,
        excerpt: sent.as_ref().ok().map(|s| s.1.clone()),
        error: sent.as_ref().err().map(|e| e.to_string()),
    }
}
