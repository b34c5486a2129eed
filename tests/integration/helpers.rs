use axum::body::Body;
use axum::Router;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::PgPool;
use tenantry::server::{config::Config, state::AppState};
use tower::ServiceExt;

pub struct TestApp {
    pub app: Router,
    pub pool: PgPool,
}

impl TestApp {
    pub fn new(pool: PgPool) -> Self {
        let state = AppState::new(pool.clone(), Config::default());
        Self { app: tenantry::server::app(state), pool }
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, http::HeaderMap, String) {
        let res = self.app.clone().oneshot(req).await.expect("router answers");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        (status, headers, String::from_utf8_lossy(&bytes).into_owned())
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

    pub async fn audit_count(&self) -> i64 {
        sqlx::query_scalar("select count(*) from audit_events").fetch_one(&self.pool).await.unwrap()
    }

    pub async fn audit_actions(&self, tenant_id: &str) -> Vec<String> {
        sqlx::query_scalar("select action from audit_events where tenant_id = $1::uuid order by id")
            .bind(tenant_id)
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }
}

pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}
