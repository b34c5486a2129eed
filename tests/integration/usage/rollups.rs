//! Rollups against the raw events (late events, two rollers at once), partitions, the sampler.

use super::*;
use crate::helpers::*;
use chrono::{Duration, Utc};
use http::StatusCode;
use serde_json::{json, Value};
use tenantry::model::Scope;

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn rollups_equal_the_raw_events_including_late_ones(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let mut keys = Vec::new();
    for name in ["Acme Roll", "Bravo Roll", "Charlie Roll"] {
        let t = active_tenant(&admin, name, "professional").await;
        keys.push(key_for(&admin, &t, &[Scope::UsageWrite]).await);
    }
    let mut rng = fastrand::Rng::with_seed(11);
    let now = Utc::now();
    for round in 0..8 {
        for (k, key) in keys.iter().enumerate() {
            // Whole values so sums are exact in float; times over the last 10 days, so
            // many land in hours that were rolled up in an earlier round (late events).
            let events: Vec<Value> = (0..40)
                .map(|i| {
                    let metric = ["api_calls", "bandwidth_gb", "storage_gb"][rng.usize(0..3)];
                    let at = now - Duration::minutes(rng.i64(1..14_000));
                    json!({ "metric": metric, "value": rng.u32(0..500), "time": at, "idempotency_key": format!("{round}-{k}-{i}") })
                })
                .collect();
            let (s, body) = report(key, json!({ "events": events })).await;
            assert_eq!((s, body["accepted"].as_u64()), (StatusCode::OK, Some(40)), "{body}");
        }
        if round % 3 == 1 {
            roll(&admin.pool).await;
        }
    }
    roll(&admin.pool).await;
    assert_rollups_match(&admin.pool).await;
    // A second rollup with nothing new changes nothing.
    roll(&admin.pool).await;
    assert_rollups_match(&admin.pool).await;
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn new_pages_are_summarized_for_the_rollup_and_a_busy_partition_is_skipped(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let t = active_tenant(&admin, "Acme Ranges", "professional").await;
    let key = key_for(&admin, &t, &[Scope::UsageWrite]).await;
    // One time for every event, so they all land in one day's partition.
    let at = Utc::now() - Duration::minutes(5);
    let partition = format!("usage_events_{}", at.format("%Y%m%d"));
    let send = |from: usize| {
        let events: Vec<Value> = (from..from + 300)
            .map(|i| json!({ "metric": "api_calls", "value": i % 9, "time": at, "idempotency_key": format!("r-{i}") }))
            .collect();
        json!({ "events": events })
    };
    let (s, body) = report(&key, send(0)).await;
    assert_eq!((s, body["accepted"].as_u64()), (StatusCode::OK, Some(300)), "{body}");
    // More than a range of pages (128) of earlier events: the first range is summarized
    // from the index's creation, the second one by nobody yet.
    sqlx::query(
        "insert into usage_events (tenant_id, metric, at, value, idempotency_key, batch)
         select $1::uuid, 'api_calls', $2, 1, 'bulk-' || i, nextval('usage_batches') from generate_series(1, 20000) i",
    )
    .bind(&t)
    .bind(at)
    .execute(&admin.pool)
    .await
    .unwrap();
    // Held as VACUUM would hold it: skipped after a short wait, not waited for, no error.
    let mut holder = admin.pool.begin().await.unwrap();
    sqlx::query(&format!("lock table {partition} in share update exclusive mode")).execute(&mut *holder).await.unwrap();
    assert_eq!(tenantry::db::usage::summarize_new_ranges(&admin.pool).await.unwrap(), 0);
    holder.rollback().await.unwrap();
    // Free again: its new pages are summarized, once.
    let summarized = tenantry::db::usage::summarize_new_ranges(&admin.pool).await.unwrap();
    assert!(summarized >= 1, "summarized {summarized} ranges");
    assert_eq!(tenantry::db::usage::summarize_new_ranges(&admin.pool).await.unwrap(), 0);
    roll(&admin.pool).await;
    // Later batches written into the summarized range are still found by the next round.
    let (s, body) = report(&key, send(300)).await;
    assert_eq!((s, body["accepted"].as_u64()), (StatusCode::OK, Some(300)), "{body}");
    roll(&admin.pool).await;
    assert_eq!(count(&admin, "select count(*) from usage_events where tenant_id = $1", &t).await, 20_600);
    let rolled: f64 = sqlx::query_scalar(
        "select sum(events)::float8 from usage_hourly where tenant_id = $1::uuid and metric = 'api_calls'",
    )
    .bind(&t)
    .fetch_one(&admin.pool)
    .await
    .unwrap();
    assert_eq!(rolled, 20_600.0);
    assert_rollups_match(&admin.pool).await;
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn two_rollers_at_once_count_every_event_once(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let t = active_tenant(&admin, "Acme Race", "professional").await;
    let key = key_for(&admin, &t, &[Scope::UsageWrite]).await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Two "instances" rolling up as fast as they can while four clients report.
    let rollers: Vec<_> = (0..2)
        .map(|_| {
            let (pool, done) = (admin.pool.clone(), done.clone());
            tokio::spawn(async move {
                let mut rounds = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    roll(&pool).await;
                    rounds += 1;
                }
                rounds
            })
        })
        .collect();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let key = key.clone();
            tokio::spawn(async move {
                for b in 0..15 {
                    let events: Vec<Value> = (0..50)
                        .map(|i| json!({ "metric": "api_calls", "value": 1 + (i % 7), "time": Utc::now() - Duration::minutes(i), "idempotency_key": format!("{w}-{b}-{i}") }))
                        .collect();
                    let (s, _) = report(&key, json!({ "events": events })).await;
                    assert_eq!(s, StatusCode::OK);
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in rollers {
        assert!(r.await.unwrap() > 0);
    }
    roll(&admin.pool).await;
    assert_eq!(count(&admin, "select count(*) from usage_events where tenant_id = $1", &t).await, 4 * 15 * 50);
    assert_rollups_match(&admin.pool).await;
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn partitions_are_made_ahead_and_dropped_after_retention(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let today = Utc::now().date_naive();
    let before = tenantry::db::usage::partitions(&admin.pool).await.unwrap();
    assert!(before.contains(&format!("usage_events_{}", today.format("%Y%m%d"))));
    // Forget an idempotency key older than the window; keep a recent one.
    let t = active_tenant(&admin, "Acme Parts", "professional").await;
    sqlx::query(
        "insert into usage_dedup (tenant_id, idempotency_key, fingerprint, received_at)
         values ($1::uuid, 'old', '\\x00', now() - interval '40 days'), ($1::uuid, 'new', '\\x00', now())",
    )
    .bind(&t)
    .execute(&admin.pool)
    .await
    .unwrap();
    // Fifty days on: the days up to 53 ahead exist, those before (day 50 - 40) are gone.
    let later = today + Duration::days(50);
    let (made, dropped) = tenantry::server::metering::maintain_partitions(&admin.state, later).await.unwrap();
    let after = tenantry::db::usage::partitions(&admin.pool).await.unwrap();
    let first_kept = later - Duration::days(40);
    assert!(made > 0 && dropped > 0, "made {made}, dropped {dropped}");
    assert!(after.contains(&format!("usage_events_{}", (later + Duration::days(3)).format("%Y%m%d"))));
    assert!(
        after.iter().all(|p| p.as_str() >= format!("usage_events_{}", first_kept.format("%Y%m%d")).as_str()),
        "{after:?}"
    );
    assert!(!after.contains(&format!("usage_events_{}", today.format("%Y%m%d"))));
    let keys: Vec<String> =
        sqlx::query_scalar("select idempotency_key from usage_dedup order by 1").fetch_all(&admin.pool).await.unwrap();
    assert_eq!(keys, ["new"]);
    // An event for a day without a partition still lands (made on the spot).
    sqlx::query("drop table usage_events_{}".replace("{}", &today.format("%Y%m%d").to_string()).as_str())
        .execute(&admin.pool)
        .await
        .ok();
    let key = key_for(&admin, &t, &[Scope::UsageWrite]).await;
    let (s, body) = report(&key, json!({ "events": [event("api_calls", json!(3), "fresh")] })).await;
    assert_eq!((s, body["accepted"].as_u64()), (StatusCode::OK, Some(1)), "{body}");
}
