//! Lifecycle transitions over REST: legal ones pass, illegal ones are 409, conflicting
//! concurrent ones let exactly one win.

use crate::helpers::*;
use http::StatusCode;
use serde_json::json;

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn walk_the_lifecycle(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let t = app.create("Walker", "starter", "us-west-2").await;
    let id = t["id"].as_str().unwrap().to_string();
    let post = |action: &'static str, body: Option<serde_json::Value>| {
        let app = &app;
        let id = id.clone();
        async move { app.call("POST", &format!("/api/v1/tenants/{id}/{action}"), body).await }
    };

    // Pending can't be suspended or resumed.
    let (s, b) = post("suspend", Some(json!({ "reason": "x" }))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    let (s, _) = post("resume", None).await;
    assert_eq!(s, StatusCode::CONFLICT);

    let (s, b) = post("activate", None).await;
    assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("active")));
    assert!(b["activated_at"].is_string());

    // Suspend needs a reason.
    let (s, b) = post("suspend", None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b["error"]["fields"]["reason"].is_string());
    let (s, b) = post("suspend", Some(json!({ "reason": "   " }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");

    let (s, b) = post("suspend", Some(json!({ "reason": "Payment overdue" }))).await;
    assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("suspended")));
    assert_eq!(b["status_reason"], "Payment overdue");
    let (s, _) = post("suspend", Some(json!({ "reason": "again" }))).await;
    assert_eq!(s, StatusCode::CONFLICT);

    let (s, b) = post("resume", None).await;
    assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("active")));
    assert_eq!(b["status_reason"], serde_json::Value::Null);

    let (s, b) = post("terminate", Some(json!({ "reason": "Closed" }))).await;
    assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("terminated")));
    for action in ["activate", "resume", "terminate"] {
        let (s, _) = post(action, Some(json!({ "reason": "x" }))).await;
        assert_eq!(s, StatusCode::CONFLICT, "{action} after terminated");
    }
    assert_eq!(
        app.audit_actions(&id).await,
        [
            "tenant.created",
            "tenant.provisioning",
            "tenant.provisioned",
            "tenant.activated",
            "tenant.suspended",
            "tenant.resumed",
            "tenant.terminating",
            "tenant.access_revoked",
            "tenant.terminated",
        ]
    );
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn concurrent_conflicting_transitions_one_wins(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    // The same action twice at once: whichever commits first wins, the other finds the
    // tenant moved (or its workflow running) and gets 409, and only the winner's audit
    // events exist. Activating joins the provisioning queued at creation, so an activation
    // that arrives while it runs succeeds too (one that arrives after it finished finds the
    // tenant active: 409); either way provisioning happens once.
    let cases = [
        ("activate", false, &["tenant.provisioning", "tenant.provisioned", "tenant.activated"][..]),
        ("suspend", true, &["tenant.suspended"][..]),
        ("terminate", true, &["tenant.terminating", "tenant.access_revoked", "tenant.terminated"][..]),
    ];
    for round in 0..9 {
        let (action, activate_first, winner_events) = cases[round % 3];
        let t = app.create(&format!("Racer {round}"), "free", "us-east-1").await;
        let id = t["id"].as_str().unwrap().to_string();
        if activate_first {
            let (s, _) = app.call("POST", &format!("/api/v1/tenants/{id}/activate"), None).await;
            assert_eq!(s, StatusCode::OK);
        }
        let before = app.audit_actions(&id).await.len();
        let uri = format!("/api/v1/tenants/{id}/{action}");
        let a = app.call("POST", &uri, Some(json!({ "reason": "race a" })));
        let b = app.call("POST", &uri, Some(json!({ "reason": "race b" })));
        let ((sa, ba), (sb, bb)) = tokio::join!(a, b);
        let mut statuses = [sa, sb];
        statuses.sort();
        if action == "activate" {
            assert_eq!(statuses[0], StatusCode::OK, "round {round}: {ba} / {bb}");
            for (s, body) in [(sa, &ba), (sb, &bb)] {
                match s {
                    StatusCode::OK => assert_eq!(body["status"], "active", "round {round}: {body}"),
                    StatusCode::CONFLICT => assert_eq!(error_code(body), "conflict", "round {round}: {body}"),
                    other => panic!("round {round}: activation answered {other}: {body}"),
                }
            }
        } else {
            assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "round {round}: {ba} / {bb}");
            let loser = if sa == StatusCode::CONFLICT { ba } else { bb };
            assert_eq!(error_code(&loser), "conflict");
        }
        let actions = app.audit_actions(&id).await;
        assert_eq!(&actions[before..], winner_events, "round {round}");
    }
}
