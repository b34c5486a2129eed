//! Auto-scaling policies (issue 12: R4) on a real database: the worker's decisions, their
//! log, the allocation history, and the rules on who may set what.

use crate::helpers::*;
use crate::usage::{active_tenant, event, key_for, report, roll};
use chrono::{Duration, Utc};
use http::StatusCode;
use serde_json::{json, Value};
use tenantry::model::{Role, Scope};
use tenantry::server::services::policies::evaluate_in;

fn policy(name: &str, priority: i64, action: &str, amount: f64) -> Value {
    json!({ "resource": "api_calls_per_month", "name": name, "metric": "utilization", "operator": "gte",
            "threshold": 80, "for_secs": 0, "action": action, "amount": amount, "min_allocated": 10,
            "max_allocated": 200, "priority": priority, "cooldown_secs": 3600 })
}

async fn use_calls(admin: &TestApp, tenant: &str, n: i64, key: &str) {
    let reporter = key_for(admin, tenant, &[Scope::UsageWrite]).await;
    let (s, body) = report(&reporter, json!({ "events": [event("api_calls", json!(n), key)] })).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    roll(&admin.pool).await;
}

fn allocation(list: &Value) -> (i64, i64, i64) {
    let r = list["resources"].as_array().unwrap().iter().find(|r| r["id"] == "api_calls_per_month").unwrap();
    (r["allocated"].as_i64().unwrap(), r["soft_limit"].as_i64().unwrap(), r["hard_limit"].as_i64().unwrap())
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn policies_scale_within_bounds_and_log_each_decision(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Acme Scaling", "professional").await;
    let url = format!("/api/v1/tenants/{a}/resources/api_calls_per_month");
    let (s, _) = admin.call("PUT", &url, Some(json!({ "allocated": 100, "reason": "policy test" }))).await;
    assert_eq!(s, StatusCode::OK);
    let policies = format!("/api/v1/tenants/{a}/policies");
    let (s, grow) = admin.call("POST", &policies, Some(policy("Grow", 10, "scale_by_factor", 1.5))).await;
    assert_eq!(s, StatusCode::CREATED, "{grow}");
    let (s, step) = admin.call("POST", &policies, Some(policy("Nudge", 20, "scale_by_step", 1.0))).await;
    assert_eq!(s, StatusCode::CREATED, "{step}");
    let (grow_id, step_id) = (grow["id"].as_i64().unwrap(), step["id"].as_i64().unwrap());

    let t0 = Utc::now();
    let mut conn = admin.pool.acquire().await.unwrap();
    let at = |mins: i64| t0 + Duration::minutes(mins);
    // 90 of 100: both fire; the higher priority scales 100 → 150, the other stands aside.
    use_calls(&admin, &a, 90, "s-1").await;
    let r = evaluate_in(&mut conn, at(0)).await.unwrap();
    assert_eq!((r.evaluated, r.scaled, r.logged), (2, 1, 2));
    let (_, list) = admin.get(&format!("/api/v1/tenants/{a}/resources")).await;
    assert_eq!(allocation(&list), (150, 120, 150), "soft and hard keep their proportion");
    // 90 of 150 is 60 %: nothing holds, nothing is logged.
    assert_eq!(evaluate_in(&mut conn, at(1)).await.unwrap().logged, 0);
    // From here on the first policy alone (the second would act during its cooldown).
    let mut off = policy("Nudge", 20, "scale_by_step", 1.0);
    off["enabled"] = json!(false);
    let (s, body) = admin.call("PUT", &format!("{policies}/{step_id}"), Some(off)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // 150 of 150: holds, but the cooldown (1 h) runs; logged once however many rounds.
    use_calls(&admin, &a, 60, "s-2").await;
    assert_eq!(evaluate_in(&mut conn, at(2)).await.unwrap().logged, 1);
    assert_eq!(evaluate_in(&mut conn, at(3)).await.unwrap().logged, 0);
    // After the cooldown: 150 → 225, held to the maximum of 200; then at its bound.
    let r = evaluate_in(&mut conn, at(62)).await.unwrap();
    assert_eq!(r.scaled, 1);
    assert_eq!(allocation(&admin.get(&format!("/api/v1/tenants/{a}/resources")).await.1).0, 200);
    use_calls(&admin, &a, 40, "s-3").await;
    evaluate_in(&mut conn, at(130)).await.unwrap();

    let (s, log) = admin.get(&format!("{policies}/{grow_id}/decisions")).await;
    assert_eq!(s, StatusCode::OK, "{log}");
    let outcomes: Vec<(&str, Option<i64>)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["outcome"].as_str().unwrap(), d["allocated_after"].as_i64()))
        .collect();
    assert_eq!(
        outcomes,
        [("skipped_at_limit", None), ("scaled", Some(200)), ("skipped_cooldown", None), ("scaled", Some(150))]
    );
    let (_, nudged) = admin.get(&format!("{policies}/{step_id}/decisions")).await;
    assert_eq!(nudged[nudged.as_array().unwrap().len() - 1]["outcome"], "skipped_other_policy", "{nudged}");

    // The history names the policy and the audit trail has the change.
    let (_, history) = admin.get(&format!("{url}/history")).await;
    assert_eq!(history[0]["source"], "policy", "{history}");
    assert_eq!(history[0]["actor"], "policy \u{201c}Grow\u{201d}");
    assert!(history[0]["reason"].as_str().unwrap().starts_with("utilization ≥ 80 %"), "{history}");
    let scaled = admin.audit_actions(&a).await.iter().filter(|x| *x == "resource.scaled").count();
    assert_eq!(scaled, 3, "one by hand, two by the policy");

    // A disabled policy is not evaluated.
    let mut off = policy("Grow", 10, "scale_by_factor", 1.5);
    off["enabled"] = json!(false);
    let (s, body) = admin.call("PUT", &format!("{policies}/{grow_id}"), Some(off)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(evaluate_in(&mut conn, at(300)).await.unwrap().evaluated, 0);

    // Trying a policy changes nothing.
    let (s, sim) = admin.call("POST", &format!("{policies}/{grow_id}/simulate"), None).await;
    assert_eq!(s, StatusCode::OK, "{sim}");
    assert!(sim["points"].as_u64().unwrap() >= 1, "{sim}");
    assert_eq!(sim["allocated_start"], 200);
    assert_eq!(allocation(&admin.get(&format!("/api/v1/tenants/{a}/resources")).await.1).0, 200);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn policy_rules_and_who_may_set_them(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Acme Rules", "starter").await;
    let policies = format!("/api/v1/tenants/{a}/policies");
    let owner = admin.member(&a, "owner@rules.example", Role::Owner).await;
    let viewer = admin.member(&a, "viewer@rules.example", Role::Viewer).await;
    let p = policy("Grow", 10, "scale_by_factor", 1.5);
    assert_eq!(viewer.call("POST", &policies, Some(p.clone())).await.0, StatusCode::FORBIDDEN);
    // The starter plan includes 250,000 API calls a month: an owner stays within it.
    let mut big = p.clone();
    big["max_allocated"] = json!(300_000);
    let (s, body) = owner.call("POST", &policies, Some(big.clone())).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["max_allocated"].as_str().unwrap().contains("platform administrator"));
    assert_eq!(admin.call("POST", &policies, Some(big)).await.0, StatusCode::CREATED);
    // Each bad field named.
    let mut bad = p.clone();
    bad["resource"] = json!("nope");
    bad["amount"] = json!(1.0);
    bad["min_allocated"] = json!(500);
    let (s, body) = owner.call("POST", &policies, Some(bad)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    for f in ["resource", "amount", "max_allocated"] {
        assert!(body["error"]["fields"][f].is_string(), "{f}: {body}");
    }
    // The owner's own, within the plan; a viewer reads it.
    let (s, mine) = owner.call("POST", &policies, Some(p.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{mine}");
    let id = mine["id"].as_i64().unwrap();
    let (s, list) = viewer.get(&policies).await;
    assert_eq!((s, list.as_array().unwrap().len()), (StatusCode::OK, 2));
    assert_eq!(owner.call("PUT", &format!("{policies}/{}", id + 1000), Some(p)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(viewer.call("DELETE", &format!("{policies}/{id}"), None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(owner.call("DELETE", &format!("{policies}/{id}"), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(owner.get(&format!("{policies}/{id}/decisions")).await.0, StatusCode::NOT_FOUND);
    let actions = admin.audit_actions(&a).await;
    assert!(actions.contains(&"policy.created".to_string()) && actions.contains(&"policy.deleted".to_string()));
}
