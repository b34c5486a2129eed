//! Health monitoring (H2–H4) against real HTTP servers started by each test: every way a
//! service fails gives the right state and cause, one blip opens nothing, incidents open,
//! are acknowledged and close, alerts go out only for announced incidents, and probe
//! targets obey the outbound policy.

use crate::helpers::*;
use crate::real_server::free_port;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tenantry::server::config::Config;

/// Allows probes to this machine (tests only).
fn local() -> Config {
    let mut c = Config::default();
    c.outbound.allow = vec!["127.0.0.1".into(), "localhost".into()];
    c
}

/// A service under test: `/ok`, `/status` (what `code` says), `/slow` (400 ms), `/hang`
/// (10 s), `/text`, `/loop` (redirects to itself), `/huge` (20 MB) and `/redirect` (to
/// `/ok`).
struct Service {
    port: u16,
    code: Arc<AtomicU16>,
    task: tokio::task::JoinHandle<()>,
}

impl Service {
    async fn start() -> Service {
        Self::on(free_port()).await
    }

    async fn on(port: u16) -> Service {
        use axum::routing::get;
        let code = Arc::new(AtomicU16::new(200));
        let c = code.clone();
        let app = axum::Router::new()
            .route("/ok", get(|| async { "all ok" }))
            .route(
                "/status",
                get(move || {
                    let c = c.clone();
                    async move { (StatusCode::from_u16(c.load(Ordering::SeqCst)).unwrap(), "status ok") }
                }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                    "slow ok"
                }),
            )
            .route(
                "/hang",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    "late"
                }),
            )
            .route("/text", get(|| async { "something else entirely" }))
            .route("/loop", get(|| async { (StatusCode::FOUND, [("location", "/loop")], "") }))
            .route("/redirect", get(|| async { (StatusCode::FOUND, [("location", "/ok")], "") }))
            .route(
                "/huge",
                get(|| async {
                    let chunk = bytes_of(1024 * 1024);
                    let stream = futures::stream::iter((0..20).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
                    axum::body::Body::from_stream(stream)
                }),
            );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Service { port, code, task }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn stop(self) -> u16 {
        self.task.abort();
        self.port
    }
}

fn bytes_of(n: usize) -> axum::body::Bytes {
    axum::body::Bytes::from(vec![b'x'; n])
}

