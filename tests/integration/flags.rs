//! Feature flags (C3) over REST: every combination of plan default, tenant override and
//! kill switch answers by the rule, with its reason and a version that moves; a plan's new
//! list changes its tenants at once while overrides survive; a tenant's feature list
//! becomes overrides; only platform administrators change flags; services read them with
//! `features:read`.

use crate::helpers::*;
use crate::usage::key_for;
use serde_json::{json, Value};
use tenantry::model::{Role, Scope};

async fn flag(app: &TestApp, tenant: &str, key: &str) -> Value {
    let (s, all) = app.get(&format!("/api/v1/tenants/{tenant}/features")).await;
    assert_eq!(s, StatusCode::OK, "{all}");
    all.as_array().unwrap().iter().find(|f| f["flag"] == key).cloned().unwrap_or_else(|| panic!("{key} in {all}"))
}

async fn set(app: &TestApp, tenant: &str, key: &str, over: Option<bool>) {
    let uri = format!("/api/v1/tenants/{tenant}/features/{key}");
    let (s, b) = match over {
        Some(on) => app.call("PUT", &uri, Some(json!({ "enabled": on, "reason": "test" }))).await,
        None => app.call("DELETE", &uri, None).await,
    };
    assert!(s == StatusCode::OK || (over.is_none() && s == StatusCode::NOT_FOUND), "{s} {b}");
}

