//! A real server killed with SIGKILL while batches are in flight: the client retries each
//! batch until it is answered (as a real reporter does), and the totals are exact.

use super::*;
use crate::real_server::{database_url, wait_until, Server};
use serde_json::json;

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn totals_are_exact_after_sigkill_mid_stream(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool.clone()).await;
    let tenant = active_tenant(&admin, "Acme Crash", "enterprise").await;
    let secret = new_key(&admin, &tenant, &[Scope::UsageWrite]).await;
    let url = database_url(&pool);
    let env = [("TENANTRY_USAGE__ROLLUP_INTERVAL_MS", "200")];
    let mut server = Server::start(&url, "smtp://127.0.0.1:9", &env).await;
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build().unwrap();
    let (batches, per_batch) = (30usize, 100usize);
    let batch = |b: usize| {
        let events: Vec<_> = (0..per_batch)
            .map(|i| {
                json!({ "metric": "api_calls", "value": (b * per_batch + i) % 13 + 1,
                             "time": Utc::now() - chrono::Duration::minutes((i % 50) as i64),
                             "idempotency_key": format!("b{b}-e{i}") })
            })
            .collect();
        json!({ "events": events })
    };
    let mut rng = fastrand::Rng::with_seed(7);
    let mut kills = 0;
    for b in 0..batches {
        let body = batch(b);
        // Every fifth batch: kill the server while the batch is on its way, then retry it
        // against a fresh process, as a client that timed out would.
        if b % 5 == 2 {
            let send = client
                .post(format!("http://127.0.0.1:{}/api/v1/usage", server.port))
                .bearer_auth(&secret)
                .json(&body)
                .send();
            let in_flight = tokio::spawn(send);
            tokio::time::sleep(std::time::Duration::from_millis(rng.u64(0..15))).await;
            server.kill();
            kills += 1;
            let _ = in_flight.await;
            server = Server::start(&url, "smtp://127.0.0.1:9", &env).await;
        }
        loop {
            let res = client
                .post(format!("http://127.0.0.1:{}/api/v1/usage", server.port))
                .bearer_auth(&secret)
                .json(&body)
                .send()
                .await;
            match res {
                Ok(r) if r.status().is_success() => {
                    let v: Value = r.json().await.unwrap();
                    assert_eq!(v["accepted"].as_u64().unwrap() + v["duplicates"].as_u64().unwrap(), per_batch as u64);
                    assert_eq!(v["conflicts"], 0);
                    break;
                }
                Ok(r) => panic!("batch {b} refused: {}", r.status()),
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        }
    }
    assert!(kills >= 5);
    let expected: f64 = (0..batches * per_batch).map(|n| (n % 13 + 1) as f64).sum();
    let raw: (i64, f64) = sqlx::query_as("select count(*), sum(value) from usage_events where tenant_id = $1::uuid")
        .bind(&tenant)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(raw, ((batches * per_batch) as i64, expected));
    // The restarted server's rollup worker catches up with every event, once.
    wait_until("the rollups to catch up", 30, || async {
        let rolled: Option<f64> = sqlx::query_scalar(
            "select sum(total) from usage_daily where tenant_id = $1::uuid and metric = 'api_calls'",
        )
        .bind(&tenant)
        .fetch_one(&pool)
        .await
        .unwrap();
        rolled == Some(expected)
    })
    .await;
    assert_rollups_match(&pool).await;
}
