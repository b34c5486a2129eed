//! Signed webhooks (issue 12: E2) against a real local HTTP receiver. Signatures are
//! checked with a verifier written here from the Standard Webhooks specification, not
//! with the portal's own signing code.

use crate::helpers::*;
use crate::real_server::{database_url, free_port, wait_until, Server};
use crate::usage::active_tenant;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use base64::Engine;
use hmac::{Hmac, Mac};
use http::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tenantry::model::Role;
use tenantry::server::config::Config;
use tenantry::server::webhooks::deliver;
use tokio::sync::Notify;

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

#[derive(Default)]
struct ReceiverState {
    got: Mutex<Vec<Received>>,
    /// Answers to give, in order (status, Retry-After); then 200.
    answers: Mutex<VecDeque<(u16, Option<&'static str>)>>,
    /// While set, requests are held without an answer.
    hold: Mutex<bool>,
    arrived: Notify,
}

/// A real HTTP server on 127.0.0.1 that records what it is sent.
#[derive(Clone)]
struct Receiver {
    state: Arc<ReceiverState>,
    port: u16,
}

async fn receive(State(s): State<Arc<ReceiverState>>, headers: HeaderMap, body: String) -> axum::response::Response {
    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    s.got.lock().unwrap().push(Received {
        id: h("webhook-id"),
        timestamp: h("webhook-timestamp"),
        signature: h("webhook-signature"),
        body,
    });
    s.arrived.notify_waiters();
    while *s.hold.lock().unwrap() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let next = s.answers.lock().unwrap().pop_front();
    match next {
        Some((code, retry)) => {
            let mut res = (StatusCode::from_u16(code).unwrap(), "not now").into_response();
            if let Some(r) = retry {
                res.headers_mut().insert(http::header::RETRY_AFTER, r.parse().unwrap());
            }
            res
        }
        None => (StatusCode::OK, "thanks").into_response(),
    }
}

impl Receiver {
    async fn start() -> Receiver {
        Self::on(0).await
    }

