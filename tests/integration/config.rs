//! Configuration (C1) over REST: defaults before the first save, per-field validation that
//! saves nothing, versions with their diffs, restore as a new version, ETag and 304, the
//! `config:read` scope, and one save winning a race for a version.

use crate::helpers::*;
use crate::usage::key_for;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use tenantry::model::config::{defaults, Category};
use tenantry::model::Scope;

async fn get_tagged(app: &TestApp, uri: &str, etag: Option<&str>) -> (StatusCode, Option<String>, String) {
    let mut req = Request::get(uri);
    if let Some(t) = etag {
        req = req.header("if-none-match", t);
    }
    let (s, h, body) = app.send(req.body(Body::empty()).unwrap()).await;
    (s, h.get("etag").map(|v| v.to_str().unwrap().to_string()), body)
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn settings_are_validated_versioned_diffed_and_restored(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool.clone()).await;
    let a = active_tenant(&admin, "Config Alpha", "starter").await;
    let base = format!("/api/v1/tenants/{a}/config");

    // Before any save: every category at version 0 with its defaults.
    let (s, all) = admin.get(&base).await;
    assert_eq!(s, StatusCode::OK, "{all}");
    let cats = all["categories"].as_array().unwrap();
    assert_eq!(cats.len(), 5);
    for (doc, c) in cats.iter().zip(Category::ALL) {
        assert_eq!((doc["category"].as_str(), doc["version"].as_i64()), (Some(c.as_str()), Some(0)));
        assert_eq!(doc["values"], Value::Object(defaults(c)));
    }
    let (s, auth) = admin.get(&format!("{base}/auth")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(auth["schema"]["properties"]["session_timeout_minutes"]["maximum"], 43200);

    // Bad values: a message per field, nothing saved.
    let bad = json!({ "session_timeout_minutes": 2, "mfa_required": "yes", "allowed_email_domains": ["ok.example", "bad domain"], "colour": "red" });
    let (s, e) = admin.call("PUT", &format!("{base}/auth"), Some(bad)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let fields = e["error"]["fields"].as_object().unwrap();
    for f in ["session_timeout_minutes", "mfa_required", "allowed_email_domains", "colour"] {
        assert!(fields.contains_key(f), "{f} in {e}");
    }
    let (s, e) = admin.call("PUT", &format!("{base}/auth"), Some(json!(["not", "an", "object"]))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(admin.get(&format!("{base}/auth")).await.1["version"], 0);

    // Version 1, then 2; an unchanged save adds nothing.
    let (s, v1) = admin
        .call("PUT", &format!("{base}/auth"), Some(json!({ "mfa_required": true, "password_min_length": 16 })))
        .await;
    assert_eq!(s, StatusCode::OK, "{v1}");
    assert_eq!((v1["version"].as_i64(), &v1["values"]["mfa_required"]), (Some(1), &json!(true)));
    assert_eq!(v1["updated_by"], "admin@example.com");
    let (_, same) = admin.call("PUT", &format!("{base}/auth"), Some(json!({ "mfa_required": true }))).await;
    assert_eq!(same["version"], 1, "unchanged: no new version");
    let (s, v2) = admin
        .call(
            "PUT",
            &format!("{base}/auth?expected_version=1"),
            Some(json!({ "session_timeout_minutes": 60, "allowed_email_domains": [" Alpha.Example "] })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v2}");
    assert_eq!((v2["version"].as_i64(), &v2["values"]["password_min_length"]), (Some(2), &json!(16)), "kept");
    assert_eq!(v2["values"]["allowed_email_domains"], json!(["alpha.example"]));
    // A save based on version 1 after version 2: refused, nothing changed.
    let (s, e) =
        admin.call("PUT", &format!("{base}/auth?expected_version=1"), Some(json!({ "mfa_required": false }))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("version 2"), "{e}");

    // The history: newest first, each with what it changed.
    let (_, versions) = admin.get(&format!("{base}/auth/versions")).await;
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.iter().map(|v| v["version"].as_i64().unwrap()).collect::<Vec<_>>(), vec![2, 1]);
    let changed = |v: &Value| {
        v["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(changed(&versions[0]), vec!["session_timeout_minutes", "allowed_email_domains"]);
    assert_eq!(versions[0]["changes"][0], json!({ "field": "session_timeout_minutes", "before": 720, "after": 60 }));
    assert_eq!(changed(&versions[1]), vec!["mfa_required", "password_min_length"], "against the defaults");

    // Restoring version 1 makes version 3 with version 1's values.
    let (s, v3) = admin.call("POST", &format!("{base}/auth/versions/1/restore"), None).await;
    assert_eq!(s, StatusCode::OK, "{v3}");
    assert_eq!(v3["version"], 3);
    assert_eq!(v3["values"], v1["values"]);
    let (_, versions) = admin.get(&format!("{base}/auth/versions")).await;
    assert_eq!(versions[0]["restored_from"], 1);
    assert_eq!(changed(&versions[0]), vec!["session_timeout_minutes", "allowed_email_domains"]);
    let actions = admin.audit_actions(&a).await;
    assert!(
        actions.contains(&"config.updated".to_string()) && actions.contains(&"config.restored".to_string()),
        "{actions:?}"
    );
    // Unknown versions and categories are 404s.
    assert_eq!(admin.call("POST", &format!("{base}/auth/versions/99/restore"), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(admin.get(&format!("{base}/colours")).await.0, StatusCode::NOT_FOUND);
    // Other categories are untouched.
    assert_eq!(admin.get(&format!("{base}/billing")).await.1["version"], 0);

    // ETag: 304 while unchanged, a new tag after a change, for one category and for all.
    for uri in [format!("{base}/billing"), base.clone()] {
        let (s, tag, _) = get_tagged(&admin, &uri, None).await;
        let tag = tag.expect("an ETag");
        assert_eq!(s, StatusCode::OK);
        let (s, again, body) = get_tagged(&admin, &uri, Some(&tag)).await;
        assert_eq!((s, again.as_deref(), body.as_str()), (StatusCode::NOT_MODIFIED, Some(tag.as_str()), ""));
        let (s, _, _) = get_tagged(&admin, &uri, Some("\"someone-else\"")).await;
        assert_eq!(s, StatusCode::OK);
        let n = if uri.ends_with("billing") { "INV-" } else { "ALL-" };
        admin.call("PUT", &format!("{base}/billing"), Some(json!({ "invoice_prefix": n }))).await;
        let (s, changed, _) = get_tagged(&admin, &uri, Some(&tag)).await;
        assert_eq!(s, StatusCode::OK, "changed since");
        assert_ne!(changed.unwrap(), tag);
    }

    // Services read with config:read; they can't write with it; other scopes can't read.
    let reader = key_for(&admin, &a, &[Scope::ConfigRead]).await;
    let (s, doc) = reader.get(&format!("{base}/auth")).await;
    assert_eq!((s, doc["version"].as_i64()), (StatusCode::OK, Some(3)));
    assert_eq!(
        reader.call("PUT", &format!("{base}/auth"), Some(json!({ "mfa_required": false }))).await.0,
        StatusCode::FORBIDDEN
    );
    let other_scope = key_for(&admin, &a, &[Scope::UsageRead]).await;
    assert_eq!(other_scope.get(&base).await.0, StatusCode::FORBIDDEN);
    // Another tenant's key sees nothing of A.
    let b = active_tenant(&admin, "Config Beta", "starter").await;
    let b_reader = key_for(&admin, &b, &[Scope::ConfigRead]).await;
    assert!(matches!(b_reader.get(&base).await.0, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN));
    assert_eq!(b_reader.get(&format!("/api/v1/tenants/{b}/config/auth")).await.1["version"], 0, "B's own are B's");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn two_saves_of_the_same_version_one_wins(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool.clone()).await;
    let a = active_tenant(&admin, "Config Race", "starter").await;
    let uri = format!("/api/v1/tenants/{a}/config/general?expected_version=0");
    let (x, y) = tokio::join!(
        admin.call("PUT", &uri, Some(json!({ "locale": "de-DE" }))),
        admin.call("PUT", &uri, Some(json!({ "locale": "fr-FR" }))),
    );
    let mut statuses = [x.0, y.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{x:?} {y:?}");
    let n: i64 = sqlx::query_scalar("select count(*) from tenant_config_versions where tenant_id = $1::uuid")
        .bind(&a)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}
