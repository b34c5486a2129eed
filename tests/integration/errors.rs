//! Every error class answers with the error envelope and the right status, and never a 500.

use crate::helpers::*;
use axum::body::Body;
use http::{Request, StatusCode};
use serde_json::json;

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn malformed_requests_are_400(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let req = Request::post("/api/v1/tenants")
        .header("content-type", "application/json")
        .body(Body::from("{\"name\": "))
        .unwrap();
    let (s, _, body) = app.send(req).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("\"code\":\"bad_request\""));
    for uri in [
        "/api/v1/tenants?status=gone",
        "/api/v1/tenants?sort=price",
        "/api/v1/tenants?limit=0",
        "/api/v1/tenants?cursor=xyz",
        "/api/v1/audit?since=yesterday",
    ] {
        let (s, b) = app.get(uri).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}: {b}");
        assert_eq!(error_code(&b), "bad_request");
        assert!(!b["error"]["message"].as_str().unwrap().is_empty());
    }
    let (s, b) = app.call("PUT", "/api/v1/tenants/anything", Some(json!({}))).await;
    assert!(s == StatusCode::NOT_FOUND || s == StatusCode::BAD_REQUEST, "{b}");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn missing_things_are_404(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    for uri in [
        "/api/v1/tenants/no-such-tenant",
        "/api/v1/tenants/00000000-0000-0000-0000-000000000000",
        "/api/v1/nothing-here",
    ] {
        let (s, b) = app.get(uri).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(error_code(&b), "not_found");
    }
    let t = app.create("Real One", "free", "us-east-1").await;
    let (s, b) = app.call("POST", &format!("/api/v1/tenants/{}/explode", t["id"].as_str().unwrap()), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn conflicts_are_409_with_the_field(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    app.create("Taken Name", "free", "us-east-1").await;
    let (s, b) = app
        .call("POST", "/api/v1/tenants", Some(json!({ "name": "Taken Name", "plan": "free", "region": "us-east-1" })))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(error_code(&b), "conflict");
    assert!(b["error"]["fields"]["slug"].as_str().unwrap().contains("taken"));
    let rows: i64 = sqlx::query_scalar("select count(*) from tenants").fetch_one(&app.pool).await.unwrap();
    assert_eq!(rows, 1);
    // Domain clash.
    app.call("POST", "/api/v1/tenants", Some(json!({ "name": "D1", "slug": "dom-one", "plan": "free", "region": "us-east-1", "domain": "x.example.com" }))).await;
    let (s, b) = app.call("POST", "/api/v1/tenants", Some(json!({ "name": "D2", "slug": "dom-two", "plan": "free", "region": "us-east-1", "domain": "x.example.com" }))).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(b["error"]["fields"]["domain"].is_string());
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn oversized_bodies_are_413(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let big = "x".repeat(300 * 1024);
    let (s, b) = app
        .call(
            "POST",
            "/api/v1/tenants",
            Some(json!({ "name": "Big", "plan": "free", "region": "us-east-1", "description": big })),
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
    assert_eq!(error_code(&b), "payload_too_large");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn wrong_content_type_is_415(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let req = Request::post("/api/v1/tenants").header("content-type", "text/plain").body(Body::from("{}")).unwrap();
    let (s, _, body) = app.send(req).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn invalid_fields_are_422_per_field(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let (s, b) = app
        .call("POST", "/api/v1/tenants", Some(json!({ "name": "", "slug": "Not Valid", "plan": "platinum", "region": "mars-1", "domain": "nodot", "branding": { "primary_color": "blue" } })))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(error_code(&b), "validation_failed");
    let fields = b["error"]["fields"].as_object().unwrap();
    for f in ["name", "slug", "domain", "branding.primary_color"] {
        assert!(fields.contains_key(f), "{f} missing in {b}");
    }
    // Shape errors name the field too.
    let (s, b) =
        app.call("POST", "/api/v1/tenants", Some(json!({ "name": 5, "plan": "free", "region": "us-east-1" }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["error"]["fields"]["name"].is_string(), "{b}");
    // Unknown plan and region are caught against the database.
    let (s, b) = app
        .call("POST", "/api/v1/tenants", Some(json!({ "name": "Ok Name", "plan": "platinum", "region": "mars-1" })))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b["error"]["fields"]["plan"].is_string() && b["error"]["fields"]["region"].is_string(), "{b}");
    // Nothing was written by any of these.
    let rows: i64 = sqlx::query_scalar("select count(*) from tenants").fetch_one(&app.pool).await.unwrap();
    assert_eq!(rows, 0);
    assert_eq!(app.audit_count().await, 0);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn no_internal_detail_leaks(pool: sqlx::PgPool) {
    let app = TestApp::new(pool.clone()).await;
    // Break the database under the app: the answer is a 500 with a reference, no SQL.
    // (The audit table: sessions load without it, so the request reaches the handler.)
    sqlx::query("alter table audit_events rename to audit_gone").execute(&pool).await.unwrap();
    let (s, b) = app.get("/api/v1/audit").await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    let msg = b["error"]["message"].as_str().unwrap();
    assert!(msg.contains("reference"), "{msg}");
    assert!(!msg.contains("relation") && !msg.contains("audit"), "{msg}");
}

/// A form posted without JavaScript that fails is sent back to its page (303 with the
/// error in the URL), not shown a bare JSON error.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_failed_form_post_without_javascript_goes_back_to_the_page(pool: sqlx::PgPool) {
    use leptos::server_fn::ServerFn;
    let app = TestApp::new(pool).await;
    let req = http::Request::post(tenantry::fns::auth::SignIn::PATH)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", "http://localhost/login")
        .body(axum::body::Body::from("email=admin%40example.com&password=wrong+password+here"))
        .unwrap();
    let (status, headers, _) = app.anon().send(req).await;
    assert_eq!(status, http::StatusCode::SEE_OTHER);
    let location = headers["location"].to_str().unwrap();
    assert!(location.starts_with("http://localhost/login"), "{location}");
}

/// Found by the contract fuzzer: a number near f64's limit in a tenant's settings was stored
/// (jsonb keeps it exactly) but could not be read back (PostgreSQL prints it digit by digit
/// and an approximate parse overflowed), so every later read of the tenant answered 500.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn json_numbers_at_the_edge_of_f64_read_back_as_stored(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let body = r#"{"name": "Edge Numbers", "plan": "enterprise", "region": "us-west-2",
                   "settings": {"huge": 1.7976931348623155e+308, "tiny": 5e-324, "neg": -1.7976931348623157e308}}"#;
    let req = http::Request::post("/api/v1/tenants")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body))
        .unwrap();
    let (s, _, text) = app.send(req).await;
    assert_eq!(s, http::StatusCode::CREATED, "{text}");
    let t: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (s, got) = app.get(&format!("/api/v1/tenants/{}", t["id"].as_str().unwrap())).await;
    assert_eq!(s, http::StatusCode::OK, "{got}");
    assert_eq!(got["settings"]["huge"].as_f64(), Some(1.7976931348623155e308));
    assert_eq!(got["settings"]["tiny"].as_f64(), Some(5e-324));
    assert_eq!(got["settings"]["neg"].as_f64(), Some(-f64::MAX));
}