/// Adds a check; answers its id.
async fn add(app: &TestApp, tenant: &str, body: Value) -> String {
    let (s, c) = app.call("POST", &format!("/api/v1/tenants/{tenant}/health-checks"), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_string()
}

/// Makes every check due and runs one prober round; answers the checks as listed.
async fn round(app: &TestApp, tenant: &str) -> Vec<Value> {
    sqlx::query("update health_checks set next_due_at = now()").execute(&app.pool).await.unwrap();
    tenantry::server::prober::probe_due(&app.state).await.unwrap();
    let (s, list) = app.get(&format!("/api/v1/tenants/{tenant}/health-checks")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

async fn run(app: &TestApp, tenant: &str, check: &str) -> Value {
    let (s, r) = app.call("POST", &format!("/api/v1/tenants/{tenant}/health-checks/{check}/run"), None).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r
}

/// The `health.*` events of the tenant in the outbox, oldest first.
async fn health_events(app: &TestApp, tenant: &str) -> Vec<String> {
    sqlx::query_scalar("select topic from outbox where tenant_id = $1 and topic like 'health.%' order by id")
        .bind(uuid::Uuid::parse_str(tenant).unwrap())
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

fn check(url: &str) -> Value {
    json!({ "name": "Svc", "url": url, "interval_secs": 10, "timeout_ms": 1000, "down_after": 1, "up_after": 1 })
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn every_failure_has_its_state_and_cause(pool: sqlx::PgPool) {
    let admin = TestApp::with_config(pool, local()).await;
    let a = active_tenant(&admin, "Probed Alpha", "starter").await;
    let svc = Service::start().await;
    svc.code.store(503, Ordering::SeqCst);
    let refused = format!("http://127.0.0.1:{}/", free_port());
    let cases = [
        (svc.url("/ok"), json!({}), "up", Value::Null),
        (svc.url("/status"), json!({}), "down", json!("status")),
        (svc.url("/slow"), json!({ "slow_ms": 200 }), "degraded", json!("slow")),
        (svc.url("/hang"), json!({}), "down", json!("timeout")),
        (refused, json!({}), "down", json!("refused")),
        (svc.url("/text"), json!({ "body_contains": "all ok" }), "degraded", json!("text")),
        (svc.url("/loop"), json!({}), "down", json!("redirects")),
        (svc.url("/redirect"), json!({ "body_contains": "all ok" }), "up", Value::Null),
        // 20 MB answered: only the first 64 KiB are read; the status decides.
        (svc.url("/huge"), json!({}), "up", Value::Null),
    ];
    for (i, (url, extra, want, cause)) in cases.into_iter().enumerate() {
        let mut body = check(&url);
        body["name"] = json!(format!("Case {i}"));
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let id = add(&admin, &a, body).await;
        let r = run(&admin, &a, &id).await;
        assert_eq!(r["cause"], cause, "{url}: {r}");
        let (_, c) = admin.get(&format!("/api/v1/tenants/{a}/health-checks")).await;
        let c = c.as_array().unwrap().iter().find(|c| c["id"] == id.as_str()).unwrap().clone();
        assert_eq!(c["state"], want, "{url}: {c}");
    }
    svc.stop();
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn one_blip_opens_nothing_and_n_failures_open_an_incident_that_closes_after_m(pool: sqlx::PgPool) {
    let (admin, sink) = with_mail(pool, |c| c.outbound.allow = vec!["127.0.0.1".into()]).await;
    let a = active_tenant(&admin, "Flaky Alpha", "starter").await;
    admin.member(&a, "owner@flaky.example", tenantry::model::Role::Owner).await;
    let svc = Service::start().await;
    let id = add(
        &admin,
        &a,
        json!({ "name": "API", "url": svc.url("/status"), "interval_secs": 10, "timeout_ms": 1000,
                "down_after": 3, "up_after": 2 }),
    )
    .await;
    assert_eq!(round(&admin, &a).await[0]["state"], "up");
    // A blip: one failure, then fine. Nothing opens.
    svc.code.store(500, Ordering::SeqCst);
    assert_eq!(round(&admin, &a).await[0]["state"], "up");
    svc.code.store(200, Ordering::SeqCst);
    assert_eq!(round(&admin, &a).await[0]["state"], "up");
    let incidents = |app: TestApp, a: String| async move {
        let (s, v) = app.get(&format!("/api/v1/tenants/{a}/incidents")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v.as_array().unwrap().clone()
    };
    assert!(incidents(admin.clone(), a.clone()).await.is_empty());
    // Three failures in a row: the third is re-checked at once, and the service is down.
    svc.code.store(503, Ordering::SeqCst);
    for _ in 0..2 {
        assert_eq!(round(&admin, &a).await[0]["state"], "up");
    }
    let now = round(&admin, &a).await;
    assert_eq!(now[0]["state"], "down", "{}", now[0]);
    let (_, results) = admin.get(&format!("/api/v1/tenants/{a}/health-checks/{id}/results")).await;
    // 1 up, blip, 1 up, 3 failures and the confirming re-check.
    assert_eq!(results.as_array().unwrap().len(), 7, "{results}");
    let open = incidents(admin.clone(), a.clone()).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["state"], "down");
    assert_eq!(open[0]["cause"], "status");
    assert_eq!(open[0]["ended_at"], Value::Null);
    assert!(!open[0]["responses"].as_array().unwrap().is_empty());
    let topics = health_events(&admin, &a).await;
    assert_eq!(topics, ["health.down"]);
    // The owner is emailed once.
    assert_eq!(tenantry::server::prober::apply::mail(&admin.state).await.unwrap(), 1);
    assert_eq!(tenantry::server::prober::apply::mail(&admin.state).await.unwrap(), 0);
    let mail = sink.wait_for(1).await;
    let to_owner =
        mail.iter().find(|m| m.to.iter().any(|t| t.contains("owner@flaky.example"))).expect("an email to the owner");
    assert!(to_owner.data.contains("API is down"), "{}", to_owner.data);

    // Acknowledged with a note.
    let inc = open[0]["id"].as_str().unwrap();
    let (s, acked) = admin
        .call("POST", &format!("/api/v1/tenants/{a}/incidents/{inc}/acknowledge"), Some(json!({ "note": "on it" })))
        .await;
    assert_eq!(s, StatusCode::OK, "{acked}");
    assert_eq!(acked["ack_note"], "on it");
    assert_eq!(acked["acknowledged_by"], "admin@example.com");
    let (s, bad) = admin
        .call(
            "POST",
            &format!("/api/v1/tenants/{a}/incidents/{inc}/acknowledge"),
            Some(json!({ "silence_minutes": -5 })),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");

    // Back: one success is not enough (M = 2), the second closes the incident.
    svc.code.store(200, Ordering::SeqCst);
    assert_eq!(round(&admin, &a).await[0]["state"], "down");
    assert_eq!(round(&admin, &a).await[0]["state"], "up");
    let closed = incidents(admin.clone(), a.clone()).await;
    assert!(closed[0]["ended_at"].is_string(), "{}", closed[0]);
    let topics = health_events(&admin, &a).await;
    assert_eq!(topics, ["health.down", "health.recovered"]);
    assert_eq!(tenantry::server::prober::apply::mail(&admin.state).await.unwrap(), 1);
    // Uptime comes from the rollups: 9 probes, 5 down (the blip, 3 failures, the re-check).
    let (_, tab) = admin.get("/api/v1/health/overview").await;
    let row = &tab["rows"][0];
    assert_eq!(row["uptime_24h"]["total"], 9, "{row}");
    assert_eq!(row["uptime_24h"]["down"], 5, "{row}");
    assert_eq!(tab["up"], 1);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_silenced_check_announces_nothing_and_its_recovery_neither(pool: sqlx::PgPool) {
    let admin = TestApp::with_config(pool, local()).await;
    let a = active_tenant(&admin, "Quiet Alpha", "starter").await;
    let svc = Service::start().await;
    let id = add(&admin, &a, check(&svc.url("/status"))).await;
    assert_eq!(round(&admin, &a).await[0]["state"], "up");
    sqlx::query("update health_checks set silenced_until = now() + interval '1 hour' where id = $1")
        .bind(uuid::Uuid::parse_str(&id).unwrap())
        .execute(&admin.pool)
        .await
        .unwrap();
    svc.code.store(500, Ordering::SeqCst);
    assert_eq!(round(&admin, &a).await[0]["state"], "down");
    svc.code.store(200, Ordering::SeqCst);
    assert_eq!(round(&admin, &a).await[0]["state"], "up");
    let (_, incidents) = admin.get(&format!("/api/v1/tenants/{a}/incidents")).await;
    assert_eq!(incidents[0]["announced"], false, "{incidents}");
    assert!(incidents[0]["ended_at"].is_string());
    let events: i64 = sqlx::query_scalar("select count(*) from outbox where topic like 'health.%'")
        .fetch_one(&admin.pool)
        .await
        .unwrap();
    assert_eq!(events, 0);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn targets_obey_the_outbound_policy_and_fields_are_checked(pool: sqlx::PgPool) {
    // No allow-list: loopback, private and metadata addresses are refused.
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Guarded Alpha", "starter").await;
    for url in
        ["http://127.0.0.1:8080/", "http://169.254.169.254/latest/meta-data", "http://10.0.0.5/", "http://[::1]/"]
    {
        let (s, e) = admin.call("POST", &format!("/api/v1/tenants/{a}/health-checks"), Some(check(url))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {e}");
        assert!(e["error"]["fields"]["url"].is_string(), "{e}");
    }
    let (s, e) = admin
        .call(
            "POST",
            &format!("/api/v1/tenants/{a}/health-checks"),
            Some(json!({ "name": "", "url": "ftp://example.com", "interval_secs": 5, "timeout_ms": 20000 })),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    for f in ["name", "url", "interval_secs", "timeout_ms"] {
        assert!(e["error"]["fields"][f].is_string(), "{f}: {e}");
    }
    // A check stored before the policy changed is refused when probed, not sent.
    let svc = Service::start().await;
    let local_admin = admin.reconfigured(local());
    let id = add(&local_admin, &a, check(&svc.url("/ok"))).await;
    let r = run(&admin, &a, &id).await;
    assert_eq!(r["cause"], "blocked", "{r}");
    // A redirect to the metadata address is refused at the hop.
    let (s, _) = admin.call("DELETE", &format!("/api/v1/tenants/{a}/health-checks/{id}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = admin.call("DELETE", &format!("/api/v1/tenants/{a}/health-checks/{id}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn members_read_and_only_admins_manage(pool: sqlx::PgPool) {
    let admin = TestApp::with_config(pool, local()).await;
    let a = active_tenant(&admin, "Roles Alpha", "starter").await;
    let b = active_tenant(&admin, "Roles Beta", "starter").await;
    let svc = Service::start().await;
    let id = add(&admin, &a, check(&svc.url("/ok"))).await;
    add(&admin, &b, json!({ "name": "Beta secret", "url": svc.url("/ok"), "interval_secs": 10, "timeout_ms": 1000 }))
        .await;
    let viewer = admin.member(&a, "viewer@roles.example", tenantry::model::Role::Viewer).await;
    let (s, list) = viewer.get(&format!("/api/v1/tenants/{a}/health-checks")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains("Beta secret"));
    let (s, _) = viewer.call("POST", &format!("/api/v1/tenants/{a}/health-checks/{id}/run"), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = viewer.get(&format!("/api/v1/tenants/{b}/health-checks")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = viewer.get("/api/v1/health/overview").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The name is unique per tenant.
    let (s, e) = admin.call("POST", &format!("/api/v1/tenants/{a}/health-checks"), Some(check(&svc.url("/ok")))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
}

/// TLS: a certificate made by a CA the prober trusts (`[health] extra_roots_pem`), and one
/// nobody trusts.
mod tls {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;

    struct Ca {
        cert: rcgen::Certificate,
        key: rcgen::KeyPair,
    }

    fn ca() -> Ca {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        p.distinguished_name.push(rcgen::DnType::CommonName, "Tenantry Test CA");
        Ca { cert: p.self_signed(&key).unwrap(), key }
    }

    /// A certificate for localhost valid for `days` more days, by `ca` (or self-signed).
    fn leaf(ca: Option<&Ca>, days: i64) -> (Vec<u8>, Vec<u8>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut p = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        let end = chrono::Utc::now() + chrono::Duration::days(days) + chrono::Duration::hours(12);
        use chrono::Datelike;
        p.not_after = rcgen::date_time_ymd(end.year(), end.month() as u8, end.day() as u8);
        let cert = match ca {
            Some(ca) => p.signed_by(&key, &ca.cert, &ca.key).unwrap(),
            None => p.self_signed(&key).unwrap(),
        };
        (cert.der().to_vec(), key.serialize_der())
    }

    /// Serves `200 ok` over TLS with the certificate, on a free port.
    async fn serve((cert, key): (Vec<u8>, Vec<u8>)) -> u16 {
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![rustls::pki_types::CertificateDer::from(cert)],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.into()),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let mut buf = [0u8; 4096];
                    let _ = tls.read(&mut buf).await;
                    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        port
    }

    #[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
    async fn self_signed_fails_and_an_expiring_certificate_degrades(pool: sqlx::PgPool) {
        let ca = ca();
        let dir = std::env::temp_dir().join(format!("tenantry-ca-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let pem = dir.join("ca.pem");
        std::fs::write(&pem, ca.cert.pem()).unwrap();
        let mut config = local();
        config.health.extra_roots_pem = pem.to_string_lossy().into_owned();
        let admin = TestApp::with_config(pool, config).await;
        let a = active_tenant(&admin, "Secure Alpha", "starter").await;
        let fine = serve(leaf(Some(&ca), 90)).await;
        let expiring = serve(leaf(Some(&ca), 3)).await;
        let untrusted = serve(leaf(None, 90)).await;
        let cases = [
            (fine, "up", Value::Null),
            (expiring, "degraded", json!("certificate")),
            (untrusted, "down", json!("tls")),
        ];
        for (i, (port, want, cause)) in cases.into_iter().enumerate() {
            let url = format!("https://localhost:{port}/");
            let id = add(
                &admin,
                &a,
                json!({ "name": format!("TLS {i}"), "url": url, "interval_secs": 10, "timeout_ms": 2000,
                        "down_after": 1, "cert_expiry_days": 14 }),
            )
            .await;
            let r = run(&admin, &a, &id).await;
            assert_eq!(r["cause"], cause, "{url}: {r}");
            let (_, c) = admin.get(&format!("/api/v1/tenants/{a}/health-checks")).await;
            let c = c.as_array().unwrap().iter().find(|c| c["id"] == id.as_str()).unwrap().clone();
            assert_eq!(c["state"], want, "{c}");
            if want == "degraded" {
                let days = r["cert_days_left"].as_i64().unwrap();
                assert!((2..=3).contains(&days), "{r}");
            }
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_stopped_service_goes_down_and_comes_back(pool: sqlx::PgPool) {
    let admin = TestApp::with_config(pool, local()).await;
    let a = active_tenant(&admin, "Restarted Alpha", "starter").await;
    let svc = Service::start().await;
    add(&admin, &a, check(&svc.url("/ok"))).await;
    assert_eq!(round(&admin, &a).await[0]["state"], "up");
    let port = svc.stop();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let c = round(&admin, &a).await;
    assert_eq!(c[0]["state"], "down", "{}", c[0]);
    assert_eq!(c[0]["last_cause"], "refused");
    let svc = Service::on(port).await;
    assert_eq!(round(&admin, &a).await[0]["state"], "up");
    svc.stop();
}

/// Two real server processes on one database: each check is probed once per interval
/// (never by both), and when one process is SIGKILLed its checks go on on the other.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn two_processes_probe_each_check_once_and_survive_a_kill(pool: sqlx::PgPool) {
    use crate::real_server::{database_url, Server};
    let admin = TestApp::with_config(pool.clone(), local()).await;
    let svc = Service::start().await;
    let mut checks = Vec::new();
    for t in 0..2 {
        let a = active_tenant(&admin, &format!("Shared Probes {t}"), "starter").await;
        for i in 0..5 {
            let id = add(
                &admin,
                &a,
                json!({ "name": format!("Svc {i}"), "url": svc.url("/ok"), "interval_secs": 10, "timeout_ms": 1000 }),
            )
            .await;
            checks.push(uuid::Uuid::parse_str(&id).unwrap());
        }
    }
    let url = database_url(&pool);
    let sink = tenantry::server::mail_sink::MailSink::start("127.0.0.1:0".parse().unwrap(), None).await.unwrap();
    let smtp = format!("smtp://{}", sink.addr);
    let env = [("TENANTRY_OUTBOUND__ALLOW", "127.0.0.1")];
    let first = Server::start(&url, &smtp, &env).await;
    let second = Server::start(&url, &smtp, &env).await;
    tokio::time::sleep(Duration::from_secs(32)).await;
    // Who probed what is not recorded, but a check probed by both would show two results
    // within its interval: consecutive results of every check are ~10 s apart.
    let gaps = |pool: sqlx::PgPool| async move {
        let rows: Vec<(uuid::Uuid, i64, Option<f64>)> = sqlx::query_as(
            "select check_id, count(*), min(gap) from (
                 select check_id, extract(epoch from at - lag(at) over (partition by check_id order by at))::float8 as gap
                 from health_results) g group by check_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        rows
    };
    let before = gaps(pool.clone()).await;
    assert_eq!(before.len(), checks.len(), "every check was probed: {before:?}");
    for (id, n, min_gap) in &before {
        assert!((2..=4).contains(n), "{id}: {n} probes in 32 s at a 10 s interval");
        assert!(min_gap.unwrap_or(10.0) >= 9.0, "{id} was probed twice within its interval: {min_gap:?}");
    }
    first.kill();
    let killed_at = chrono::Utc::now();
    tokio::time::sleep(Duration::from_secs(25)).await;
    // Every check went on: probed at least once more after the kill, by the survivor
    // (a check claimed by the killed process is due again when its lease lapses).
    let since: Vec<(uuid::Uuid, i64)> =
        sqlx::query_as("select check_id, count(*) from health_results where at > $1 group by check_id")
            .bind(killed_at)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(since.len(), checks.len(), "every check was probed after the kill: {since:?}");
    for (id, _, min_gap) in gaps(pool.clone()).await {
        assert!(min_gap.unwrap_or(10.0) >= 6.0, "{id} was probed twice within its interval: {min_gap:?}");
    }
    drop(second);
    svc.stop();
}
