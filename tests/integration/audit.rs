//! Every change writes exactly its audit events, in the same transaction; failures write
//! none; the trail is append-only and filterable.

use crate::helpers::*;
use http::StatusCode;
use serde_json::json;

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn audit_with_every_change_and_never_without(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let t = app.create("Audited", "free", "us-east-1").await;
    let id = t["id"].as_str().unwrap().to_string();
    assert_eq!(app.audit_count().await, 1);

    let steps: Vec<(&str, String, Option<serde_json::Value>, StatusCode, i64)> = vec![
        ("PUT", format!("/api/v1/tenants/{id}"), Some(json!({ "description": "Now described" })), StatusCode::OK, 1),
        ("PUT", format!("/api/v1/tenants/{id}"), Some(json!({ "description": "Now described" })), StatusCode::OK, 0),
        ("PUT", format!("/api/v1/tenants/{id}"), Some(json!({ "name": "" })), StatusCode::UNPROCESSABLE_ENTITY, 0),
        ("POST", format!("/api/v1/tenants/{id}/suspend"), Some(json!({ "reason": "x" })), StatusCode::CONFLICT, 0),
        // Provisioning: started, provisioned (storage and template ready), activated.
        ("POST", format!("/api/v1/tenants/{id}/activate"), None, StatusCode::OK, 3),
        ("POST", format!("/api/v1/tenants/{id}/suspend"), None, StatusCode::UNPROCESSABLE_ENTITY, 0),
        ("POST", format!("/api/v1/tenants/{id}/suspend"), Some(json!({ "reason": "Abuse" })), StatusCode::OK, 1),
        ("POST", format!("/api/v1/tenants/{id}/resume"), None, StatusCode::OK, 1),
    ];
    for (method, uri, body, want, added) in steps {
        let before = app.audit_count().await;
        let (s, b) = app.call(method, &uri, body).await;
        assert_eq!(s, want, "{method} {uri}: {b}");
        assert_eq!(app.audit_count().await - before, added, "{method} {uri}");
    }

    // The update event keeps before and after of the changed fields only.
    let (s, page) = app.get(&format!("/api/v1/audit?tenant_id={id}&action=tenant.updated")).await;
    assert_eq!(s, StatusCode::OK);
    let e = &page["items"][0];
    assert_eq!(e["before"], json!({ "description": "" }));
    assert_eq!(e["after"], json!({ "description": "Now described" }));
    // The real actor: the signed-in admin, by id and email.
    assert_eq!(e["actor_type"], "user");
    assert_eq!(e["actor_label"], ADMIN_EMAIL);
    assert!(e["actor_id"].is_string());
    let (_, page) = app.get("/api/v1/audit?tenant_id=audited&action=tenant.suspended").await;
    assert_eq!(page["items"][0]["reason"], "Abuse");
    assert_eq!(page["items"][0]["tenant_slug"], "audited");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_failed_write_rolls_back_its_audit_event(pool: sqlx::PgPool) {
    let app = TestApp::new(pool.clone()).await;
    // Make the audit insert fail: the tenant row must not survive without its event.
    sqlx::query("alter table audit_events add constraint no_creates check (action <> 'tenant.created')")
        .execute(&pool)
        .await
        .unwrap();
    let (s, _) = app
        .call("POST", "/api/v1/tenants", Some(json!({ "name": "Orphan", "plan": "free", "region": "us-east-1" })))
        .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    let rows: i64 = sqlx::query_scalar("select count(*) from tenants").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 0, "the tenant was written without its audit event");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn audit_is_append_only(pool: sqlx::PgPool) {
    let app = TestApp::new(pool.clone()).await;
    app.create("Immutable", "free", "us-east-1").await;
    assert!(sqlx::query("update audit_events set action = 'x'").execute(&pool).await.is_err());
    assert!(sqlx::query("delete from audit_events").execute(&pool).await.is_err());
    assert_eq!(app.audit_count().await, 1);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn audit_filters_and_pages(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    for i in 0..7 {
        let t = app.create(&format!("Filter {i}"), "free", "us-east-1").await;
        app.call("POST", &format!("/api/v1/tenants/{}/activate", t["id"].as_str().unwrap()), None).await;
    }
    // Each: created, provisioning, provisioned, activated.
    let (_, all) = app.get("/api/v1/audit?limit=200&action=tenant.").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 28);
    let (_, created) = app.get("/api/v1/audit?action=tenant.created").await;
    assert_eq!(created["items"].as_array().unwrap().len(), 7);
    let (_, prefixed) = app.get("/api/v1/audit?action=tenant.").await;
    assert_eq!(prefixed["items"].as_array().unwrap().len(), 28);
    let (_, future) = app.get("/api/v1/audit?since=2999-01-01T00:00:00Z").await;
    assert!(future["items"].as_array().unwrap().is_empty());
    // An empty range is a valid question with no answer (not an error).
    let (s, empty) = app.get("/api/v1/audit?since=2030-01-01T00:00:00Z&until=2020-01-01T00:00:00Z").await;
    assert_eq!(s, StatusCode::OK);
    assert!(empty["items"].as_array().unwrap().is_empty());
    // Pages of 8 walk all 28 events once, newest first.
    let mut ids = Vec::new();
    let mut uri = "/api/v1/audit?limit=8&action=tenant.".to_string();
    loop {
        let (_, p) = app.get(&uri).await;
        ids.extend(p["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()));
        match p["next_cursor"].as_str() {
            Some(c) => uri = format!("/api/v1/audit?limit=8&action=tenant.&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(ids.len(), 28);
    assert!(ids.windows(2).all(|w| w[0] > w[1]));
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn audit_exports_as_csv_with_the_same_filters(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let t = app.create("Csv, \"Quoted\" Co", "free", "us-east-1").await;
    app.create("Other Co", "free", "us-east-1").await;
    let id = t["id"].as_str().unwrap();
    app.call("POST", &format!("/api/v1/tenants/{id}/activate"), None).await;
    let req = axum::body::Body::empty();
    let (s, headers, body) =
        app.send(http::Request::get(format!("/api/v1/audit/export.csv?tenant_id={id}")).body(req).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(headers["content-disposition"].to_str().unwrap().contains("attachment"));
    let lines: Vec<&str> = body.lines().collect();
    assert!(lines[0].starts_with("id,occurred_at,actor_type"));
    assert_eq!(lines.len(), 5, "header + created, provisioning, provisioned, activated: {body}");
    assert!(lines[1].contains("tenant.activated") && lines[4].contains("tenant.created"));
    // Commas and quotes survive the round trip through a CSV reader.
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let created = reader.records().map(|r| r.unwrap()).find(|r| &r[6] == "tenant.created").unwrap();
    let after: serde_json::Value = serde_json::from_str(&created[12]).unwrap();
    assert_eq!(after["name"], "Csv, \"Quoted\" Co");
    let (s, _, _) = app
        .send(http::Request::get("/api/v1/audit/export.csv?since=nope").body(axum::body::Body::empty()).unwrap())
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}
