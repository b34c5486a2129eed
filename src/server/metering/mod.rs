//! The usage metering workers (PRODUCT.md U1-U4), registered in `server::background`:
//! rollups, event partitions and retention, the sampler, invoicing and cost alerts, and
//! (demo data only) demo traffic through the REST API.

pub mod demo_traffic;
pub mod history;
pub mod sampler;

use crate::db;
use crate::error::AppError;
use crate::server::services::usage::billing;
use crate::server::state::AppState;
use crate::server::workers::{exclusive, Round, Worker};
use chrono::{Duration as Days, NaiveDate, Utc};
use futures_util::FutureExt;
use std::time::Duration;

pub fn workers(state: &AppState) -> Vec<Worker> {
    let cfg = &state.config.usage;
    let mut all = vec![
        Worker::new(
            "usage-rollup",
            "Adds newly reported usage to the hourly and daily rollups",
            Duration::from_millis(cfg.rollup_interval_ms.max(100)),
            |state: AppState| async move {
                let lag = rollup_round(&state.pool).await?;
                Ok(Round { lag: Some(Duration::from_secs_f64(lag.max(0.0))), next: None })
            },
        ),
        Worker::new(
            "usage-partitions",
            "Makes the usage event partitions ahead, drops expired ones, forgets old idempotency keys",
            Duration::from_secs(3600),
            |state: AppState| async move {
                maintain_partitions(&state, Utc::now().date_naive()).await?;
                Ok(Round::default())
            },
        ),
        Worker::new(
            "usage-sampler",
            "Measures every active tenant's members, domains, projects, data size and connections",
            Duration::from_secs(cfg.sample_interval_secs.max(5)),
            |state: AppState| async move {
                exclusive(&state.pool, "usage-sampler", |c| sample(c).boxed()).await?;
                Ok(Round::default())
            },
        ),
        Worker::new(
            "invoicing",
            "Issues last month's invoices once per tenant",
            Duration::from_secs(3600),
            |state: AppState| async move {
                while billing::issue_due(&state.pool, Utc::now().date_naive(), 200).await? > 0 {}
                Ok(Round::default())
            },
        ),
        Worker::new(
            "cost-alerts",
            "Emails owners when a tenant's cost this month passes its threshold",
            Duration::from_secs(300),
            |state: AppState| async move {
                billing::check_cost_alerts(&state).await?;
                Ok(Round::default())
            },
        ),
    ];
    if state.config.demo.load_when_empty && cfg.demo_traffic_tenants > 0 {
        all.push(demo_traffic::worker());
    }
    all
}

/// One round of the usage rollup, as the worker runs it; answers the lag found before it.
/// The BRIN ranges written since the last round are summarized first, so the round reads
/// only its batches' pages; that changes how much it reads, not what it counts, so a
/// failure there is logged and the round goes on. With nothing new (lag 0) there is
/// nothing to summarize. Instances may roll up at once: the mark's row lock makes that safe.
pub async fn rollup_round(pool: &sqlx::PgPool) -> Result<f64, AppError> {
    let lag = db::usage::rollup_lag(pool).await?;
    if lag > 0.0 {
        if let Err(e) = db::usage::summarize_new_ranges(pool).await {
            tracing::warn!(error = %e, "usage rollup: could not summarize the new BRIN ranges");
        }
    }
    // Always: the mark's time moves on even when nothing is new.
    db::usage::roll_up_settled(pool).await?;
    Ok(lag)
}

/// Partitions for every day an event may name (35 days back to `ahead` days on), the
/// expired ones dropped, idempotency keys past the window forgotten. Returns (made, dropped).
pub async fn maintain_partitions(state: &AppState, today: NaiveDate) -> Result<(i32, usize), AppError> {
    let cfg = &state.config.usage;
    let pool = &state.pool;
    let made = db::usage::ensure_partitions(
        pool,
        today - Days::days(crate::model::usage::DEDUP_WINDOW_DAYS + 1),
        today + Days::days(cfg.partitions_ahead_days.max(1) as i64),
    )
    .await?;
    let keep_from = today - Days::days(cfg.retention_days.max(36) as i64);
    let mut dropped = 0;
    for name in db::usage::partitions(pool).await? {
        let day = name.strip_prefix("usage_events_").and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok());
        if day.is_some_and(|d| d < keep_from) {
            let mut tx = pool.begin().await?;
            db::usage::drop_partition(&mut tx, &name).await?;
            tx.commit().await?;
            dropped += 1;
        }
    }
    let before = Utc::now() - Days::days(crate::model::usage::DEDUP_WINDOW_DAYS);
    while db::usage::purge_dedup(pool, before, 10_000).await? == 10_000 {}
    Ok((made, dropped))
}

/// One sample of every active tenant, written to the rollups at once.
pub async fn sample(db: &mut sqlx::PgConnection) -> Result<usize, AppError> {
    let subjects = sampler::subjects(db).await?;
    let connections = sampler::connections(db).await?;
    let mut s = db::usage::Samples::default();
    for subject in &subjects {
        let (projects, bytes) = sampler::data_of(db, subject).await?;
        let conns = subject.role.as_ref().and_then(|r| connections.get(r)).copied().unwrap_or(0);
        for (metric, value) in [
            ("members", subject.members as f64),
            ("custom_domains", subject.domains as f64),
            ("projects", projects as f64),
            ("data_bytes", bytes as f64),
            ("db_connections", conns as f64),
        ] {
            s.tenants.push(subject.tenant_id);
            s.metrics.push(metric.to_string());
            s.values.push(value);
        }
    }
    db::usage::record_samples(db, Utc::now(), &s).await?;
    Ok(subjects.len())
}
