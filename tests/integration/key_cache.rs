//! The API key cache (server::access::key_cache): two instances on one database, each
//! with its `auth-listener` running; a key one of them has cached stops working there as
//! soon as another instance revokes it or suspends its tenant.

use crate::helpers::{active_tenant, TestApp};
use http::StatusCode;
use serde_json::json;
use std::time::Duration;
use tenantry::model::Role;
use tenantry::server::access::key_cache;
use tenantry::server::config::Config;
use tenantry::server::workers;

/// Calls `get` on `app` until it answers `want`, for up to ten seconds; answers the last status.
async fn until_status(app: &TestApp, uri: &str, want: StatusCode) -> StatusCode {
    let mut last = app.get(uri).await.0;
    for _ in 0..500 {
        if last == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        last = app.get(uri).await.0;
    }
    last
}

async fn armed(app: &TestApp) {
    for _ in 0..500 {
        if app.state.keys.armed() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the auth listener did not connect");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_revoked_key_stops_working_on_every_instance(pool: sqlx::PgPool) {
    let a = TestApp::new(pool).await;
    let b = a.reconfigured(Config::default());
    let tenant = active_tenant(&a, "Cached Keys", "professional").await;
    let owner = a.member(&tenant, "owner@cached.example", Role::Owner).await;
    let keys = format!("/api/v1/tenants/{tenant}/api-keys");
    let (_, created) = owner.call("POST", &keys, Some(json!({ "name": "svc", "scopes": ["tenants:read"] }))).await;
    let secret = created["secret"].as_str().unwrap();
    let prefix = created["key"]["prefix"].as_str().unwrap();
    let me = format!("/api/v1/tenants/{tenant}");

    // Without its listener an instance caches nothing.
    assert_eq!(b.with_key(secret).get(&me).await.0, StatusCode::OK);
    assert!(b.state.keys.get(prefix).is_none(), "not listening: nothing cached");

    let running_a = workers::start(a.state.clone(), vec![key_cache::worker()]);
    let running_b = workers::start(b.state.clone(), vec![key_cache::worker()]);
    armed(&a).await;
    armed(&b).await;
    let on_b = b.with_key(secret);
    assert_eq!(on_b.get(&me).await.0, StatusCode::OK);
    assert!(b.state.keys.get(prefix).is_some(), "B cached the key");

    // A suspends the tenant: B refuses the cached key at once, and takes it again on resume.
    a.call("POST", &format!("/api/v1/tenants/{tenant}/suspend"), Some(json!({ "reason": "billing" }))).await;
    assert_eq!(until_status(&on_b, &me, StatusCode::FORBIDDEN).await, StatusCode::FORBIDDEN);
    a.call("POST", &format!("/api/v1/tenants/{tenant}/resume"), None).await;
    assert_eq!(until_status(&on_b, &me, StatusCode::OK).await, StatusCode::OK);
    assert!(b.state.keys.get(prefix).is_some(), "cached again");

    // A revokes it: B answers 401.
    let id = created["key"]["id"].as_str().unwrap();
    assert_eq!(owner.call("DELETE", &format!("{keys}/{id}"), None).await.0, StatusCode::OK);
    assert_eq!(until_status(&on_b, &me, StatusCode::UNAUTHORIZED).await, StatusCode::UNAUTHORIZED);
    assert!(b.state.keys.get(prefix).is_none());

    running_a.shutdown(Duration::from_secs(5)).await;
    running_b.shutdown(Duration::from_secs(5)).await;
}

/// Recording a key's use (every minute for a busy key) must not empty every instance's
/// cache: only the changes that matter notify. Notifications arrive in commit order, so
/// the marker sent after the write must be the first one heard.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn recording_use_notifies_nobody_and_revoking_does(pool: sqlx::PgPool) {
    let a = TestApp::new(pool.clone()).await;
    let tenant = active_tenant(&a, "Quiet Keys", "professional").await;
    let (_, created) = a
        .call(
            "POST",
            &format!("/api/v1/tenants/{tenant}/api-keys"),
            Some(json!({ "name": "svc", "scopes": ["tenants:read"] })),
        )
        .await;
    let id: uuid::Uuid = created["key"]["id"].as_str().unwrap().parse().unwrap();
    let mut l = sqlx::postgres::PgListener::connect_with(&pool).await.unwrap();
    l.listen(key_cache::CHANNEL).await.unwrap();

    sqlx::query("update api_keys set last_used_at = now() where id = $1").bind(id).execute(&pool).await.unwrap();
    sqlx::query("select pg_notify($1, 'marker')").bind(key_cache::CHANNEL).execute(&pool).await.unwrap();
    assert_eq!(l.recv().await.unwrap().payload(), "marker", "recording use notified");

    sqlx::query("update api_keys set revoked_at = now() where id = $1").bind(id).execute(&pool).await.unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(10), l.recv()).await.expect("no notification").unwrap();
    assert_eq!(heard.payload(), "", "revoking notifies");
}
