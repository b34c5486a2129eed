//! O2/O3/H1: background workers (registered, beating, restarted after a panic, never
//! doing a periodic round twice), readiness that notices a stopped worker, and /metrics.

use crate::helpers::*;
use crate::real_server::wait_until;
use axum::body::Body;
use http::{Request, StatusCode};
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tenantry::server::config::Config;
use tenantry::server::workers::{self, Round, Worker};

async fn heartbeat(pool: &sqlx::PgPool, instance: uuid::Uuid, worker: &str) -> Option<(String, Option<String>)> {
    sqlx::query_as("select status, last_error from worker_heartbeats where instance_id = $1 and worker = $2")
        .bind(instance)
        .bind(worker)
        .fetch_optional(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn every_worker_is_registered_once_and_beats(pool: sqlx::PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let all = tenantry::server::background::workers(&app.state);
    let mut names: Vec<&str> = all.iter().map(|w| w.name).collect();
    for expected in ["workflow-listener", "template-rollout", "session-cleanup", "export-purge", "heartbeat-prune"] {
        assert!(names.contains(&expected), "{expected} is not registered: {names:?}");
    }
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "a worker name is registered twice");

    let running = workers::start(app.state.clone(), all);
    let id = app.state.instance.id;
    wait_until("every worker has beaten", 10, || async {
        let n: i64 = sqlx::query_scalar("select count(*) from worker_heartbeats where instance_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        n as usize == before
    })
    .await;
    // The status page (a server function reading the same rows) lists them for this instance.
    let (s, r) = app.get("/readyz").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    running.shutdown(Duration::from_secs(10)).await;
    let stopped: Vec<String> =
        sqlx::query_scalar("select worker from worker_heartbeats where instance_id = $1 and status <> 'stopped'")
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(stopped.is_empty(), "workers still marked running after a graceful shutdown: {stopped:?}");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_panicking_worker_is_restarted_and_says_so(pool: sqlx::PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let rounds = Arc::new(AtomicU32::new(0));
    let counter = rounds.clone();
    let flaky = Worker::new("flaky", "Panics in its first round", Duration::from_millis(50), move |_| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                panic!("first round blows up");
            }
            Ok(Round::default())
        }
    });
    let running = workers::start(app.state.clone(), vec![flaky]);
    let id = app.state.instance.id;
    wait_until("the panic is recorded", 5, || async {
        heartbeat(&pool, id, "flaky")
            .await
            .is_some_and(|(s, e)| s == "restarting" && e.as_deref() == Some("first round blows up") || s == "running")
    })
    .await;
    // Back-off after one panic is two seconds; then it runs again and clears the error.
    wait_until("the worker runs again", 10, || async {
        rounds.load(Ordering::SeqCst) >= 3
            && heartbeat(&pool, id, "flaky").await.is_some_and(|(s, e)| s == "running" && e.is_none())
    })
    .await;
    running.shutdown(Duration::from_secs(5)).await;
    assert_eq!(heartbeat(&pool, id, "flaky").await.unwrap().0, "stopped");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_periodic_round_runs_on_one_instance_at_a_time(pool: sqlx::PgPool) {
    let inside = Arc::new(AtomicU32::new(0));
    let most = Arc::new(AtomicU32::new(0));
    let ran = Arc::new(AtomicU32::new(0));
    let round = |pool: sqlx::PgPool| {
        let (inside, most, ran) = (inside.clone(), most.clone(), ran.clone());
        async move {
            workers::exclusive(&pool, "test-round", move |_conn| {
                Box::pin(async move {
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    ran.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                })
            })
            .await
            .unwrap()
        }
    };
    // Eight "instances" try the same round at once: one does it, the others skip it.
    let tries = futures_util::future::join_all((0..8).map(|_| round(pool.clone()))).await;
    assert_eq!(tries.iter().filter(|t| t.is_some()).count(), 1, "{tries:?}");
    assert_eq!((ran.load(Ordering::SeqCst), most.load(Ordering::SeqCst)), (1, 1));
    // Once it is over, the next round runs again.
    assert!(round(pool.clone()).await.is_some());
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn readiness_fails_while_a_worker_of_this_instance_stopped_beating(pool: sqlx::PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let beat = |worker: &'static str, ago_secs: i64, instance: uuid::Uuid| {
        let pool = pool.clone();
        async move {
            sqlx::query(
                "insert into worker_heartbeats (instance_id, host, worker, status, stale_after_ms, beat_at)
                 values ($1, 'test', $2, 'running', 30000, now() - make_interval(secs => $3))
                 on conflict (instance_id, worker) do update set beat_at = excluded.beat_at, status = 'running'",
            )
            .bind(instance)
            .bind(worker)
            .bind(ago_secs as f64)
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    let me = app.state.instance.id;
    beat("template-rollout", 1, me).await;
    let (s, r) = app.get("/readyz").await;
    assert_eq!(s, StatusCode::OK, "{r}");

    // Another instance's stopped worker is that instance's problem, not this one's.
    beat("template-rollout", 600, uuid::Uuid::new_v4()).await;
    let (s, r) = app.get("/readyz").await;
    assert_eq!(s, StatusCode::OK, "{r}");

    beat("template-rollout", 600, me).await;
    let (s, r) = app.get("/readyz").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{r}");
    assert_eq!(r["stale_workers"], json!(["template-rollout"]));

    // Beating again makes it ready again; a cleanly stopped worker is not "stale".
    beat("template-rollout", 0, me).await;
    assert_eq!(app.get("/readyz").await.0, StatusCode::OK);
    sqlx::query("update worker_heartbeats set status = 'stopped', beat_at = now() - interval '1 hour'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(app.get("/readyz").await.0, StatusCode::OK);
}

fn metrics_request(token: Option<&str>) -> Request<Body> {
    let mut req = Request::get("/metrics");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    req.body(Body::empty()).unwrap()
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn metrics_answer_only_with_the_token_and_count_what_happened(pool: sqlx::PgPool) {
    // Without a token configured (and no separate listener) there is no /metrics at all.
    let app = TestApp::new(pool.clone()).await;
    assert_eq!(app.anon().send(metrics_request(None)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.anon().send(metrics_request(Some(""))).await.0, StatusCode::NOT_FOUND);

    let mut config = Config::default();
    config.metrics.token = "metrics-token-123".into();
    let app = app.reconfigured(config);
    assert_eq!(app.anon().send(metrics_request(None)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.anon().send(metrics_request(Some("metrics-token-12"))).await.0, StatusCode::NOT_FOUND);
    // A signed-in admin's session is not the token either.
    assert_eq!(app.send(metrics_request(None)).await.0, StatusCode::NOT_FOUND);

    // Traffic and a provisioning run, then the exposition shows them.
    app.provision("Metered", "free", json!({})).await;
    assert_eq!(app.get("/api/v1/tenants/does-not-exist").await.0, StatusCode::NOT_FOUND);
    let (s, h, text) = app.anon().send(metrics_request(Some("metrics-token-123"))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/plain"));
    for needle in [
        r#"tenantry_http_requests_total{method="POST",route="/api/v1/tenants",status="201"}"#,
        r#"tenantry_http_requests_total{method="GET",route="/api/v1/tenants/{id}",status="404"}"#,
        "tenantry_http_request_duration_seconds_bucket{",
        r#"tenantry_workflow_steps_total{kind="provision",step="#,
        r#"tenantry_workflow_runs_total{kind="provision",status="succeeded"}"#,
        "tenantry_db_pool_max_connections ",
        "tenantry_db_pool_in_use_connections ",
    ] {
        assert!(text.contains(needle), "/metrics lacks {needle}:\n{text}");
    }
    // Raw paths never become labels (one series per route, not per tenant).
    assert!(!text.contains("does-not-exist"), "a raw path leaked into the labels");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn the_separate_metrics_listener_needs_no_token(pool: sqlx::PgPool) {
    use tower::ServiceExt;
    let app = tenantry::server::metrics_app(pool);
    let res = app.oneshot(metrics_request(None)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("tenantry_db_pool_connections "));
}
