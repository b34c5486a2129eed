//! O3: the database goes away for 20 seconds under a real server process (its own
//! PostgreSQL cluster, so other tests are not disturbed). Pages answer a clear 503 page,
//! the API a 503 JSON error, the process never crashes, its workers carry on by themselves
//! when the database is back, and nothing committed before the outage is lost.

use crate::real_server::{wait_until, Cluster, Server};
use reqwest::header::{ACCEPT, COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tenantry::server::mail_sink::MailSink;

const PASSWORD: &str = "process test password";

struct Client {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Client {
    async fn sign_in(port: u16) -> Client {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let res = http
            .post(format!("{base}/api/sign_in"))
            .header(ACCEPT, "application/json")
            .form(&[("email", "admin@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success() || res.status().is_redirection(), "sign-in: {}", res.status());
        let cookie = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.contains("session="))
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_string();
        Client { http, base, cookie }
    }

    async fn json(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).header(COOKIE, &self.cookie);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("{path}: no answer: {e}"));
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn page(&self, path: &str) -> (StatusCode, Option<String>, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: no answer: {e}"));
        let retry = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
        (res.status(), retry, res.text().await.unwrap())
    }

    async fn tenant(&self, id: &str) -> Value {
        let (s, t) = self.json(reqwest::Method::GET, &format!("/api/v1/tenants/{id}"), None).await;
        assert_eq!(s, StatusCode::OK, "{t}");
        t
    }
}

#[tokio::test]
async fn the_portal_rides_out_a_database_outage() {
    let cluster = Cluster::start();
    let url = cluster.create_db("tenantry").await;
    let sink = MailSink::start("127.0.0.1:0".parse().unwrap(), None).await.unwrap();
    let smtp = format!("smtp://{}", sink.addr);
    let env = [
        ("TENANTRY_ADMIN_EMAIL", "admin@example.com"),
        ("TENANTRY_DATABASE__ACQUIRE_TIMEOUT_SECS", "2"),
        // Provisioning steps take a moment, so the outage lands in the middle of a run.
        ("TENANTRY_WORKFLOWS__STEP_DELAY_MS", "300"),
    ];
    let mut server = Server::start(&url, &smtp, &env).await;
    let c = Client::sign_in(server.port).await;

    // Before: one tenant fully provisioned, one whose provisioning is under way.
    let create = |name: &'static str| {
        let c = &c;
        async move {
            let body = json!({ "name": name, "plan": "starter", "region": "eu-west-1" });
            let (s, t) = c.json(reqwest::Method::POST, "/api/v1/tenants", Some(body)).await;
            assert_eq!(s, StatusCode::CREATED, "{t}");
            t["id"].as_str().unwrap().to_string()
        }
    };
    let done = create("Before The Outage").await;
    wait_until("the first tenant is active", 60, || async { c.tenant(&done).await["status"] == "active" }).await;
    let midway = create("Caught Mid Way").await;
    tokio::time::sleep(Duration::from_millis(400)).await;

    cluster.down();
    let outage = Instant::now();
    let (mut pages, mut apis) = (0, 0);
    while outage.elapsed() < Duration::from_secs(20) {
        let (s, retry, body) = c.page("/tenants").await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "a page during the outage: {body}");
        assert!(body.contains("Tenantry is temporarily unavailable"), "{body}");
        assert!(retry.is_some(), "a 503 page says when to retry");
        pages += 1;

        let (s, e) = c.json(reqwest::Method::GET, "/api/v1/tenants", None).await;
        assert_eq!((s, e["error"]["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable")), "{e}");
        let body = json!({ "name": "During The Outage", "plan": "starter", "region": "eu-west-1" });
        let (s, e) = c.json(reqwest::Method::POST, "/api/v1/tenants", Some(body)).await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{e}");
        apis += 2;

        let (s, r) = c.json(reqwest::Method::GET, "/readyz", None).await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{r}");
        assert!(server.alive(), "the server process exited during the outage");
    }
    assert!(pages >= 2 && apis >= 4, "too few requests during the outage ({pages} pages, {apis} API calls)");

    cluster.up();
    // Back: ready again by itself, the same session still works, and the interrupted
    // provisioning run finishes without anyone retrying it.
    wait_until("ready again", 60, || async { c.json(reqwest::Method::GET, "/readyz", None).await.0 == StatusCode::OK })
        .await;
    assert_eq!(c.tenant(&done).await["status"], "active", "a committed change was lost");
    wait_until("the interrupted run finishes", 90, || async { c.tenant(&midway).await["status"] == "active" }).await;
    let (s, list) = c.json(reqwest::Method::GET, "/api/v1/tenants?q=outage", None).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let names: Vec<&str> = list["items"].as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["Before The Outage"], "refused writes left nothing behind");
    let (s, _, body) = c.page("/tenants").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body.contains("Caught Mid Way"));
    assert!(server.alive());
}
