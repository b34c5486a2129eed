//! CRUD over REST.

use crate::helpers::*;
use http::StatusCode;
use serde_json::json;

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn create_read_update_delete(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let (status, t) = app
        .call(
            "POST",
            "/api/v1/tenants",
            Some(json!({
                "name": "Acme Corporation", "plan": "professional", "region": "eu-west-1",
                "domain": "App.Acme.example", "branding": { "primary_color": "#4f46e5" },
                "metadata": { "crm": "A-17" }
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    assert_eq!(t["slug"], "acme-corporation");
    assert_eq!(t["status"], "pending");
    assert_eq!(t["isolation"], "schema", "professional plan defaults to schema isolation");
    assert_eq!(t["domain"], "app.acme.example");
    assert!(t["features"].as_array().unwrap().iter().any(|f| f == "webhooks"));
    let id = t["id"].as_str().unwrap().to_string();

    // By id and by slug.
    let (s, by_id) = app.get(&format!("/api/v1/tenants/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, by_slug) = app.get("/api/v1/tenants/acme-corporation").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(by_id, by_slug);

    // Update some fields; the rest stays.
    let (s, u) = app
        .call(
            "PUT",
            &format!("/api/v1/tenants/{id}"),
            Some(json!({ "name": "Acme Corp", "plan": "enterprise", "domain": "" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(u["name"], "Acme Corp");
    assert_eq!(u["plan"], "enterprise");
    assert_eq!(u["domain"], serde_json::Value::Null);
    assert_eq!(u["metadata"]["crm"], "A-17");
    assert_eq!(u["version"], t["version"].as_i64().unwrap() + 1);

    // Soft delete: terminated with a retention date; still readable.
    let (s, d) = app.call("DELETE", &format!("/api/v1/tenants/{id}?reason=Customer%20left"), None).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["status"], "terminated");
    assert_eq!(d["status_reason"], "Customer left");
    assert!(d["retention_until"].is_string());
    let (s, _) = app.get(&format!("/api/v1/tenants/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let rows: i64 = sqlx::query_scalar("select count(*) from tenants").fetch_one(&app.pool).await.unwrap();
    assert_eq!(rows, 1, "nothing is physically removed");

    // A terminated tenant can't be edited.
    let (s, e) = app.call("PUT", &format!("/api/v1/tenants/{id}"), Some(json!({ "name": "Again" }))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn stale_versions_are_refused(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let t = app.create("Versioned", "free", "us-east-1").await;
    let id = t["id"].as_str().unwrap();
    let v = t["version"].as_i64().unwrap();
    let (s, _) =
        app.call("PUT", &format!("/api/v1/tenants/{id}"), Some(json!({ "name": "One", "expected_version": v }))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) =
        app.call("PUT", &format!("/api/v1/tenants/{id}"), Some(json!({ "name": "Two", "expected_version": v }))).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(e["error"]["message"].as_str().unwrap().contains("changed"));
    let (_, now) = app.get(&format!("/api/v1/tenants/{id}")).await;
    assert_eq!(now["name"], "One");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn stats_count_by_status_and_plan(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let a = app.create("Stat One", "free", "us-east-1").await;
    app.create("Stat Two", "free", "us-east-1").await;
    app.create("Stat Three", "enterprise", "us-east-1").await;
    let (s, _) = app.call("POST", &format!("/api/v1/tenants/{}/activate", a["id"].as_str().unwrap()), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, st) = app.get("/api/v1/tenants/stats").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(st["total"], 3);
    let count = |list: &serde_json::Value, key: &str| {
        list.as_array().unwrap().iter().find(|c| c["key"] == key).map(|c| c["count"].as_i64().unwrap()).unwrap_or(0)
    };
    assert_eq!(count(&st["by_status"], "pending"), 2);
    assert_eq!(count(&st["by_status"], "active"), 1);
    assert_eq!(count(&st["by_plan"], "free"), 2);
    assert_eq!(count(&st["by_plan"], "enterprise"), 1);
    assert_eq!(count(&st["by_plan"], "starter"), 0);
    let days = st["created_per_day"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days.last().unwrap()["count"], 3);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn health_and_openapi(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let (s, h) = app.get("/healthz").await;
    assert_eq!((s, h["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, r) = app.get("/readyz").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["status"], "ready");
    assert_eq!(r["migrations_applied"], r["migrations_expected"]);
    let (s, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/tenants",
        "/api/v1/tenants/{id}",
        "/api/v1/tenants/{id}/suspend",
        "/api/v1/audit",
        "/api/v1/tenants/stats",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    // Two schemas of one name would silently replace each other: the usage API's event
    // outcomes and a health probe's outcome are different enums.
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["Outcome"]["enum"].as_array().unwrap().iter().any(|v| v == "invalid"), "{}", schemas["Outcome"]);
    assert!(schemas["ProbeOutcome"]["enum"].as_array().unwrap().iter().any(|v| v == "degraded"));
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn readiness_fails_when_migrations_are_missing(pool: sqlx::PgPool) {
    sqlx::query("delete from _sqlx_migrations").execute(&pool).await.unwrap();
    let app = TestApp::new(pool).await;
    let (s, r) = app.get("/readyz").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r["status"], "not_ready");
}