    async fn on(port: u16) -> Receiver {
        let state = Arc::new(ReceiverState::default());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { state, port }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn got(&self) -> Vec<Received> {
        self.state.got.lock().unwrap().clone()
    }

    fn answer(&self, answers: &[(u16, Option<&'static str>)]) {
        self.state.answers.lock().unwrap().extend(answers.iter().copied());
    }
}

/// The Standard Webhooks check, from the specification: base64(HMAC-SHA256(key,
/// "{id}.{timestamp}.{body}")) with the key the base64 after `whsec_`, compared with each
/// space-separated `v1,` signature.
fn verifies(secret: &str, r: &Received) -> bool {
    let key = base64::engine::general_purpose::STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    r.signature.split(' ').any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

fn local() -> Config {
    let mut c = Config::default();
    c.outbound.allow = vec!["127.0.0.1".into()];
    c.webhooks.timeout_secs = 2;
    c
}

async fn add(app: &TestApp, tenant: &str, url: &str, topics: Value) -> (String, String) {
    let (s, body) = app
        .call("POST", &format!("/api/v1/tenants/{tenant}/webhooks"), Some(json!({ "url": url, "topics": topics })))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    (body["endpoint"]["id"].as_str().unwrap().to_string(), body["secret"].as_str().unwrap().to_string())
}

async fn round(app: &TestApp) {
    deliver::round(&app.state).await.expect("a delivery round");
}

/// Makes pending deliveries due now (instead of waiting out the retry schedule).
async fn due_now(app: &TestApp) {
    sqlx::query("update webhook_deliveries set next_attempt_at = now() where status = 'pending'")
        .execute(&app.pool)
        .await
        .unwrap();
}

async fn log(app: &TestApp, tenant: &str, endpoint: &str) -> Vec<Value> {
    let (s, body) = app.get(&format!("/api/v1/tenants/{tenant}/webhooks/{endpoint}/deliveries")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

async fn test_event(app: &TestApp, tenant: &str, endpoint: &str) -> Value {
    let (s, body) = app.call("POST", &format!("/api/v1/tenants/{tenant}/webhooks/{endpoint}/test"), None).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    body
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn deliveries_are_signed_retried_with_the_same_id_and_logged(pool: sqlx::PgPool) {
    let admin = TestApp::with_config(pool, local()).await;
    let a = active_tenant(&admin, "Hooked Alpha", "starter").await;
    let rx = Receiver::start().await;
    let (ep, secret) = add(&admin, &a, &rx.url(), json!(["tenant.*"])).await;
    assert!(secret.starts_with("whsec_"));
    // The secret is never answered again.
    let (_, list) = admin.get(&format!("/api/v1/tenants/{a}/webhooks")).await;
    assert!(!list.to_string().contains(&secret));
    assert_eq!(list[0]["status"], "enabled");

    // The receiver fails first (503 asking for 60 s), then accepts.
    rx.answer(&[(503, Some("60"))]);
    let queued = test_event(&admin, &a, &ep).await;
    assert_eq!(queued["status"], "pending");
    round(&admin).await;
    let first = log(&admin, &a, &ep).await;
    assert_eq!(first[0]["status"], "pending");
    assert_eq!(first[0]["attempts"], 1);
    assert_eq!(first[0]["response_status"], 503);
    assert_eq!(first[0]["response_excerpt"], "not now");
    // The schedule says 5 s; the receiver's Retry-After (60 s) wins.
    let next: chrono::DateTime<chrono::Utc> = first[0]["next_attempt_at"].as_str().unwrap().parse().unwrap();
    let wait = (next - chrono::Utc::now()).num_seconds();
    assert!((50..=61).contains(&wait), "next attempt in {wait} s");
    // Not due yet: another round sends nothing.
    round(&admin).await;
    assert_eq!(rx.got().len(), 1);

    due_now(&admin).await;
    round(&admin).await;
    let got = rx.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id, got[1].id, "a retry keeps its webhook-id");
    assert_eq!(got[0].id, first[0]["msg_id"].as_str().unwrap());
    for r in &got {
        assert!(verifies(&secret, r), "signature {} does not verify", r.signature);
        let sent: i64 = r.timestamp.parse().unwrap();
        assert!((chrono::Utc::now().timestamp() - sent).abs() < 30);
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["type"], "webhook.test");
        assert_eq!(body["tenant_id"], a.as_str());
    }
    // A tampered body or another secret does not verify.
    let mut forged = got[1].clone();
    forged.body = forged.body.replace("test", "tost");
    assert!(!verifies(&secret, &forged));
    assert!(!verifies("whsec_b3RoZXIgc2VjcmV0IGtleQ==", &got[1]));
    let done = log(&admin, &a, &ep).await;
    assert_eq!(done[0]["status"], "succeeded");
    assert_eq!(done[0]["attempts"], 2);
    assert_eq!(done[0]["response_status"], 200);
    assert_eq!(done[0]["response_excerpt"], "thanks");
    assert!(done[0]["response_ms"].as_i64().unwrap() >= 0);

    // Events from the outbox: suspending the tenant is sent to a tenant.* endpoint, not to
    // one that subscribed to alerts only.
    let (alerts_only, _) = add(&admin, &a, &rx.url(), json!(["alert.*"])).await;
    let (s, body) =
        admin.call("POST", &format!("/api/v1/tenants/{a}/suspend"), Some(json!({ "reason": "webhook test" }))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    round(&admin).await;
    let got = rx.got();
    assert_eq!(got.len(), 3);
    let event: Value = serde_json::from_str(&got[2].body).unwrap();
    assert_eq!(event["type"], "tenant.suspended");
    assert_eq!(event["data"]["reason"], "webhook test");
    assert!(verifies(&secret, &got[2]));
    assert!(log(&admin, &a, &alerts_only).await.is_empty());
    // The outbox event was dispatched once: another round sends nothing more.
    round(&admin).await;
    assert_eq!(rx.got().len(), 3);
    let audit = admin.audit_actions(&a).await;
    assert!(audit.contains(&"webhook.created".to_string()), "{audit:?}");

    // Replay one delivery: a new delivery, the same webhook-id.
    let delivery = done[0]["id"].as_str().unwrap();
    let (s, replay) =
        admin.call("POST", &format!("/api/v1/tenants/{a}/webhooks/{ep}/deliveries/{delivery}/replay"), None).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{replay}");
    assert_eq!(replay["replay_of"], delivery);
    round(&admin).await;
    let got = rx.got();
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].id, got[0].id);
    // A range replay of failed deliveries: there are none; of all: three.
    let range = format!("/api/v1/tenants/{a}/webhooks/{ep}/replay");
    let since = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let (s, n) = admin.call("POST", &range, Some(json!({ "since": since }))).await;
    assert_eq!((s, n["replayed"].as_i64()), (StatusCode::ACCEPTED, Some(0)));
    let (s, n) = admin.call("POST", &range, Some(json!({ "since": since, "failed_only": false }))).await;
    assert_eq!((s, n["replayed"].as_i64()), (StatusCode::ACCEPTED, Some(3)));
    let (s, e) = admin.call("POST", &range, Some(json!({ "since": since, "until": since }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_receiver_down_then_up_gets_the_event_once_with_its_id(pool: sqlx::PgPool) {
    let admin = TestApp::with_config(pool, local()).await;
    let a = active_tenant(&admin, "Down Then Up", "starter").await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let (ep, secret) = add(&admin, &a, &url, json!(["*"])).await;
    let queued = test_event(&admin, &a, &ep).await;
    // Nobody listens: the attempt fails and is scheduled 5 s (±10 %) later.
    round(&admin).await;
    let l = log(&admin, &a, &ep).await;
    assert_eq!(l[0]["status"], "pending");
    assert_eq!(l[0]["response_status"], Value::Null);
    assert_eq!(l[0]["error"], "Could not connect to the endpoint.");
    let endpoint = &admin.get(&format!("/api/v1/tenants/{a}/webhooks")).await.1[0];
    assert!(endpoint["failing_since"].is_string(), "{endpoint}");

    let rx = Receiver::on(port).await;
    due_now(&admin).await;
    round(&admin).await;
    round(&admin).await;
    let got = rx.got();
    assert_eq!(got.len(), 1, "delivered once");
    assert_eq!(got[0].id, queued["msg_id"].as_str().unwrap());
    assert!(verifies(&secret, &got[0]));
    let endpoint = &admin.get(&format!("/api/v1/tenants/{a}/webhooks")).await.1[0];
    assert_eq!(endpoint["failing_since"], Value::Null, "a success ends the failure streak");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn gone_disables_and_five_days_of_failures_disable_and_tell_owners(pool: sqlx::PgPool) {
    let (admin, sink) = with_mail(pool, |c| {
        c.outbound.allow = vec!["127.0.0.1".into()];
        c.webhooks.batch = 1;
    })
    .await;
    let a = active_tenant(&admin, "Gone Away", "starter").await;
    admin.member(&a, "owner@gone.example", Role::Owner).await;
    let rx = Receiver::start().await;
    let (ep, _) = add(&admin, &a, &rx.url(), json!(["*"])).await;
    rx.answer(&[(410, None)]);
    test_event(&admin, &a, &ep).await;
    test_event(&admin, &a, &ep).await;
    // One is answered 410 (one delivery per round here); the endpoint is disabled and the
    // other fails with it.
    round(&admin).await;
    round(&admin).await;
    let endpoint = &admin.get(&format!("/api/v1/tenants/{a}/webhooks")).await.1[0];
    assert_eq!(endpoint["status"], "disabled", "{endpoint}");
    assert!(endpoint["disabled_reason"].as_str().unwrap().contains("410"));
    let l = log(&admin, &a, &ep).await;
    assert!(l.iter().all(|d| d["status"] == "failed"), "{l:?}");
    assert!(admin.audit_actions(&a).await.contains(&"webhook.disabled".to_string()));
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["owner@gone.example".to_string()]);
    assert!(mails[0].data.contains("410"), "{}", mails[0].data);
    // A disabled endpoint takes no test event and no replay; enabled, it does.
    let (s, _) = admin.call("POST", &format!("/api/v1/tenants/{a}/webhooks/{ep}/test"), None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, e) = admin.call("POST", &format!("/api/v1/tenants/{a}/webhooks/{ep}/enable"), None).await;
    assert_eq!((s, e["status"].as_str()), (StatusCode::OK, Some("enabled")));

    // Failing for five days (every attempt since): the next failure disables it.
    let (other, _) = add(&admin, &a, &rx.url(), json!(["*"])).await;
    sqlx::query("update webhook_endpoints set failing_since = now() - interval '6 days' where id = $1::uuid")
        .bind(&other)
        .execute(&admin.pool)
        .await
        .unwrap();
    rx.answer(&[(500, None)]);
    test_event(&admin, &a, &other).await;
    round(&admin).await;
    let list = admin.get(&format!("/api/v1/tenants/{a}/webhooks")).await.1;
    let e = list.as_array().unwrap().iter().find(|e| e["id"] == other.as_str()).unwrap().clone();
    assert_eq!(e["status"], "disabled");
    assert!(e["disabled_reason"].as_str().unwrap().contains("5 days"));
    let mails = sink.wait_for(2).await;
    assert!(mails[1].data.contains("5 days"), "{}", mails[1].data);
    // The first endpoint, enabled again and answered 200, is untouched.
    let first = list.as_array().unwrap().iter().find(|e| e["id"] == ep.as_str()).unwrap();
    assert_eq!(first["status"], "enabled");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_rotated_secret_overlaps_then_expires(pool: sqlx::PgPool) {
    let admin = TestApp::with_config(pool, local()).await;
    let a = active_tenant(&admin, "Rotating Keys", "starter").await;
    let rx = Receiver::start().await;
    let (ep, old) = add(&admin, &a, &rx.url(), json!(["*"])).await;
    let (s, rotated) = admin.call("POST", &format!("/api/v1/tenants/{a}/webhooks/{ep}/rotate-secret"), None).await;
    assert_eq!(s, StatusCode::OK, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert!(rotated["endpoint"]["previous_secret_expires_at"].is_string());
    test_event(&admin, &a, &ep).await;
    round(&admin).await;
    let r = &rx.got()[0];
    assert_eq!(r.signature.split(' ').count(), 2, "both signatures during the overlap");
    assert!(verifies(&new, r) && verifies(&old, r));
    // After the overlap only the new secret signs.
    sqlx::query("update webhook_endpoints set previous_expires_at = now() - interval '1 second'")
        .execute(&admin.pool)
        .await
        .unwrap();
    test_event(&admin, &a, &ep).await;
    round(&admin).await;
    let r = &rx.got()[1];
    assert_eq!(r.signature.split(' ').count(), 1);
    assert!(verifies(&new, r) && !verifies(&old, r));
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn ssrf_addresses_are_refused_when_registered_and_when_sent(pool: sqlx::PgPool) {
    let open = TestApp::with_config(pool, local()).await;
    let a = active_tenant(&open, "Careful Hooks", "starter").await;
    let strict = open.reconfigured(Config::default());
    let url = format!("/api/v1/tenants/{a}/webhooks");
    for target in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://10.0.0.7/hook",
        "http://192.168.1.1/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
    ] {
        let (s, body) = strict.call("POST", &url, Some(json!({ "url": target, "topics": ["*"] }))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{target}: {body}");
        assert!(body["error"]["fields"]["url"].as_str().unwrap().contains("[outbound] allow"), "{target}: {body}");
    }
    // Other rules of the body.
    for (body, field) in [
        (json!({ "url": "ftp://example.com/x", "topics": ["*"] }), "url"),
        (json!({ "url": "http://127.0.0.1:9/x", "topics": [] }), "topics"),
        (json!({ "url": "http://127.0.0.1:9/x", "topics": ["nope.*"] }), "topics"),
        (json!({ "url": "http://127.0.0.1:9/x", "topics": ["*"], "description": "x".repeat(201) }), "description"),
    ] {
        let (s, e) = open.call("POST", &url, Some(body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["error"]["fields"][field].is_string(), "{e}");
    }
    let (s, _) = open.call("POST", &url, Some(json!({ "url": "http://127.0.0.1:9/x" }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Registered while allowed, sent after the allow-list no longer names it: refused at
    // the connection, the receiver gets nothing.
    let rx = Receiver::start().await;
    let (ep, _) = add(&open, &a, &rx.url(), json!(["*"])).await;
    test_event(&open, &a, &ep).await;
    round(&strict).await;
    assert!(rx.got().is_empty());
    let l = log(&open, &a, &ep).await;
    assert!(l[0]["error"].as_str().unwrap().contains("outbound"), "{}", l[0]);
    // A name that resolves to loopback is refused by the resolver too.
    sqlx::query("update webhook_endpoints set url = $1")
        .bind(format!("http://localhost:{}/hook", rx.port))
        .execute(&open.pool)
        .await
        .unwrap();
    due_now(&open).await;
    round(&strict).await;
    assert!(rx.got().is_empty());
    let l = log(&open, &a, &ep).await;
    assert!(l[0]["error"].as_str().unwrap().contains("loopback"), "{}", l[0]);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn who_may_manage_webhooks_and_limits(pool: sqlx::PgPool) {
    let admin = TestApp::with_config(pool, local()).await;
    let a = active_tenant(&admin, "Guarded Hooks", "starter").await;
    let b = active_tenant(&admin, "Other Hooks", "starter").await;
    let owner = admin.member(&a, "owner@guarded.example", Role::Owner).await;
    let member = admin.member(&a, "member@guarded.example", Role::Member).await;
    let b_admin = admin.member(&b, "admin@other.example", Role::Admin).await;
    let rx = Receiver::start().await;
    let (ep, _) = add(&owner, &a, &rx.url(), json!(["alert.*"])).await;
    let url = format!("/api/v1/tenants/{a}/webhooks");
    let (s, _) = member.get(&url).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = b_admin.get(&url).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = b_admin.call("DELETE", &format!("/api/v1/tenants/{b}/webhooks/{ep}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "A's endpoint is not in B");
    let (s, _) = admin.call("DELETE", &format!("/api/v1/tenants/{a}/webhooks/not-an-id"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = admin.get(&format!("/api/v1/tenants/{a}/webhooks/{ep}/deliveries?limit=0")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // At most 20 endpoints.
    for _ in 1..20 {
        add(&owner, &a, &rx.url(), json!(["*"])).await;
    }
    let (s, e) = owner.call("POST", &url, Some(json!({ "url": rx.url(), "topics": ["*"] }))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, _) = owner.call("DELETE", &format!("{url}/{ep}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = owner.call("DELETE", &format!("{url}/{ep}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_server_killed_mid_delivery_delivers_after_restart(pool: sqlx::PgPool) {
    let admin = TestApp::with_config(pool.clone(), local()).await;
    let a = active_tenant(&admin, "Crash Hooks", "starter").await;
    let rx = Receiver::start().await;
    let (ep, secret) = add(&admin, &a, &rx.url(), json!(["*"])).await;
    *rx.state.hold.lock().unwrap() = true;
    let url = database_url(&pool);
    let env = [("TENANTRY_OUTBOUND__ALLOW", "127.0.0.1"), ("TENANTRY_WEBHOOKS__TIMEOUT_SECS", "2")];
    let server = Server::start(&url, "smtp://127.0.0.1:9", &env).await;
    let arrived = rx.state.arrived.notified();
    let queued = test_event(&admin, &a, &ep).await;
    tokio::time::timeout(std::time::Duration::from_secs(20), arrived).await.expect("the server sends the event");
    // Killed while the receiver holds the request: no answer was recorded.
    server.kill();
    *rx.state.hold.lock().unwrap() = false;
    assert_eq!(log(&admin, &a, &ep).await[0]["status"], "pending");
    let _again = Server::start(&url, "smtp://127.0.0.1:9", &env).await;
    let app = admin.clone();
    let (a2, ep2) = (a.clone(), ep.clone());
    wait_until("the delivery to succeed after the restart", 40, move || {
        let app = app.clone();
        let (a, ep) = (a2.clone(), ep2.clone());
        async move { log(&app, &a, &ep).await[0]["status"] == "succeeded" }
    })
    .await;
    let got = rx.got();
    assert_eq!(got.len(), 2, "the interrupted attempt and the one after the restart");
    assert!(got.iter().all(|r| r.id == queued["msg_id"].as_str().unwrap() && verifies(&secret, r)));
    assert_eq!(log(&admin, &a, &ep).await[0]["attempts"], 2);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn old_events_and_finished_deliveries_are_purged_pending_ones_kept(pool: sqlx::PgPool) {
    let admin = TestApp::with_config(pool, local()).await;
    let a = active_tenant(&admin, "Purged Hooks", "starter").await;
    let rx = Receiver::start().await;
    let (ep, _) = add(&admin, &a, &rx.url(), json!(["*"])).await;
    test_event(&admin, &a, &ep).await;
    round(&admin).await;
    rx.answer(&[(500, None)]);
    test_event(&admin, &a, &ep).await;
    round(&admin).await;
    let states: Vec<String> =
        log(&admin, &a, &ep).await.iter().map(|d| d["status"].as_str().unwrap().to_string()).collect();
    assert_eq!(states, vec!["pending", "succeeded"]);
    sqlx::query("update webhook_deliveries set created_at = now() - interval '40 days'")
        .execute(&admin.pool)
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let mut conn = admin.pool.acquire().await.unwrap();
    let gone = tenantry::db::webhooks::purge(
        &mut conn,
        now - chrono::Duration::days(7),
        now - chrono::Duration::days(30),
        100,
    )
    .await
    .unwrap();
    assert!(gone >= 1);
    let left = log(&admin, &a, &ep).await;
    assert_eq!(left.len(), 1, "the pending delivery stays");
    assert_eq!(left[0]["status"], "pending");
    // Outbox events dispatched a week ago go once the notifications worker has read them
    // too; undelivered ones stay, and so do those it hasn't read.
    let undelivered: i64 = sqlx::query_scalar("select count(*) from outbox where delivered_at is null")
        .fetch_one(&admin.pool)
        .await
        .unwrap();
    sqlx::query(
        "update outbox set delivered_at = now() - interval '8 days', notified_at = null where delivered_at is not null",
    )
    .execute(&admin.pool)
    .await
    .unwrap();
    let (week, month) = (now - chrono::Duration::days(7), now - chrono::Duration::days(30));
    tenantry::db::webhooks::purge(&mut conn, week, month, 100).await.unwrap();
    let all: i64 = sqlx::query_scalar("select count(*) from outbox").fetch_one(&admin.pool).await.unwrap();
    assert!(all > undelivered, "not notified yet: kept");
    sqlx::query("update outbox set notified_at = now() - interval '8 days'").execute(&admin.pool).await.unwrap();
    tenantry::db::webhooks::purge(&mut conn, week, month, 100).await.unwrap();
    let left: i64 = sqlx::query_scalar("select count(*) from outbox").fetch_one(&admin.pool).await.unwrap();
    assert_eq!(left, undelivered);
}
