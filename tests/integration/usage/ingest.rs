//! Ingestion: exactly once, every validation error, batch limits, who may report.

use super::*;
use crate::helpers::*;
use axum::body::Body;
use chrono::{Duration, Utc};
use http::{Request, StatusCode};
use serde_json::{json, Value};
use tenantry::model::Scope;

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn each_event_counts_once_within_and_across_batches(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Acme Usage", "professional").await;
    let key = key_for(&admin, &a, &[Scope::UsageWrite]).await;
    let time = Utc::now() - Duration::minutes(3);
    let e = |k: &str, v: f64| json!({ "metric": "api_calls", "value": v, "time": time, "idempotency_key": k });
    let batch = json!({ "events": [e("k1", 10.0), e("k2", 20.0), e("k1", 10.0), e("k2", 99.0), e("k3", 5.0)] });
    let (s, body) = report(&key, batch.clone()).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(outcomes(&body), ["accepted", "accepted", "duplicate", "conflict", "accepted"]);
    assert_eq!(
        (body["accepted"].as_u64(), body["duplicates"].as_u64(), body["conflicts"].as_u64()),
        (Some(3), Some(1), Some(1))
    );
    assert!(body["results"][3]["error"].as_str().unwrap().contains("different event"));
    assert_eq!(body["tenant_id"], json!(a));

    // The same batch again (a client retrying after a timeout): nothing new is counted.
    let (s, again) = report(&key, batch).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(outcomes(&again), ["duplicate", "duplicate", "duplicate", "conflict", "duplicate"]);
    // A known key with another payload in a later batch is a conflict; a new key is counted.
    let (_, later) = report(&key, json!({ "events": [e("k3", 6.0), e("k4", 1.0)] })).await;
    assert_eq!(outcomes(&later), ["conflict", "accepted"]);

    assert_eq!(count(&admin, "select count(*) from usage_events where tenant_id = $1", &a).await, 4);
    let total: f64 = sqlx::query_scalar("select sum(value) from usage_events where tenant_id = $1::uuid")
        .bind(&a)
        .fetch_one(&admin.pool)
        .await
        .unwrap();
    assert_eq!(total, 36.0);
    assert_eq!(count(&admin, "select count(*) from usage_dedup where tenant_id = $1", &a).await, 4);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn every_bad_event_is_named_and_the_rest_are_counted(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Acme Checks", "professional").await;
    let key = key_for(&admin, &a, &[Scope::UsageWrite]).await;
    let now = Utc::now();
    let long_key = "k".repeat(129);
    let many: serde_json::Map<String, Value> = (0..17).map(|i| (format!("d{i}"), json!(i))).collect();
    // The value 1e999 is valid JSON but no finite number: it must fail alone, not the batch.
    let body = format!(
        r#"{{"events": [
            {ok},
            {{"metric": "nope", "value": 1, "time": "{now}", "idempotency_key": "a"}},
            {{"metric": "members", "value": 1, "time": "{now}", "idempotency_key": "b"}},
            {{"metric": "api_calls", "value": -1, "time": "{now}", "idempotency_key": "c"}},
            {{"metric": "api_calls", "value": 1e999, "time": "{now}", "idempotency_key": "d"}},
            {{"metric": "api_calls", "value": "12", "time": "{now}", "idempotency_key": "e"}},
            {{"metric": "api_calls", "value": 1, "idempotency_key": "f"}},
            {{"metric": "api_calls", "value": 1, "time": "{old}", "idempotency_key": "g"}},
            {{"metric": "api_calls", "value": 1, "time": "{ahead}", "idempotency_key": "h"}},
            {{"metric": "api_calls", "value": 1, "time": "{now}"}},
            {{"metric": "api_calls", "value": 1, "time": "{now}", "idempotency_key": "{long_key}"}},
            {{"metric": "api_calls", "value": 1, "time": "{now}", "idempotency_key": "i", "dimensions": {many}}},
            {{"metric": "api_calls", "value": 1, "time": "yesterday", "idempotency_key": "j"}},
            "not an object",
            {{"metric": "api_calls", "value": 1, "time": "{now}", "idempotency_key": "k", "colour": "red"}}
        ]}}"#,
        ok = event("api_calls", json!(7), "good"),
        now = now.to_rfc3339(),
        old = (now - Duration::days(36)).to_rfc3339(),
        ahead = (now + Duration::minutes(10)).to_rfc3339(),
        many = Value::Object(many),
    );
    let req = Request::post("/api/v1/usage").header("content-type", "application/json").body(Body::from(body)).unwrap();
    let (s, _, text) = key.send(req).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let res: Value = serde_json::from_str(&text).unwrap();
    let fields: Vec<(String, String)> = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["outcome"].as_str().unwrap().into(), r["field"].as_str().unwrap_or("-").into()))
        .collect();
    let want = [
        ("accepted", "-"),
        ("invalid", "metric"),
        ("invalid", "metric"),
        ("invalid", "value"),
        ("invalid", "value"),
        ("invalid", "value"),
        ("invalid", "time"),
        ("invalid", "time"),
        ("invalid", "time"),
        ("invalid", "idempotency_key"),
        ("invalid", "idempotency_key"),
        ("invalid", "dimensions"),
        ("invalid", "time"),
        ("invalid", "event"),
        ("invalid", "event"),
    ];
    let want: Vec<(String, String)> = want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(fields, want);
    assert_eq!(res["invalid"], 14);
    let messages: Vec<&str> = res["results"].as_array().unwrap().iter().filter_map(|r| r["error"].as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("no metric called \u{201c}nope\u{201d}")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("measured by the portal")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("more than 35 days ago")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("colour")), "{messages:?}");
    assert_eq!(count(&admin, "select count(*) from usage_events where tenant_id = $1", &a).await, 1);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn whole_batches_are_refused_with_a_clear_status(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Acme Limits", "professional").await;
    let key = key_for(&admin, &a, &[Scope::UsageWrite]).await;
    let events: Vec<Value> = (0..1001).map(|i| event("api_calls", json!(1), &format!("k{i}"))).collect();
    let (s, body) = report(&key, json!({ "events": events })).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("at most 1000 events"));
    // Over the byte limit (1 MiB): 413 before anything is read.
    let huge = json!({ "events": [{ "metric": "api_calls", "value": 1, "time": Utc::now(), "idempotency_key": "x", "dimensions": { "blob": "y".repeat(1_100_000) } }] });
    let (s, _) = report(&key, huge).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    let (s, _) = report(&key, json!({ "events": [] })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = report(&key, json!({ "events": "many" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = report(&key, json!({ "evnts": [] })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let req = Request::post("/api/v1/usage")
        .header("content-type", "application/json")
        .body(Body::from("{\"events\": ["))
        .unwrap();
    assert_eq!(key.send(req).await.0, StatusCode::BAD_REQUEST);
    let req = Request::post("/api/v1/usage").header("content-type", "text/plain").body(Body::from("{}")).unwrap();
    assert_eq!(key.send(req).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A platform admin must say which tenant the usage is for.
    let (s, body) = report(&admin, json!({ "events": [event("api_calls", json!(1), "adm")] })).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("name the tenant"));
    let (s, body) = report(&admin, json!({ "tenant": a, "events": [event("api_calls", json!(1), "adm")] })).await;
    assert_eq!((s, body["accepted"].as_u64()), (StatusCode::OK, Some(1)));
    assert_eq!(count(&admin, "select count(*) from usage_events where tenant_id = $1", &a).await, 1);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_key_reports_for_its_own_tenant_only(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Acme Own", "professional").await;
    let b = active_tenant(&admin, "Bravo Own", "professional").await;
    let key_b = key_for(&admin, &b, &[Scope::UsageWrite, Scope::UsageRead]).await;
    let (s, body) = report(&key_b, json!({ "tenant": a, "events": [event("api_calls", json!(5), "x")] })).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(count(&admin, "select count(*) from usage_events where tenant_id = $1", &a).await, 0);
    let (s, _) = key_b.get(&format!("/api/v1/tenants/{a}/usage")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Without the scope the key is refused, and says which scope it lacks.
    let reader = key_for(&admin, &b, &[Scope::UsageRead]).await;
    let (s, body) = report(&reader, json!({ "events": [event("api_calls", json!(5), "y")] })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(body["error"]["message"].as_str().unwrap().contains("usage:write"));
    let writer = key_for(&admin, &b, &[Scope::UsageWrite]).await;
    let (s, body) = writer.get(&format!("/api/v1/tenants/{b}/usage")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(body["error"]["message"].as_str().unwrap().contains("usage:read"));
    // Same key string in two tenants: independent.
    let key_a = key_for(&admin, &a, &[Scope::UsageWrite]).await;
    assert_eq!(
        outcomes(&report(&key_a, json!({ "events": [event("api_calls", json!(1), "shared")] })).await.1),
        ["accepted"]
    );
    assert_eq!(
        outcomes(&report(&key_b, json!({ "events": [event("api_calls", json!(2), "shared")] })).await.1),
        ["accepted"]
    );
}

/// Batches sharing keys, sent at the same moment: each key is accepted by exactly one of
/// them (the others answer duplicate), every batch is answered 200, nothing counts twice.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn overlapping_batches_at_once_count_each_key_once(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Acme Overlap", "professional").await;
    let key = key_for(&admin, &a, &[Scope::UsageWrite]).await;
    let time = Utc::now() - Duration::minutes(1);
    // Eight batches; keys s0..s199 are in all of them (in different orders), u<b>-* in one.
    let batches: Vec<Value> = (0..8)
        .map(|b| {
            let mut events: Vec<Value> = (0..200)
                .map(|i| json!({ "metric": "api_calls", "value": 1, "time": time, "idempotency_key": format!("s{i}") }))
                .collect();
            events.rotate_left(b * 25);
            events.extend((0..50).map(
                |i| json!({ "metric": "api_calls", "value": 1, "time": time, "idempotency_key": format!("u{b}-{i}") }),
            ));
            json!({ "events": events })
        })
        .collect();
    let answers = futures::future::join_all(batches.into_iter().map(|b| report(&key, b))).await;
    let mut accepted = 0;
    for (s, body) in &answers {
        assert_eq!(*s, StatusCode::OK, "{body}");
        assert_eq!(body["conflicts"], 0, "{body}");
        assert_eq!(body["accepted"].as_u64().unwrap() + body["duplicates"].as_u64().unwrap(), 250, "{body}");
        accepted += body["accepted"].as_u64().unwrap();
    }
    assert_eq!(accepted, 200 + 8 * 50);
    assert_eq!(count(&admin, "select count(*) from usage_events where tenant_id = $1", &a).await, 600);
    assert_eq!(
        count(&admin, "select count(distinct idempotency_key) from usage_events where tenant_id = $1", &a).await,
        600
    );
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_metric_an_operator_adds_is_accepted_at_once(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Acme Catalog", "professional").await;
    let key = key_for(&admin, &a, &[Scope::UsageWrite]).await;
    // The instance reads the catalog (and keeps it) with the first batch.
    let (s, body) =
        report(&key, json!({ "events": [event("api_calls", json!(1), "c1"), event("gpu_hours", json!(2), "c2")] }))
            .await;
    assert_eq!((s, outcomes(&body)), (StatusCode::OK, vec!["accepted".to_string(), "invalid".to_string()]), "{body}");
    assert!(body["results"][1]["error"].as_str().unwrap().contains("no metric called"), "{body}");
    // An operator adds the metric: the next batch is checked against the catalog as it is now.
    sqlx::query(
        "insert into usage_metrics (id, name, unit, aggregation, source) values ('gpu_hours', 'GPU hours', 'hours', 'sum', 'reported')",
    )
    .execute(&admin.pool)
    .await
    .unwrap();
    let (s, body) =
        report(&key, json!({ "events": [event("gpu_hours", json!(2), "c2"), event("tpu_hours", json!(1), "c3")] }))
            .await;
    assert_eq!((s, outcomes(&body)), (StatusCode::OK, vec!["accepted".to_string(), "invalid".to_string()]), "{body}");
    assert_eq!(
        count(&admin, "select count(*) from usage_events where tenant_id = $1 and metric = 'gpu_hours'", &a).await,
        1
    );
}
