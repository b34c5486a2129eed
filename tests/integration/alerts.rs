//! Alerts (issue 12: R7) on a real database, emailed over real SMTP to a local sink.

use crate::helpers::*;
use crate::usage::{active_tenant, event, key_for, report, roll};
use http::StatusCode;
use serde_json::{json, Value};
use tenantry::model::{Role, Scope};
use tenantry::server::services::alerts;

pub async fn scale(admin: &TestApp, tenant: &str, allocated: i64) {
    let url = format!("/api/v1/tenants/{tenant}/resources/api_calls_per_month");
    let (s, body) = admin.call("PUT", &url, Some(json!({ "allocated": allocated, "reason": "alerts test" }))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

pub async fn use_calls(admin: &TestApp, tenant: &str, n: i64, key: &str) {
    let reporter = key_for(admin, tenant, &[Scope::UsageWrite]).await;
    let (s, body) = report(&reporter, json!({ "events": [event("api_calls", json!(n), key)] })).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    roll(&admin.pool).await;
}

/// (subject, threshold, status) of each alert in a list answer.
fn summary(list: &Value) -> Vec<(String, String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let f = |k: &str| a[k].as_str().unwrap().to_string();
            (f("subject"), f("threshold"), f("status"))
        })
        .collect()
}

fn row(subject: &str, threshold: &str, status: &str) -> (String, String, String) {
    (subject.into(), threshold.into(), status.into())
}

