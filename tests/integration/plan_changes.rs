//! Plan changes (PRODUCT.md P5): PUT /api/v1/tenants/{id}/upgrade checks that current use
//! fits, queues the change_plan workflow (202 with the run), which snapshots, applies and
//! verifies, and restores the snapshot when a step fails for good.

use crate::helpers::*;
use crate::usage::active_tenant;
use http::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use tenantry::model::Role;

async fn upgrade(app: &TestApp, tenant: &str, plan: &str) -> (StatusCode, Value) {
    app.call("PUT", &format!("/api/v1/tenants/{tenant}/upgrade"), Some(json!({ "plan": plan }))).await
}

/// (resource, allocated, soft, hard), by resource.
async fn allocations(pool: &PgPool, tenant: &str) -> Vec<(String, i64, i64, i64)> {
    sqlx::query_as(
        "select resource, amount, soft_limit, hard_limit from tenant_allocations
         where tenant_id = $1::uuid order by resource",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn count(pool: &PgPool, sql: &str, tenant: &str) -> i64 {
    sqlx::query_scalar(sql).bind(tenant).fetch_one(pool).await.unwrap()
}

async fn plan_changed_events(pool: &PgPool, tenant: &str) -> Vec<Value> {
    sqlx::query_scalar("select payload from outbox where tenant_id = $1::uuid and topic = 'tenant.plan_changed'")
        .bind(tenant)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Use as the Resources tab reads it: a level today (storage) and a month's total (API calls).
async fn use_now(pool: &PgPool, tenant: &str, metric: &str, value: f64) {
    sqlx::query(
        "insert into usage_daily (tenant_id, metric, day, total, peak, last, last_at, events)
         values ($1::uuid, $2, current_date, $3, $3, $3, now(), 1)",
    )
    .bind(tenant)
    .bind(metric)
    .bind(value)
    .execute(pool)
    .await
    .unwrap();
}

fn step_states(run: &Value) -> Vec<&str> {
    run["steps"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect()
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn an_upgrade_moves_plan_allocations_and_features(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let id = active_tenant(&app, "Growing Co", "starter").await;
    let (s, run) = upgrade(&app, &id, "professional").await;
    assert_eq!(s, StatusCode::ACCEPTED, "{run}");
    assert_eq!((run["kind"].as_str(), run["status"].as_str()), (Some("change_plan"), Some("pending")), "{run}");
    let names: Vec<&str> = run["steps"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["check_fit", "snapshot_plan", "apply_plan", "verify_plan"]);
    // Nothing changed yet: the workers carry the run out.
    let (_, t) = app.get(&format!("/api/v1/tenants/{id}")).await;
    assert_eq!(t["plan"], "starter");

    app.drain().await;
    let (_, done) = app.get(&format!("/api/v1/workflows/{}", run["id"].as_str().unwrap())).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(step_states(&done), ["succeeded"; 4]);
    let (_, t) = app.get(&format!("/api/v1/tenants/{id}")).await;
    assert_eq!(t["plan"], "professional");
    assert_eq!(t["features"], json!(["advanced_reporting", "api_access", "basic_auth", "basic_reporting", "webhooks"]));
    let allocs = allocations(&pool, &id).await;
    assert!(allocs.contains(&("storage_gb".into(), 200, 160, 200)), "{allocs:?}");
    assert!(allocs.contains(&("users".into(), 100, 80, 100)), "{allocs:?}");
    let history = "select count(*) from allocation_changes where tenant_id = $1::uuid and source = 'plan_change'";
    assert_eq!(count(&pool, history, &id).await, 6);
    let (_, h) = app.get(&format!("/api/v1/tenants/{id}/resources/storage_gb/history")).await;
    assert_eq!(h[0]["source"], "plan_change", "{h}");
    assert_eq!(h[0]["before"]["allocated"], 20);
    let actions = app.audit_actions(&id).await;
    assert!(actions.ends_with(&["tenant.plan_change_requested".into(), "tenant.plan_changed".into()]), "{actions:?}");
    let events = plan_changed_events(&pool, &id).await;
    assert_eq!(events.len(), 1);
    assert_eq!((events[0]["from"].as_str(), events[0]["to"].as_str()), (Some("starter"), Some("professional")));

    // Every step run again changes nothing more.
    let run_id = uuid::Uuid::parse_str(run["id"].as_str().unwrap()).unwrap();
    for step in tenantry::model::WorkflowKind::ChangePlan.steps() {
        tenantry::server::workflow::run_step_again(&app.state, run_id, *step).await.unwrap();
    }
    assert_eq!(count(&pool, history, &id).await, 6);
    assert_eq!(plan_changed_events(&pool, &id).await.len(), 1);
    assert_eq!(app.audit_actions(&id).await, actions);
    assert_eq!(allocations(&pool, &id).await, allocs);

    // Asking again for the plan it is on: 409, no run.
    let (s, b) = upgrade(&app, &id, "professional").await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("already on the Professional plan"), "{b}");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_downgrade_that_does_not_fit_is_refused_naming_the_resources(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let id = active_tenant(&app, "Big Co", "professional").await;
    use_now(&pool, &id, "storage_gb", 150.0).await;
    use_now(&pool, &id, "api_calls", 300_000.0).await;
    let before = allocations(&pool, &id).await;
    let runs = "select count(*) from workflow_runs where tenant_id = $1::uuid";
    let runs_before = count(&pool, runs, &id).await;

    let (s, b) = upgrade(&app, &id, "starter").await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    let msg = b["error"]["message"].as_str().unwrap();
    assert!(msg.contains("Storage: 150 GB in use, the Starter plan allows 20 GB"), "{msg}");
    assert!(msg.contains("API calls: 300,000 calls in use, the Starter plan allows 250,000 calls"), "{msg}");
    assert!(!msg.contains("Members"), "{msg}");
    let fields = b["error"]["fields"].as_object().unwrap();
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["api_calls_per_month", "storage_gb"]);

    // Nothing changed and no run was started.
    assert_eq!(count(&pool, runs, &id).await, runs_before);
    assert_eq!(allocations(&pool, &id).await, before);
    let (_, t) = app.get(&format!("/api/v1/tenants/{id}")).await;
    assert_eq!(t["plan"], "professional");
    assert!(!app.audit_actions(&id).await.iter().any(|a| a.starts_with("tenant.plan_change")));

    // An upgrade still fits.
    let (s, b) = upgrade(&app, &id, "enterprise").await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
}

/// Use that grows after the request was accepted is caught by the workflow's own check.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn use_that_grows_after_the_request_fails_the_check_step(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let id = active_tenant(&app, "Sudden Co", "starter").await;
    let before = allocations(&pool, &id).await;
    let (s, run) = upgrade(&app, &id, "free").await;
    assert_eq!(s, StatusCode::ACCEPTED, "{run}");
    use_now(&pool, &id, "storage_gb", 5.0).await;
    app.drain().await;
    let (_, run) = app.get(&format!("/api/v1/workflows/{}", run["id"].as_str().unwrap())).await;
    assert_eq!((run["status"].as_str(), run["failed_step"].as_str()), (Some("failed"), Some("check_fit")), "{run}");
    assert!(run["error"].as_str().unwrap().contains("Storage: 5 GB in use, the Free plan allows 1"), "{run}");
    assert_eq!(step_states(&run), ["failed", "pending", "pending", "pending"]);
    let (_, t) = app.get(&format!("/api/v1/tenants/{id}")).await;
    assert_eq!((t["plan"].as_str(), t["status"].as_str()), (Some("starter"), Some("active")));
    assert_eq!(allocations(&pool, &id).await, before);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_step_failing_for_good_restores_the_snapshot(pool: PgPool) {
    let fixed = TestApp::new(pool.clone()).await;
    let id = active_tenant(&fixed, "Careful Co", "starter").await;
    // Amounts of its own, which a plan change replaces and a roll-back restores.
    sqlx::query(
        "update tenant_allocations set amount = 15, soft_limit = 10, hard_limit = 18
         where tenant_id = $1::uuid and resource = 'storage_gb'",
    )
    .bind(&id)
    .execute(&pool)
    .await
    .unwrap();
    // Overrides of its own (off: two of starter's; on: one no plan has), which survive
    // both the change and its roll-back.
    sqlx::query("insert into feature_flags (key) values ('beta_dashboard')").execute(&pool).await.unwrap();
    for (flag, on) in [("api_access", false), ("basic_reporting", false), ("beta_dashboard", true)] {
        let (s, f) =
            fixed.call("PUT", &format!("/api/v1/tenants/{id}/features/{flag}"), Some(json!({ "enabled": on }))).await;
        assert_eq!(s, StatusCode::OK, "{f}");
    }
    let before = allocations(&pool, &id).await;

    let mut config = fixed.state.config.as_ref().clone();
    config.workflows.fail_step = "verify_plan".into();
    let failing = fixed.reconfigured(config);
    let (s, run) = upgrade(&failing, &id, "professional").await;
    assert_eq!(s, StatusCode::ACCEPTED, "{run}");
    failing.drain().await;
    let run_id = run["id"].as_str().unwrap().to_string();
    let (_, run) = failing.get(&format!("/api/v1/workflows/{run_id}")).await;
    assert_eq!((run["status"].as_str(), run["failed_step"].as_str()), (Some("failed"), Some("verify_plan")), "{run}");
    assert_eq!(step_states(&run), ["compensated", "compensated", "compensated", "failed"]);

    let (_, t) = fixed.get(&format!("/api/v1/tenants/{id}")).await;
    assert_eq!((t["plan"].as_str(), t["status"].as_str()), (Some("starter"), Some("active")));
    assert_eq!(t["features"], json!(["basic_auth", "beta_dashboard"]));
    assert_eq!(allocations(&pool, &id).await, before);
    let actions = fixed.audit_actions(&id).await;
    for a in ["tenant.plan_changed", "tenant.plan_change_rolled_back", "workflow.failed"] {
        assert!(actions.contains(&a.to_string()), "{a} in {actions:?}");
    }
    // Other systems heard of no change: the event is written only once it is verified.
    assert!(plan_changed_events(&pool, &id).await.is_empty());

    // Retried once the cause is gone: the same run, from the start.
    let (s, again) = fixed.call("POST", &format!("/api/v1/workflows/{run_id}/retry"), None).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["status"], "succeeded", "{again}");
    let (_, t) = fixed.get(&format!("/api/v1/tenants/{id}")).await;
    assert_eq!(t["plan"], "professional");
    // The new plan's flags, with the tenant's overrides kept.
    assert_eq!(t["features"], json!(["advanced_reporting", "basic_auth", "beta_dashboard", "webhooks"]));
    assert!(allocations(&pool, &id).await.contains(&("storage_gb".into(), 200, 160, 200)));
    assert_eq!(plan_changed_events(&pool, &id).await.len(), 1);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn who_may_change_a_plan_and_what_is_refused(pool: PgPool) {
    let admin = TestApp::new(pool.clone()).await;
    let id = active_tenant(&admin, "Guarded Co", "starter").await;
    let other = active_tenant(&admin, "Other Co", "starter").await;
    let owner = admin.member(&id, "owner@guarded.example", Role::Owner).await;
    let stranger = admin.member(&other, "owner@other.example", Role::Owner).await;

    let (s, b) = upgrade(&owner, &id, "professional").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, _) = upgrade(&stranger, &id, "professional").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = upgrade(&admin, "no-such-tenant", "professional").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = upgrade(&admin.anon(), &id, "professional").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let (s, b) = upgrade(&admin, &id, "platinum").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["error"]["fields"]["plan"].as_str().unwrap().contains("platinum"), "{b}");
    let (s, b) = admin.call("PUT", &format!("/api/v1/tenants/{id}/upgrade"), Some(json!({}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["error"]["fields"]["plan"].is_string(), "{b}");
    let (s, b) = upgrade(&admin, &id, "starter").await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");

    // One run at a time.
    let (s, _) = upgrade(&admin, &id, "professional").await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (s, b) = upgrade(&admin, &id, "enterprise").await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["message"], tenantry::model::messages::RUN_OPEN);
    admin.drain().await;

    // Only an active tenant.
    let (s, _) =
        admin.call("POST", &format!("/api/v1/tenants/{other}/suspend"), Some(json!({ "reason": "Unpaid" }))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = upgrade(&admin, &other, "professional").await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("Only an active tenant"), "{b}");
    // Nothing happened to the tenant the refused callers aimed at but the admin's change.
    let changes = "select count(*) from workflow_runs where tenant_id = $1::uuid and kind = 'change_plan'";
    assert_eq!(count(&pool, changes, &id).await, 1);
    assert_eq!(count(&pool, changes, &other).await, 0);
}

/// The server function the tenant page calls answers the same rules.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn the_server_function_starts_the_same_workflow(pool: PgPool) {
    use leptos::server_fn::ServerFn;
    let app = TestApp::new(pool.clone()).await;
    let id = active_tenant(&app, "Form Co", "starter").await;
    let call = |plan: &str| {
        let body = format!("tenant={id}&plan={plan}");
        http::Request::post(tenantry::fns::tenants::ChangePlan::PATH)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let (s, _, b) = app.send(call("nope")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, _, b) = app.send(call("professional")).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let run: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(run["kind"], "change_plan");
    app.drain().await;
    let (_, t) = app.get(&format!("/api/v1/tenants/{id}")).await;
    assert_eq!(t["plan"], "professional");
}
