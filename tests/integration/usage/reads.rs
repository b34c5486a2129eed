//! What the dashboards and the REST API read: the current period, series, trends, top.

use super::*;
use crate::helpers::*;
use chrono::{Duration, DurationRound, Utc};
use http::StatusCode;
use serde_json::{json, Value};
use tenantry::model::Scope;
use uuid::Uuid;

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn current_period_trends_and_top_read_the_rollups(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    // Starter: 250,000 API calls a month, overage 50 cents per started 1,000.
    let a = active_tenant(&admin, "Acme Reads", "starter").await;
    let b = active_tenant(&admin, "Bravo Reads", "starter").await;
    let key = key_for(&admin, &a, &[Scope::UsageWrite, Scope::UsageRead]).await;
    let now = Utc::now().duration_trunc(Duration::minutes(1)).unwrap();
    let (s, _) = report(
        &key,
        json!({ "events": [
        { "metric": "api_calls", "value": 250_500, "time": now, "idempotency_key": "big" },
        { "metric": "storage_gb", "value": 3.5, "time": now - Duration::minutes(2), "idempotency_key": "s1" },
        { "metric": "storage_gb", "value": 2.0, "time": now, "idempotency_key": "s2" },
    ] }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let key_b = key_for(&admin, &b, &[Scope::UsageWrite]).await;
    report(&key_b, json!({ "events": [{ "metric": "api_calls", "value": 10, "time": now, "idempotency_key": "b" }] }))
        .await;
    let (_, before) = key.get(&format!("/api/v1/tenants/{a}/usage")).await;
    assert!(before["rollup_lag_seconds"].as_f64().unwrap() >= 0.0);
    roll(&admin.pool).await;

    let (s, u) = key.get(&format!("/api/v1/tenants/{a}/usage")).await;
    assert_eq!(s, StatusCode::OK, "{u}");
    let metric = |id: &str| u["metrics"].as_array().unwrap().iter().find(|m| m["metric"] == id).unwrap().clone();
    assert_eq!(metric("api_calls")["used"], 250_500.0);
    assert_eq!(metric("api_calls")["allocated"], 250_000.0);
    assert_eq!(metric("api_calls")["overage_cents"], 50);
    assert_eq!(metric("storage_gb")["used"], 3.5, "storage is billed at its peak");
    assert_eq!(u["plan_price_cents"], 2900);
    assert_eq!(u["cost_cents"], 2950);
    assert_eq!(u["rollup_lag_seconds"], 0.0);

    let (s, d) = key.get(&format!("/api/v1/tenants/{a}/usage/daily?metric=api_calls")).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let points = d["metrics"][0]["points"].as_array().unwrap();
    assert_eq!(points.len(), 30);
    assert_eq!(points.last().unwrap()["value"], 250_500.0);
    assert_eq!(points.iter().map(|p| p["value"].as_f64().unwrap()).sum::<f64>(), 250_500.0);

    let (s, tr) = key.get(&format!("/api/v1/tenants/{a}/usage/trends?metric=api_calls&period=week")).await;
    assert_eq!(s, StatusCode::OK, "{tr}");
    assert_eq!(tr["points"].as_array().unwrap().len(), tr["previous"].as_array().unwrap().len());
    assert_eq!(tr["total"], 250_500.0);
    assert_eq!(tr["previous_total"], 0.0);
    assert_eq!(tr["change_percent"], Value::Null);

    let (s, top) = admin.get("/api/v1/usage/top?metric=api_calls&period=month").await;
    assert_eq!(s, StatusCode::OK, "{top}");
    let names: Vec<&str> = top["top"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Acme Reads", "Bravo Reads"]);

    for bad in [
        "/usage/trends?metric=api_calls&period=year",
        "/usage/trends?period=day",
        "/usage/trends?metric=unknown",
        "/usage/daily?from=2026-13-01",
    ] {
        let (s, body) = key.get(&format!("/api/v1/tenants/{a}{bad}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    // Ranges: too long is cut to 400 days, reversed is empty; the answer says which.
    let (s, d) =
        key.get(&format!("/api/v1/tenants/{a}/usage/daily?metric=api_calls&from=2020-01-01&to=2026-01-01")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!((d["from"].as_str(), d["to"].as_str()), (Some("2024-11-27"), Some("2026-01-01")));
    assert_eq!(d["metrics"][0]["points"].as_array().unwrap().len(), 400);
    let (s, d) = key.get(&format!("/api/v1/tenants/{a}/usage/daily?from=2026-12-02&to=2026-12-01")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(d["metrics"].as_array().unwrap().iter().all(|m| m["points"].as_array().unwrap().is_empty()));
    let (s, _) = key.get("/api/v1/usage/top?metric=api_calls").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "top tenants are for platform administrators");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn the_sampler_measures_what_tenants_have(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let schema = admin
        .provision(
            "Acme Sampled",
            "professional",
            json!({ "isolation": "schema", "first_admin_email": "o@acme.example" }),
        )
        .await;
    let row = admin
        .provision(
            "Bravo Sampled",
            "professional",
            json!({ "isolation": "row", "first_admin_email": "o@bravo.example" }),
        )
        .await;
    let (sid, rid) = (schema["id"].as_str().unwrap(), row["id"].as_str().unwrap());
    for (id, n) in [(sid, 3), (rid, 2)] {
        let t = Uuid::parse_str(id).unwrap();
        let mut tx = admin.pool.begin().await.unwrap();
        tenantry::server::storage::act_as_tenant(&mut tx, t).await.unwrap();
        for i in 0..n {
            sqlx::query(&format!("insert into projects (tenant_id, name) values ('{t}', 'p{i}')"))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let mut tx = admin.pool.begin().await.unwrap();
    let sampled = tenantry::server::metering::sample(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    assert!(sampled >= 2);
    let value = |tenant: &str, metric: &str| {
        let pool = admin.pool.clone();
        let (tenant, metric) = (tenant.to_string(), metric.to_string());
        async move {
            sqlx::query_scalar::<_, f64>("select last from usage_daily where tenant_id = $1::uuid and metric = $2")
                .bind(tenant)
                .bind(metric)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    // The first admin's invitation is pending: one person each.
    assert_eq!(value(sid, "members").await, 1.0);
    assert_eq!(value(rid, "members").await, 1.0);
    assert_eq!(value(sid, "projects").await, 3.0);
    assert_eq!(value(rid, "projects").await, 2.0);
    assert!(value(sid, "data_bytes").await > 0.0);
    assert!(value(rid, "data_bytes").await > 0.0);
    assert_eq!(value(sid, "custom_domains").await, 0.0);
}
