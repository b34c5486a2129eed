use axum::body::Body;
use axum::Router;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::PgPool;
use tenantry::server::{config::Config, state::AppState};
use tower::ServiceExt;

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";
pub const ADMIN_EMAIL: &str = "admin@example.com";

/// How a test client proves who it is.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    /// The session cookie (`name=value`).
    Cookie(String),
    /// An API key.
    Bearer(String),
}

/// The real router on a real database, and one client's credentials.
#[derive(Clone)]
pub struct TestApp {
    pub app: Router,
    pub pool: PgPool,
    pub auth: Auth,
    /// The state behind the router (to drive workflows from the test).
    pub state: AppState,
}

impl TestApp {
    /// A client signed in as a platform admin (admin@example.com).
    pub async fn new(pool: PgPool) -> Self {
        Self::with_config(pool, Config::default()).await
    }

    pub async fn with_config(pool: PgPool, config: Config) -> Self {
        let state = AppState::new(pool.clone(), config);
        let anon = Self { app: tenantry::server::app(state.clone()), pool, auth: Auth::None, state };
        anon.create_user(ADMIN_EMAIL, "Ada Admin", true).await;
        anon.sign_in(ADMIN_EMAIL, PASSWORD).await
    }

    /// The same database and caller, served with another configuration (the session is in
    /// the database, so it stays valid).
    pub fn reconfigured(&self, config: Config) -> Self {
        let state = AppState::new(self.pool.clone(), config);
        Self { app: tenantry::server::app(state.clone()), state, ..self.clone() }
    }

    /// The same app, with nobody signed in.
    pub fn anon(&self) -> Self {
        Self { auth: Auth::None, ..self.clone() }
    }

    /// The same app, calling with an API key.
    pub fn with_key(&self, key: &str) -> Self {
        Self { auth: Auth::Bearer(key.to_string()), ..self.clone() }
    }

    /// A client calling with a new API key of `tenant` with `scopes`, made through the REST
    /// API by this client.
    pub async fn with_new_key(&self, tenant: &str, scopes: &[&str]) -> Self {
        let (s, k) = self
            .call(
                "POST",
                &format!("/api/v1/tenants/{tenant}/api-keys"),
                Some(json!({ "name": "svc", "scopes": scopes })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{k}");
        self.with_key(k["secret"].as_str().unwrap())
    }

    /// Creates an account directly (as the system), password `PASSWORD`.
    pub async fn create_user(&self, email: &str, name: &str, is_platform_admin: bool) -> uuid::Uuid {
        let new = tenantry::server::services::users::NewUser {
            email: email.into(),
            name: name.into(),
            password: PASSWORD.into(),
            is_platform_admin,
        };
        tenantry::server::services::users::create(&self.pool, &tenantry::server::access::Caller::system(), new)
            .await
            .expect("create user")
    }

    /// Signs in through the real sign-in server function; the returned client carries the cookie.
    pub async fn sign_in(&self, email: &str, password: &str) -> Self {
        let (status, headers, body) = self.sign_in_raw(email, password).await;
        assert!(status.is_success() || status.is_redirection(), "sign-in failed: {status} {body}");
        let cookie = session_cookie(&headers).expect("a session cookie");
        Self { auth: Auth::Cookie(cookie), ..self.clone() }
    }

    pub async fn sign_in_raw(&self, email: &str, password: &str) -> (StatusCode, http::HeaderMap, String) {
        self.sign_in_raw_at(None, email, password).await
    }

    /// Signs in on `host` (the Host header): the session is bound to that host.
    pub async fn sign_in_at(&self, host: &str, email: &str, password: &str) -> Self {
        let (status, headers, body) = self.sign_in_raw_at(Some(host), email, password).await;
        assert!(status.is_success() || status.is_redirection(), "sign-in at {host} failed: {status} {body}");
        let cookie = session_cookie(&headers).expect("a session cookie");
        Self { auth: Auth::Cookie(cookie), ..self.clone() }
    }

    pub async fn sign_in_raw_at(
        &self,
        host: Option<&str>,
        email: &str,
        password: &str,
    ) -> (StatusCode, http::HeaderMap, String) {
        use leptos::server_fn::ServerFn;
        let form = format!(
            "email={}&password={}",
            tenantry::model::query::encode_component(email),
            tenantry::model::query::encode_component(password)
        );
        let mut req = Request::post(tenantry::fns::auth::SignIn::PATH)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json");
        if let Some(h) = host {
            req = req.header("host", h);
        }
        self.anon().send(req.body(Body::from(form)).unwrap()).await
    }

    /// A new person who is `role` in `tenant`, signed in.
    pub async fn member(&self, tenant_id: &str, email: &str, role: tenantry::model::Role) -> Self {
        let user = self.create_user(email, email.split('@').next().unwrap_or("someone"), false).await;
        let tenant = uuid::Uuid::parse_str(tenant_id).expect("tenant id");
        tenantry::db::memberships::add(&self.pool, tenant, user, role).await.expect("add member");
        self.sign_in(email, PASSWORD).await
    }

    /// GET `uri` with the Host header `host`, as this client.
    pub async fn get_at(&self, host: &str, uri: &str) -> (StatusCode, Value) {
        let req = Request::get(uri).header("host", host).body(Body::empty()).unwrap();
        let (s, _, text) = self.send(req).await;
        (s, serde_json::from_str(&text).unwrap_or_default())
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, http::HeaderMap, String) {
        let (status, headers, bytes) = self.send_bytes(req).await;
        (status, headers, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Like `send`, with the body as bytes (downloads).
    pub async fn send_bytes(&self, mut req: Request<Body>) -> (StatusCode, http::HeaderMap, Vec<u8>) {
        // As a real listener would: the peer address (tests may set their own).
        if req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().is_none() {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))));
        }
        match &self.auth {
            Auth::None => {}
            Auth::Cookie(c) => {
                req.headers_mut().insert(http::header::COOKIE, c.parse().unwrap());
            }
            Auth::Bearer(k) => {
                req.headers_mut().insert(http::header::AUTHORIZATION, format!("Bearer {k}").parse().unwrap());
            }
        }
        let res = self.app.clone().oneshot(req).await.expect("router answers");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        (status, headers, bytes.to_vec())
    }

