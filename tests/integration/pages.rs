//! Server-rendered pages: complete HTML without JavaScript.

use crate::helpers::*;
use axum::body::Body;
use http::{Request, StatusCode};
use serde_json::json;

async fn page(app: &TestApp, uri: &str) -> (StatusCode, String) {
    let (s, _, html) = app.send(Request::get(uri).header("accept", "text/html").body(Body::empty()).unwrap()).await;
    (s, html)
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn pages_render_their_data_on_the_server(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let t = app.create("Rendered Tenant", "enterprise", "ap-northeast-1").await;
    app.call("POST", &format!("/api/v1/tenants/{}/activate", t["id"].as_str().unwrap()), None).await;

    let (s, html) = page(&app, "/tenants/rendered-tenant").await;
    assert_eq!(s, StatusCode::OK);
    for needle in
        ["Rendered Tenant", "rendered-tenant", "ap-northeast-1", "Suspend", "<title>Rendered Tenant · Tenantry</title>"]
    {
        assert!(html.contains(needle), "{needle} missing from the tenant page");
    }
    let (s, html) = page(&app, "/tenants/rendered-tenant/resources").await;
    assert_eq!(s, StatusCode::OK);
    for needle in ["Database connections", "Plan includes", "role=\"meter\"", "Scale…", "No changes yet"] {
        assert!(html.contains(needle), "{needle} missing from the Resources tab");
    }
    let (s, html) = page(&app, "/tenants?q=rendered").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Rendered Tenant"));
    let (_, html) = page(&app, "/tenants?q=nothing-like-this").await;
    assert!(html.contains("No tenants match"));
    let (s, html) = page(&app, "/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("New tenants per day"));
    let (s, html) = page(&app, "/audit").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("tenant.activated"));
    let (s, html) = page(&app, "/api-docs").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("/api/v1/tenants/{id}"));
    let (s, html) = page(&app, "/status").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("All systems operational"));
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn unknown_pages_and_tenants_answer_404(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let (s, html) = page(&app, "/no/such/page").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
    let (s, html) = page(&app, "/tenants/ghost-tenant").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a missing tenant's page says so with its status");
    assert!(html.contains("Tenant not found"));
    let _ = json!({});
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn pages_carry_a_content_security_policy_with_the_scripts_nonce(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let (s, headers, html) =
        app.send(Request::get("/tenants").header("accept", "text/html").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    let csp = headers.get(http::header::CONTENT_SECURITY_POLICY).expect("a CSP header").to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).expect("a nonce in script-src");
    assert!(nonce.len() >= 16, "{nonce}");
    // Every inline script Leptos writes carries this response's nonce.
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "{html}");
    // A new response, a new nonce.
    let (_, again, _) =
        app.send(Request::get("/tenants").header("accept", "text/html").body(Body::empty()).unwrap()).await;
    assert_ne!(again.get(http::header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap(), csp);
    assert_eq!(headers.get(http::header::X_FRAME_OPTIONS).unwrap(), "DENY");
}
