//! Search, every filter, every sort, and keyset pages that stay correct under inserts.

use crate::helpers::*;
use http::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;

async fn seed(app: &TestApp) {
    let rows = [
        // Starter: the free plan includes no custom domain.
        ("Alpha Robotics", "starter", "us-east-1", None, Some("alpha.example.com")),
        ("Beta Analytics", "starter", "eu-west-1", Some("row"), None),
        ("Gamma Health", "professional", "eu-west-1", None, None),
        ("Delta Logistics", "enterprise", "ap-southeast-1", Some("row"), None),
        ("Epsilon 50% Off", "free", "us-west-2", None, None),
    ];
    for (name, plan, region, isolation, domain) in rows {
        let mut body = json!({ "name": name, "plan": plan, "region": region });
        if let Some(i) = isolation {
            body["isolation"] = json!(i);
        }
        if let Some(d) = domain {
            body["domain"] = json!(d);
        }
        let (s, b) = app.call("POST", "/api/v1/tenants", Some(body)).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (_, gamma) = app.get("/api/v1/tenants/gamma-health").await;
    let id = gamma["id"].as_str().unwrap();
    app.call("POST", &format!("/api/v1/tenants/{id}/activate"), None).await;
    app.call("POST", &format!("/api/v1/tenants/{id}/suspend"), Some(json!({ "reason": "test" }))).await;
}

fn slugs(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap().to_string()).collect()
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn search_and_each_filter(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    seed(&app).await;
    let cases: &[(&str, &[&str])] = &[
        ("q=robot", &["alpha-robotics"]),
        ("q=ROBOT", &["alpha-robotics"]),
        ("q=alpha.example", &["alpha-robotics"]),
        ("q=be", &["beta-analytics"]),
        ("q=ga", &["gamma-health"]),
        ("q=50%25", &["epsilon-50-off"]),
        ("q=zzz", &[]),
        ("status=suspended", &["gamma-health"]),
        ("plan=free", &["epsilon-50-off"]),
        ("plan=starter", &["alpha-robotics", "beta-analytics"]),
        ("region=eu-west-1", &["beta-analytics", "gamma-health"]),
        ("isolation=row&plan=enterprise", &["delta-logistics"]),
        ("isolation=schema", &["gamma-health"]),
        ("status=pending&region=eu-west-1", &["beta-analytics"]),
    ];
    for (qs, expected) in cases {
        let (s, page) = app.get(&format!("/api/v1/tenants?{qs}&sort=slug")).await;
        assert_eq!(s, StatusCode::OK, "{qs}: {page}");
        assert_eq!(slugs(&page), *expected, "{qs}");
    }
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn each_sort_orders_rows(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    seed(&app).await;
    let (_, p) = app.get("/api/v1/tenants?sort=name").await;
    assert_eq!(slugs(&p), ["alpha-robotics", "beta-analytics", "delta-logistics", "epsilon-50-off", "gamma-health"]);
    let (_, p) = app.get("/api/v1/tenants?sort=-slug").await;
    assert_eq!(slugs(&p), ["gamma-health", "epsilon-50-off", "delta-logistics", "beta-analytics", "alpha-robotics"]);
    let (_, p) = app.get("/api/v1/tenants?sort=created_at").await;
    assert_eq!(slugs(&p)[0], "alpha-robotics");
    let (_, p) = app.get("/api/v1/tenants").await;
    assert_eq!(slugs(&p)[0], "epsilon-50-off", "newest first by default");
    let (_, p) = app.get("/api/v1/tenants?sort=-updated_at").await;
    assert_eq!(slugs(&p)[0], "gamma-health", "the suspended tenant changed last");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn keyset_pages_stay_correct_while_rows_are_inserted(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let mut original = HashSet::new();
    for i in 0..23 {
        let t = app.create(&format!("Page Tenant {i:02}"), "free", "us-east-1").await;
        original.insert(t["slug"].as_str().unwrap().to_string());
    }
    for (round, sort) in ["name", "-name", "-created_at", "created_at", "slug"].into_iter().enumerate() {
        let mut seen: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let uri = match &cursor {
                Some(c) => format!("/api/v1/tenants?sort={sort}&limit=5&cursor={c}"),
                None => format!("/api/v1/tenants?sort={sort}&limit=5"),
            };
            let (s, page) = app.get(&uri).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            seen.extend(slugs(&page));
            pages += 1;
            // Rows arriving mid-way, sorting before and after the current position.
            app.create(&format!("AAA Early {round} {pages}"), "free", "us-east-1").await;
            app.create(&format!("zzz Late {round} {pages}"), "free", "us-east-1").await;
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
            assert!(pages < 60, "pagination does not end");
        }
        let unique: HashSet<_> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: a row appeared twice");
        assert!(original.is_subset(&unique), "{sort}: an existing row was skipped");
    }
}