async fn outbox_topics(admin: &TestApp, tenant: &str) -> Vec<String> {
    sqlx::query_scalar("select topic from outbox where tenant_id = $1::uuid and topic like 'alert.%' order by id")
        .bind(tenant)
        .fetch_all(&admin.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_limit_alert_opens_once_is_acknowledged_and_resolves(pool: sqlx::PgPool) {
    let (admin, sink) = with_mail(pool, |_| {}).await;
    let a = active_tenant(&admin, "Acme Alerting", "starter").await;
    let owner = admin.member(&a, "owner@alerting.example", Role::Owner).await;
    let viewer = admin.member(&a, "viewer@alerting.example", Role::Viewer).await;
    let b = active_tenant(&admin, "Calm Other", "starter").await;
    let b_owner = admin.member(&b, "owner@calm.example", Role::Owner).await;
    let list = format!("/api/v1/tenants/{a}/alerts");
    let evaluate = || alerts::evaluate(&admin.state);

    // Under the soft limit (80 of 100): nothing.
    scale(&admin, &a, 100).await;
    use_calls(&admin, &a, 70, "a-1").await;
    evaluate().await.unwrap();
    assert_eq!(owner.get(&list).await.1, json!([]));

    // 85: past the soft limit. Two instances evaluating at once still open one alert,
    // and the owners hear of it once however many rounds follow.
    use_calls(&admin, &a, 15, "a-2").await;
    let (x, y) = tokio::join!(evaluate(), evaluate());
    assert_eq!(x.unwrap().opened + y.unwrap().opened, 1);
    evaluate().await.unwrap();
    let (s, open) = viewer.get(&list).await;
    assert_eq!(s, StatusCode::OK, "{open}");
    assert_eq!(summary(&open), [row("api_calls_per_month", "soft", "open")]);
    assert_eq!((open[0]["opened_value"].as_f64(), open[0]["limit"].as_i64()), (Some(85.0), Some(80)));
    let mails = sink.wait_for(1).await;
    evaluate().await.unwrap();
    assert_eq!(sink.messages().await.len(), 1, "one email per alert");
    assert!(mails[0].to.iter().any(|t| t.contains("owner@alerting.example")), "{:?}", mails[0].to);
    assert!(mails[0].data.contains("API calls reached the soft limit"), "{}", mails[0].data);

    // 115: past the hard limit too; the soft alert's peak follows.
    use_calls(&admin, &a, 30, "a-3").await;
    assert_eq!(evaluate().await.unwrap().opened, 1);
    let (_, open) = owner.get(&list).await;
    assert_eq!(
        summary(&open),
        [row("api_calls_per_month", "hard", "open"), row("api_calls_per_month", "soft", "open")]
    );
    assert_eq!(open[1]["peak_value"].as_f64(), Some(115.0));
    assert_eq!(sink.wait_for(2).await.len(), 2);

    // Acknowledging: owners and admins; twice is harmless; an unknown one is 404.
    let soft_id = open[1]["id"].as_i64().unwrap();
    let ack = |id: i64| format!("{list}/{id}/acknowledge");
    assert_eq!(viewer.call("POST", &ack(soft_id), None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(b_owner.call("POST", &ack(soft_id), None).await.0, StatusCode::NOT_FOUND);
    let (s, acked) = owner.call("POST", &ack(soft_id), None).await;
    assert_eq!(s, StatusCode::OK, "{acked}");
    assert_eq!(
        (acked["status"].as_str(), acked["acknowledged_by"].as_str()),
        (Some("acknowledged"), Some("owner@alerting.example"))
    );
    let (s, again) = owner.call("POST", &ack(soft_id), None).await;
    assert_eq!((s, &again["acknowledged_at"]), (StatusCode::OK, &acked["acknowledged_at"]));
    assert_eq!(owner.call("POST", &ack(soft_id + 1000), None).await.0, StatusCode::NOT_FOUND);
    // Acknowledged still counts as unresolved; rounds don't reopen or duplicate it.
    evaluate().await.unwrap();
    assert_eq!(summary(&owner.get(&list).await.1).len(), 2);
    // Another tenant's list shows none of it.
    assert_eq!(b_owner.get(&format!("/api/v1/tenants/{b}/alerts?status=all")).await.1, json!([]));
    assert_eq!(owner.get(&format!("{list}?status=closed")).await.0, StatusCode::BAD_REQUEST);

    // Scaled up: use drops back under both limits and both resolve.
    scale(&admin, &a, 1000).await;
    assert_eq!(evaluate().await.unwrap().resolved, 2);
    assert_eq!(owner.get(&list).await.1, json!([]));
    let (_, all) = owner.get(&format!("{list}?status=all")).await;
    assert_eq!(
        summary(&all),
        [row("api_calls_per_month", "hard", "resolved"), row("api_calls_per_month", "soft", "resolved")]
    );
    let (s, body) = owner.call("POST", &ack(soft_id), None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");

    // Crossing again opens a new alert.
    scale(&admin, &a, 100).await;
    assert_eq!(evaluate().await.unwrap().opened, 2);
    let (_, open) = owner.get(&list).await;
    assert!(open.as_array().unwrap().iter().all(|x| x["id"].as_i64().unwrap() > soft_id), "{open}");

    // Every change went to the outbox for webhooks, and the acknowledgement to the audit trail.
    assert_eq!(
        outbox_topics(&admin, &a).await,
        [
            "alert.opened",
            "alert.opened",
            "alert.acknowledged",
            "alert.resolved",
            "alert.resolved",
            "alert.opened",
            "alert.opened"
        ]
    );
    assert!(admin.audit_actions(&a).await.contains(&"alert.acknowledged".to_string()));
}

/// The platform list shows every tenant's unresolved alerts; tenants' people can't read it.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn the_platform_sees_every_tenants_alerts(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "First Alerting", "starter").await;
    let b = active_tenant(&admin, "Second Alerting", "starter").await;
    for t in [&a, &b] {
        scale(&admin, t, 10).await;
        use_calls(&admin, t, 9, "p-1").await;
    }
    alerts::evaluate(&admin.state).await.unwrap();
    let caller = tenantry::server::access::Caller::system();
    let limits =
        tenantry::server::services::resources::near_limits(&admin.pool, &caller, Default::default()).await.unwrap();
    let mut names: Vec<&str> = limits.alerts.iter().map(|x| x.tenant_name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["First Alerting", "Second Alerting"]);
    // Resolved ones leave the list.
    scale(&admin, &b, 100).await;
    alerts::evaluate(&admin.state).await.unwrap();
    let limits =
        tenantry::server::services::resources::near_limits(&admin.pool, &caller, Default::default()).await.unwrap();
    let names: Vec<&str> = limits.alerts.iter().map(|x| x.tenant_name.as_str()).collect();
    assert_eq!(names, ["First Alerting"]);
}
