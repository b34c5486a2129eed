//! Policy evaluation benchmark (issue 12, R4): `scripts/bench policies`, or
//! `DATABASE_URL=postgres://tenantry@127.0.0.1:54329/postgres cargo bench --features ssr --bench policies`.
//!
//! Creates a fresh database `tenantry_bench_policies` (dropping an old one), migrates it,
//! loads `TENANTS` (default 10,000) active tenants with allocations and this month's use of
//! three resources, and three policies each (grow API calls by a factor, grow storage by a
//! step, notify on members), about a third of them over their threshold. Then it runs
//! full passes of the `scaling-policies` worker's round (`evaluate_in`: one read of every
//! enabled policy with its resource's use, the decisions, two batched writes, and a
//! history and audit entry per scaling), and prints each pass's time.
//!
//! Target: one full pass ≤ 1 s. Baseline, in the same run: the pass's read alone
//! (`db::policies::due`), so the decisions' and writes' share shows as the ratio. The
//! first pass scales (every policy whose condition holds); later ones mostly log nothing
//! (identical skips are logged once). Environment: `TENANTS`, `PASSES` (default 5),
//! `KEEP_DB=1` keeps the database.

use anyhow::Result;
use chrono::{Duration, Utc};
use sqlx::PgPool;
use std::process::ExitCode;
use std::time::Instant;
use tenantry::server::services::policies::evaluate_in;
use tenantry::server::MIGRATOR;

mod common;
use common::{env_or, percentile, verdict, with_fresh_db};

const BENCH_DB: &str = "tenantry_bench_policies";
const PASS_TARGET_MS: f64 = 1_000.0;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<()> {
    let tenants: usize = env_or("TENANTS", 10_000)?;
    let passes: usize = env_or("PASSES", 5)?;
    with_fresh_db(BENCH_DB, |pool| async move { measure(&pool, tenants, passes).await }).await
}

async fn load(pool: &PgPool, tenants: usize) -> Result<()> {
    MIGRATOR.run(pool).await?;
    tenantry::server::demo::seed(pool, tenants, 11).await?;
    sqlx::query("update tenants set status = 'active', activated_at = coalesce(activated_at, created_at)")
        .execute(pool)
        .await?;
    // Allocations of the three resources, and this month's use, spread evenly per tenant
    // (a hash of its id): from 0 to 130 % of the allocation, 0 to 120 % for members.
    sqlx::query(
        "insert into tenant_allocations (tenant_id, resource, amount, soft_limit, hard_limit)
         select t.id, r.id, r.amount, r.amount * 8 / 10, r.amount
         from tenants t cross join (values ('api_calls_per_month', 100000), ('storage_gb', 100), ('users', 50)) as r(id, amount)
         on conflict (tenant_id, resource) do update
             set amount = excluded.amount, soft_limit = excluded.soft_limit, hard_limit = excluded.hard_limit",
    )
    .execute(pool)
    .await?;
    sqlx::query(
        "insert into usage_daily (tenant_id, metric, day, total, peak, last, last_at, events)
         select t.id, m.metric, current_date, v, v, v, now(), 1
         from tenants t
         cross join lateral (values ('api_calls', abs(hashtext(t.id::text || 'a')) % 130000),
                                    ('storage_gb', abs(hashtext(t.id::text || 's')) % 130),
                                    ('members', abs(hashtext(t.id::text || 'm')) % 60)) as m(metric, v)
         on conflict do nothing",
    )
    .execute(pool)
    .await?;
    sqlx::query(
        "insert into scaling_policies (tenant_id, resource, name, metric, operator, threshold, for_secs, action, amount,
             min_allocated, max_allocated, priority, cooldown_secs)
         select t.id, p.resource, p.name, 'utilization', 'gte', p.threshold, 0, p.action, p.amount, 1, 1000000, 100, 600
         from tenants t cross join (values
             ('api_calls_per_month', 'Grow API calls', 80.0, 'scale_by_factor', 1.5),
             ('storage_gb', 'Grow storage', 90.0, 'scale_by_step', 10.0),
             ('users', 'Tell about seats', 95.0, 'notify', 0.0)) as p(resource, name, threshold, action, amount)",
    )
    .execute(pool)
    .await?;
    sqlx::query("analyze").execute(pool).await?;
    Ok(())
}

async fn measure(pool: &PgPool, tenants: usize, passes: usize) -> Result<()> {
    let started = Instant::now();
    load(pool, tenants).await?;
    let policies: i64 = sqlx::query_scalar("select count(*) from scaling_policies").fetch_one(pool).await?;
    println!("\nloaded {tenants} tenants and {policies} policies in {:.1} s", started.elapsed().as_secs_f64());

    let mut conn = pool.acquire().await?;
    let today = Utc::now().date_naive();
    let period = tenantry::server::services::usage::periods::month_bounds(today).0;
    let mut reads = Vec::new();
    let mut times = Vec::new();
    println!("\nfull passes of the scaling-policies round ({policies} policies):");
    for pass in 0..passes {
        let t = Instant::now();
        let due = tenantry::db::policies::due(&mut conn, period, today - Duration::days(7)).await?;
        reads.push(t.elapsed().as_secs_f64() * 1000.0);
        let now = Utc::now() + Duration::minutes(pass as i64);
        let t = Instant::now();
        let mut tx = pool.begin().await?;
        let r = evaluate_in(&mut tx, now).await?;
        tx.commit().await?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        times.push(ms);
        println!(
            "  pass {}: {ms:>7.1} ms  ({} evaluated of {} due, {} scaled, {} decisions logged)",
            pass + 1,
            r.evaluated,
            due.len(),
            r.scaled,
            r.logged
        );
    }
    times.sort_by(f64::total_cmp);
    reads.sort_by(f64::total_cmp);
    let worst = times.last().copied().unwrap_or_default();
    let median = percentile(&times, 50.0);
    let read = percentile(&reads, 50.0);
    println!(
        "\n  median pass {median:.1} ms, slowest {worst:.1} ms   target one pass ≤ {PASS_TARGET_MS:.0} ms  {}",
        verdict(worst <= PASS_TARGET_MS)
    );
    println!(
        "  baseline: the read alone {read:.1} ms (median) — a pass costs {:.1}× its read",
        median / read.max(0.001)
    );
    Ok(())
}