async fn kill(app: &TestApp, key: &str, killed: bool) {
    let body = json!({ "killed": killed, "reason": if killed { "incident 42" } else { "" } });
    let (s, b) = app.call("PUT", &format!("/api/v1/features/{key}/kill-switch"), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

use axum::http::StatusCode;

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn every_combination_of_plan_override_and_kill_switch(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    // Starter includes api_access, not webhooks.
    let a = active_tenant(&admin, "Flags Alpha", "starter").await;
    let b = active_tenant(&admin, "Flags Beta", "starter").await;
    let f = flag(&admin, &a, "api_access").await;
    assert_eq!(
        (f["enabled"].as_bool(), f["reason"].as_str(), f["in_plan"].as_bool()),
        (Some(true), Some("plan_default"), Some(true))
    );
    let mut last_version = f["version"].as_i64().unwrap();

    // (flag, in the plan) × (override) × (kill switch) → (on, reason), written out.
    let table = [
        ("api_access", None, false, true, "plan_default"),
        ("webhooks", None, false, false, "plan_default"),
        ("api_access", Some(false), false, false, "tenant_override"),
        ("webhooks", Some(true), false, true, "tenant_override"),
        ("api_access", Some(true), false, true, "tenant_override"),
        ("webhooks", Some(false), false, false, "tenant_override"),
        ("api_access", None, true, false, "kill_switch"),
        ("webhooks", None, true, false, "kill_switch"),
        ("api_access", Some(true), true, false, "kill_switch"),
        ("webhooks", Some(true), true, false, "kill_switch"),
        ("api_access", Some(false), true, false, "kill_switch"),
        ("webhooks", Some(false), true, false, "kill_switch"),
    ];
    for (key, over, killed, on, why) in table {
        set(&admin, &a, key, over).await;
        kill(&admin, key, killed).await;
        let f = flag(&admin, &a, key).await;
        assert_eq!(
            (f["enabled"].as_bool(), f["reason"].as_str()),
            (Some(on), Some(why)),
            "{key} {over:?} {killed}: {f}"
        );
        assert_eq!(f["override_enabled"], json!(over));
        // The tenant's record lists exactly the flags that are on.
        let (_, t) = admin.get(&format!("/api/v1/tenants/{a}")).await;
        assert_eq!(t["features"].as_array().unwrap().iter().any(|x| x == key), on, "{key} in {}", t["features"]);
        // B has no override: only the kill switch reaches it.
        let fb = flag(&admin, &b, key).await;
        let b_default = key == "api_access";
        assert_eq!(fb["enabled"].as_bool(), Some(b_default && !killed), "B's {key}");
        kill(&admin, key, false).await;
        let v = flag(&admin, &a, key).await["version"].as_i64().unwrap();
        assert!(v > last_version || over.is_none() && !killed, "{key}: the version moved ({last_version} → {v})");
        last_version = last_version.max(v);
    }
    set(&admin, &a, "api_access", None).await;
    set(&admin, &a, "webhooks", None).await;

    // A kill switch needs a reason; unknown flags and overrides are 404s.
    let (s, e) = admin.call("PUT", "/api/v1/features/webhooks/kill-switch", Some(json!({ "killed": true }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"]["fields"]["reason"].is_string());
    let (s, _) = admin
        .call("PUT", &format!("/api/v1/tenants/{a}/features/no_such_flag"), Some(json!({ "enabled": true })))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = admin.call("DELETE", &format!("/api/v1/tenants/{a}/features/webhooks"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "no override to remove");
    let (_, catalog) = admin.get("/api/v1/features").await;
    let webhooks = catalog.as_array().unwrap().iter().find(|f| f["flag"] == "webhooks").unwrap().clone();
    assert_eq!(
        (webhooks["killed"].as_bool(), webhooks["plans"].clone()),
        (Some(false), json!(["professional", "enterprise"]))
    );
    let actions = admin.audit_actions(&a).await;
    assert!(
        actions.contains(&"feature.overridden".into()) && actions.contains(&"feature.override_cleared".into()),
        "{actions:?}"
    );
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_plans_list_changes_its_tenants_at_once_and_overrides_survive(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool.clone()).await;
    let a = active_tenant(&admin, "Plan Flags", "starter").await;
    set(&admin, &a, "basic_reporting", Some(false)).await;
    let before = flag(&admin, &a, "webhooks").await;
    assert_eq!(before["enabled"], false);

    // The operator adds webhooks to the starter plan and drops basic_reporting.
    let caller = tenantry::server::access::Caller::system();
    let mut starter = tenantry::db::catalog::plan(&pool, "starter").await.unwrap().unwrap();
    starter.features = vec!["api_access".into(), "basic_auth".into(), "webhooks".into()];
    tenantry::server::services::plans::update(&pool, &caller, "starter", starter).await.unwrap();
    let after = flag(&admin, &a, "webhooks").await;
    assert_eq!((after["enabled"].as_bool(), after["reason"].as_str()), (Some(true), Some("plan_default")));
    assert!(after["version"].as_i64() > before["version"].as_i64(), "the version moved with the plan");
    let kept = flag(&admin, &a, "basic_reporting").await;
    assert_eq!(
        (kept["enabled"].as_bool(), kept["reason"].as_str(), kept["in_plan"].as_bool()),
        (Some(false), Some("tenant_override"), Some(false))
    );

    // A plan may only name keys a flag can have (they become flags): refused, not a 500.
    let (_, plans) = admin.get("/api/v1/plans").await;
    let mut free = plans.as_array().unwrap().iter().find(|p| p["id"] == "free").unwrap().clone();
    free["features"] = json!(["000000"]);
    let (s, e) = admin.call("PUT", "/api/v1/plans/free", Some(free)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"]["fields"]["features"].as_str().unwrap().contains("000000"), "{e}");

    // A feature list given with the tenant becomes overrides of its plan's.
    let (s, t) = admin
        .call("POST", "/api/v1/tenants", Some(json!({ "name": "Listed Flags", "plan": "free", "region": "us-east-1", "features": ["basic_auth", "sso"] })))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(t["features"], json!(["basic_auth", "sso"]));
    let id = t["id"].as_str().unwrap();
    assert_eq!(flag(&admin, id, "sso").await["reason"], "tenant_override");
    assert_eq!(flag(&admin, id, "basic_auth").await["reason"], "plan_default");
    let (s, t) = admin.call("PUT", &format!("/api/v1/tenants/{id}"), Some(json!({ "features": ["sso"] }))).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["features"], json!(["sso"]));
    assert_eq!(flag(&admin, id, "basic_auth").await["override_enabled"], false);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn who_reads_and_who_changes_flags(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Flag Guard", "starter").await;
    let b = active_tenant(&admin, "Flag Other", "starter").await;
    let owner = admin.member(&a, "owner@flagguard.example", Role::Owner).await;
    assert_eq!(owner.get(&format!("/api/v1/tenants/{a}/features")).await.0, StatusCode::OK);
    let uri = format!("/api/v1/tenants/{a}/features/webhooks");
    assert_eq!(owner.call("PUT", &uri, Some(json!({ "enabled": true }))).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        owner
            .call("PUT", "/api/v1/features/webhooks/kill-switch", Some(json!({ "killed": true, "reason": "x" })))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(owner.get("/api/v1/features").await.0, StatusCode::FORBIDDEN);
    assert_eq!(flag(&admin, &a, "webhooks").await["enabled"], false, "nothing changed");

    let reader = key_for(&admin, &a, &[Scope::FeaturesRead]).await;
    let (s, list) = reader.get(&format!("/api/v1/tenants/{a}/features")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.as_array().unwrap().iter().any(|f| f["flag"] == "api_access" && f["enabled"] == true));
    let other_scope = key_for(&admin, &a, &[Scope::UsageRead]).await;
    assert_eq!(other_scope.get(&format!("/api/v1/tenants/{a}/features")).await.0, StatusCode::FORBIDDEN);
    let b_reader = key_for(&admin, &b, &[Scope::FeaturesRead]).await;
    assert!(matches!(
        b_reader.get(&format!("/api/v1/tenants/{a}/features")).await.0,
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
    ));
}
