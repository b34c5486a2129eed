//! Resource allocations and quotas (issue 12: R1-R3, R6) on a real database.

use crate::helpers::*;
use crate::usage::{active_tenant, key_for, report, roll};
use http::StatusCode;
use serde_json::{json, Value};
use tenantry::model::{Role, Scope};

fn find<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["resources"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap()
}

fn limits(r: &Value) -> (i64, i64, i64) {
    (r["allocated"].as_i64().unwrap(), r["soft_limit"].as_i64().unwrap(), r["hard_limit"].as_i64().unwrap())
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn scaling_keeps_history_and_stays_within_the_plan(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Acme Resources", "starter").await;
    let (s, list) = admin.get(&format!("/api/v1/tenants/{a}/resources")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    // From the starter plan (25 people), soft 80 %; a type the plan has no column for
    // takes the catalog's default.
    let users = find(&list, "users");
    assert_eq!(limits(users), (25, 20, 25));
    assert_eq!((users["plan_amount"].as_i64(), users["level"].as_str()), (Some(25), Some("ok")));
    assert_eq!(limits(find(&list, "db_connections")).0, 20);
    assert_eq!(list["resources"].as_array().unwrap().len(), 7);

    let url = format!("/api/v1/tenants/{a}/resources/users");
    let tenant_admin = admin.member(&a, "admin@acme-resources.example", Role::Admin).await;
    // Beyond the plan: only a platform administrator.
    let (s, body) = tenant_admin.call("PUT", &url, Some(json!({ "allocated": 30, "reason": "more staff" }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["allocated"].as_str().unwrap().contains("platform administrator"), "{body}");
    // Limits out of order, no reason: each field named.
    let (s, body) =
        tenant_admin.call("PUT", &url, Some(json!({ "allocated": 10, "soft_limit": 12, "reason": " " }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["soft_limit"].is_string() && body["error"]["fields"]["reason"].is_string());
    // A viewer may read but not scale; an unknown resource is 404.
    let viewer = admin.member(&a, "viewer@acme-resources.example", Role::Viewer).await;
    let (s, _) = viewer.call("PUT", &url, Some(json!({ "allocated": 10, "reason": "x" }))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = tenant_admin.call("PUT", &format!("{url}x"), Some(json!({ "allocated": 1, "reason": "x" }))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(admin.get(&format!("{url}/history")).await.1, json!([]), "refused changes leave no history");

    // Within the plan, by the tenant's admin.
    let (s, r) =
        tenant_admin.call("PUT", &url, Some(json!({ "allocated": 15, "soft_limit": 10, "reason": "trim" }))).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(limits(&r), (15, 10, 15));
    // Beyond it, by a platform administrator; the same request again changes nothing.
    let big = json!({ "allocated": 40, "hard_limit": 50, "reason": "enterprise deal" });
    let (s, r) = admin.call("PUT", &url, Some(big.clone())).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(limits(&r), (40, 32, 50));
    assert_eq!(admin.call("PUT", &url, Some(big)).await.0, StatusCode::OK);

    let (s, history) = viewer.get(&format!("{url}/history")).await;
    assert_eq!(s, StatusCode::OK);
    let h = history.as_array().unwrap();
    assert_eq!(h.len(), 2, "{history}");
    assert_eq!(h[0]["before"], json!({ "allocated": 15, "soft_limit": 10, "hard_limit": 15 }));
    assert_eq!(h[0]["after"], json!({ "allocated": 40, "soft_limit": 32, "hard_limit": 50 }));
    assert_eq!((h[0]["source"].as_str(), h[0]["reason"].as_str()), (Some("manual"), Some("enterprise deal")));
    assert_eq!(h[1]["before"], json!({ "allocated": 25, "soft_limit": 20, "hard_limit": 25 }), "from the plan");
    assert_eq!(h[1]["actor"], "admin@acme-resources.example");
    let actions = admin.audit_actions(&a).await;
    assert_eq!(actions.iter().filter(|x| *x == "resource.scaled").count(), 2, "{actions:?}");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn consuming_a_quota_never_over_grants(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Acme Quota", "enterprise").await;
    let (s, _) = admin
        .call(
            "PUT",
            &format!("/api/v1/tenants/{a}/resources/api_calls_per_month"),
            Some(json!({ "allocated": 100, "reason": "quota test" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let key = key_for(&admin, &a, &[Scope::QuotaRead]).await;
    let take = |amount: i64| {
        let key = key.clone();
        async move {
            key.call(
                "POST",
                "/api/v1/quota/consume",
                Some(json!({ "resource": "api_calls_per_month", "amount": amount })),
            )
            .await
        }
    };
    // 50 callers at once each want 3 of 100: exactly 33 get them.
    let answers = futures::future::join_all((0..50).map(|_| take(3))).await;
    let mut granted = 0;
    for (s, body) in &answers {
        assert_eq!(*s, StatusCode::OK, "{body}");
        assert_eq!(body["limit"], 100);
        if body["allowed"] == true {
            granted += 1;
        }
    }
    assert_eq!(granted, 33);
    let consumed: i64 = sqlx::query_scalar("select consumed from quota_ledger where tenant_id = $1::uuid")
        .bind(&a)
        .fetch_one(&admin.pool)
        .await
        .unwrap();
    assert_eq!(consumed, 99);

    // A check takes nothing: 1 more fits, 2 don't.
    let check = |amount: i64| {
        let key = key.clone();
        async move {
            key.call(
                "POST",
                "/api/v1/quota/check",
                Some(json!({ "resource": "api_calls_per_month", "amount": amount })),
            )
            .await
        }
    };
    let (_, one) = check(1).await;
    assert_eq!(
        (one["allowed"].as_bool(), one["remaining"].as_f64(), one["used"].as_f64()),
        (Some(true), Some(1.0), Some(99.0))
    );
    assert_eq!(check(2).await.1["allowed"], false);
    // Reported usage counts too once rolled up.
    let reporter = key_for(&admin, &a, &[Scope::UsageWrite]).await;
    let (s, _) = report(&reporter, json!({ "events": [crate::usage::event("api_calls", json!(1), "q-1")] })).await;
    assert_eq!(s, StatusCode::OK);
    roll(&admin.pool).await;
    let (_, after) = check(1).await;
    assert_eq!((after["allowed"].as_bool(), after["used"].as_f64()), (Some(false), Some(100.0)));
    assert_eq!(take(1).await.1["allowed"], false);

    // Bad requests: each a clear 4xx.
    let (s, body) = key.call("POST", "/api/v1/quota/consume", Some(json!({ "resource": "users" }))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["fields"]["resource"].is_string());
    assert_eq!(check(0).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    // JSON Schema counts 2.0 as an integer, so the server does too; 2.5 is refused.
    let (s, body) = key
        .call("POST", "/api/v1/quota/check", Some(json!({ "resource": "api_calls_per_month", "amount": 2.0 })))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = key
        .call("POST", "/api/v1/quota/check", Some(json!({ "resource": "api_calls_per_month", "amount": 2.5 })))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["amount"].is_string(), "{body}");
    let (s, _) = key.call("POST", "/api/v1/quota/check", Some(json!({ "resource": "nope" }))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = reporter.call("POST", "/api/v1/quota/check", Some(json!({ "resource": "users" }))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a key without quota:read");
    let (s, _) = key.call("POST", "/api/v1/quota/check", Some(json!({ "resource": "users", "colour": 1 }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "unknown fields are refused");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn the_limits_list_shows_tenants_over_their_soft_limits_fullest_first(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let calm = active_tenant(&admin, "Calm Co", "starter").await;
    let near = active_tenant(&admin, "Near Co", "starter").await;
    let over = active_tenant(&admin, "Over Co", "starter").await;
    for (t, allocated, used) in [(&calm, 100, 10), (&near, 100, 85), (&over, 100, 120)] {
        let url = format!("/api/v1/tenants/{t}/resources/api_calls_per_month");
        let (s, _) = admin.call("PUT", &url, Some(json!({ "allocated": allocated, "reason": "limits test" }))).await;
        assert_eq!(s, StatusCode::OK);
        let reporter = key_for(&admin, t, &[Scope::UsageWrite]).await;
        let (s, _) =
            report(&reporter, json!({ "events": [crate::usage::event("api_calls", json!(used), "l-1")] })).await;
        assert_eq!(s, StatusCode::OK);
    }
    roll(&admin.pool).await;
    let caller = tenantry::server::access::Caller::system();
    let all =
        tenantry::server::services::resources::near_limits(&admin.pool, &caller, Default::default()).await.unwrap();
    let mine: Vec<(String, String)> = all
        .rows
        .iter()
        .filter(|r| r.resource == "api_calls_per_month")
        .map(|r| (r.tenant_name.clone(), format!("{:?}", r.level)))
        .collect();
    assert_eq!(mine, [("Over Co".to_string(), "Hard".to_string()), ("Near Co".to_string(), "Soft".to_string())]);
    let by_tenant = tenantry::server::services::resources::near_limits(
        &admin.pool,
        &caller,
        tenantry::model::resources::LimitSort::Tenant,
    )
    .await
    .unwrap();
    let names: Vec<&str> = by_tenant.rows.iter().map(|r| r.tenant_name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
    assert!(!names.contains(&"Calm Co"), "a tenant under its soft limits is not listed");
}

/// A hard limit is enforced inside the portal: invitations stop at the `users` limit.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn invitations_stop_at_the_members_hard_limit(pool: sqlx::PgPool) {
    let (admin, _sink) = with_mail(pool, |_| {}).await;
    let a = active_tenant(&admin, "Acme Seats", "professional").await;
    let (s, _) = admin
        .call(
            "PUT",
            &format!("/api/v1/tenants/{a}/resources/users"),
            Some(json!({ "allocated": 1, "reason": "one seat for now" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let invite = |email: &'static str| {
        let admin = admin.clone();
        let url = format!("/api/v1/tenants/{a}/invitations");
        async move { admin.call("POST", &url, Some(json!({ "email": email, "role": "member" }))).await }
    };
    assert_eq!(invite("first@seats.example").await.0, StatusCode::CREATED);
    let (s, body) = invite("second@seats.example").await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["fields"]["email"].as_str().unwrap().contains("allows 1 person"), "{body}");
}

/// R6: a tenant's keys may send its plan's burst at once; then 429 with Retry-After and the
/// RateLimit headers. Another tenant's keys and people using the portal are not affected.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn api_keys_get_429_after_their_plans_burst(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Acme Rate", "free").await; // 5 a second, bursts of 10
    let b = active_tenant(&admin, "Bravo Rate", "free").await;
    let key = key_for(&admin, &a, &[Scope::TenantsRead]).await;
    let other = key_for(&admin, &b, &[Scope::TenantsRead]).await;
    let get = |app: &TestApp, t: &str| {
        let (app, uri) = (app.clone(), format!("/api/v1/tenants/{t}"));
        async move { app.send(http::Request::get(uri).body(axum::body::Body::empty()).unwrap()).await }
    };
    // The whole burst is allowed, counting down.
    for n in 0..10 {
        let (s, h, body) = get(&key, &a).await;
        assert_eq!(s, StatusCode::OK, "request {n}: {body}");
        assert_eq!(h["ratelimit-policy"], "\"tenant\";q=5;w=1;burst=10");
        assert_eq!(h["ratelimit"], format!("\"tenant\";r={};t=0", 9 - n).as_str());
    }
    // Then refused (at most the few the rate refilled meanwhile get through).
    let mut refused = None;
    for _ in 0..20 {
        let (s, h, body) = get(&key, &a).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((h, body));
            break;
        }
    }
    let (h, body) = refused.expect("a 429 after the burst");
    let retry: u64 = h[http::header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    assert!(h["ratelimit"].to_str().unwrap().starts_with("\"tenant\";r=0;t="));
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
    assert!(body["error"]["message"].as_str().unwrap().contains("5 requests a second"));
    // Tenant B's key has its own budget; the portal's people are not limited by keys' use.
    assert_eq!(get(&other, &b).await.0, StatusCode::OK);
    let (s, h, _) = get(&admin, &a).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.get("ratelimit").is_none());
}

/// `resource_use()` (SQL: the Limits page, alerts, policies) and the Resources tab (Rust:
/// `plan_allocations`) agree on every resource's limits, with and without allocation rows.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn the_sql_and_the_tab_agree_on_every_limit(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    for plan in ["free", "starter", "professional", "enterprise"] {
        let t = active_tenant(&admin, &format!("Agree {plan}"), plan).await;
        for drop_rows in [false, true] {
            if drop_rows {
                sqlx::query("delete from tenant_allocations where tenant_id = $1::uuid")
                    .bind(&t)
                    .execute(&admin.pool)
                    .await
                    .unwrap();
            }
            let (_, list) = admin.get(&format!("/api/v1/tenants/{t}/resources")).await;
            let mut tab: Vec<(String, (i64, i64, i64))> = list["resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r["id"].as_str().unwrap().to_string(), limits(r)))
                .collect();
            let mut sql: Vec<(String, (i64, i64, i64))> = sqlx::query_as::<_, (String, i64, i64, i64)>(
                "select resource, allocated, soft_limit, hard_limit from resource_use(current_date, current_date)
                 where tenant_id = $1::uuid",
            )
            .bind(&t)
            .fetch_all(&admin.pool)
            .await
            .unwrap()
            .into_iter()
            .map(|(r, a, s, h)| (r, (a, s, h)))
            .collect();
            tab.sort();
            sql.sort();
            assert_eq!(sql, tab, "{plan}, allocation rows dropped: {drop_rows}");
        }
    }
}

/// The platform's "running out soonest" list holds what the tenants' tabs forecast, soonest
/// first; a resource with a flat trend isn't in it.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn the_soonest_list_shows_the_tabs_forecasts(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let rising = active_tenant(&admin, "Rising Co", "starter").await;
    let flat = active_tenant(&admin, "Flat Co", "starter").await;
    // Storage (20 GB on starter): rising by 1 GB a day to 15, or flat at 15, for 12 days.
    for (t, slope) in [(&rising, 1.0), (&flat, 0.0)] {
        sqlx::query(
            "insert into usage_daily (tenant_id, metric, day, total, peak, last, last_at, events)
             select $1::uuid, 'storage_gb', current_date - g, v, v, v, now(), 1
             from generate_series(0, 11) g, lateral (select 15 - $2 * g as v) x",
        )
        .bind(t)
        .bind(slope)
        .execute(&admin.pool)
        .await
        .unwrap();
    }
    let caller = tenantry::server::access::Caller::system();
    let limits =
        tenantry::server::services::resources::near_limits(&admin.pool, &caller, Default::default()).await.unwrap();
    let listed: Vec<(&str, &str)> =
        limits.soonest.iter().map(|r| (r.tenant_name.as_str(), r.resource.as_str())).collect();
    assert_eq!(listed, [("Rising Co", "storage_gb")]);
    let (_, tab) = admin.get(&format!("/api/v1/tenants/{rising}/resources")).await;
    let storage = find(&tab, "storage_gb");
    assert_eq!(
        storage["forecast"]["runs_out"].as_str().unwrap(),
        limits.soonest[0].day().to_string(),
        "the same forecast as the tab"
    );
    let in_days = (limits.soonest[0].day() - chrono::Utc::now().date_naive()).num_days();
    assert_eq!(in_days, 5, "15 of 20 GB, rising 1 GB a day");
}