    /// A JSON call; answers the status and the parsed body (Null when empty).
    pub async fn call(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        let body = match body {
            Some(v) => {
                req = req.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let (status, _, text) = self.send(req.body(body).unwrap()).await;
        let value =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, value)
    }

    pub async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.call("GET", uri, None).await
    }

    /// Creates a tenant over REST and returns it.
    pub async fn create(&self, name: &str, plan: &str, region: &str) -> Value {
        let (status, body) =
            self.call("POST", "/api/v1/tenants", Some(json!({ "name": name, "plan": plan, "region": region }))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// Runs every due workflow step in this process until nothing is due.
    pub async fn drain(&self) -> usize {
        tenantry::server::workflow::drain(&self.state).await.expect("workflows run")
    }

    /// Creates a tenant over REST with extra fields and runs its provisioning to the end.
    pub async fn provision(&self, name: &str, plan: &str, extra: Value) -> Value {
        let mut body = json!({ "name": name, "plan": plan, "region": "eu-west-1" });
        for (k, v) in extra.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        let (status, t) = self.call("POST", "/api/v1/tenants", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        self.drain().await;
        let (_, t) = self.get(&format!("/api/v1/tenants/{}", t["id"].as_str().unwrap())).await;
        t
    }

    /// Audit events about tenants (sign-ins and account events are not counted).
    pub async fn audit_count(&self) -> i64 {
        sqlx::query_scalar("select count(*) from audit_events where target_type = 'tenant'")
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    pub async fn audit_actions(&self, tenant_id: &str) -> Vec<String> {
        sqlx::query_scalar("select action from audit_events where tenant_id = $1::uuid order by id")
            .bind(tenant_id)
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }
}

/// The app signed in as a platform admin, mailing to an in-process SMTP sink, with short
/// workflow back-off; `tweak` adjusts the configuration further.
pub async fn with_mail(
    pool: PgPool,
    tweak: impl FnOnce(&mut Config),
) -> (TestApp, tenantry::server::mail_sink::MailSink) {
    let sink = tenantry::server::mail_sink::MailSink::start("127.0.0.1:0".parse().unwrap(), None).await.unwrap();
    let mut config = Config::default();
    config.mail.smtp_url = format!("smtp://{}", sink.addr);
    config.workflows.backoff_ms = 10;
    tweak(&mut config);
    (TestApp::with_config(pool, config).await, sink)
}

/// `tenantry_session=…` from a response's Set-Cookie headers.
pub fn session_cookie(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(tenantry::server::auth::COOKIE))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

/// A new tenant on `plan`, activated (no storage: enough for most API tests): its id.
pub async fn active_tenant(app: &TestApp, name: &str, plan: &str) -> String {
    let t = app.create(name, plan, "eu-west-1").await;
    let id = t["id"].as_str().unwrap().to_string();
    let (s, body) = app.call("POST", &format!("/api/v1/tenants/{id}/activate"), None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    id
}
