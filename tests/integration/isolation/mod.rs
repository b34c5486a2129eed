//! I5: nobody reaches another tenant's data. Every REST route (read from the router's own
//! OpenAPI document, which `routes!` builds together with the router) and every server
//! function (read from the server-function registry) is called as five callers on tenant
//! A's objects: anonymous, a viewer of A, an admin of B, an API key of B (every scope) and
//! a platform admin. Each outcome must match the README's role table, and no answer to a
//! caller from B may contain anything of A's. A route or function without an entry in
//! these tables fails the test, so every new endpoint has to state who may call it.

use crate::helpers::*;
use axum::body::Body;
use http::{Method, Request, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;
use tenantry::model::{Role, Scope};
use uuid::Uuid;

/// What a caller must get.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    /// Allowed: any answer but 401/403/404 or a 5xx (409/422 are the action's own rules).
    Ok,
    /// Allowed, but nothing of A's may be in the answer (lists scoped to the caller).
    Hidden,
    Unauthorized,
    Forbidden,
    /// "No such tenant": A's existence is not revealed.
    NotFound,
}
use Want::*;

/// [anonymous, viewer of A, admin of B, API key of B, platform admin]
type Row = [Want; 5];
const CALLERS: [&str; 5] = ["anonymous", "viewer of A", "admin of B", "API key of B", "platform admin"];

/// Tenant A as seen by one case: fresh for each endpoint, so the platform admin's
/// (allowed, possibly destructive) call never disturbs another case.
struct Fixture {
    a: String,
    slug: String,
    name: String,
    viewer: TestApp,
    viewer_id: Uuid,
    viewer_email: String,
    invitation: Uuid,
    invitation_email: String,
    key: Uuid,
    key_prefix: String,
    run: Uuid,
    export: Uuid,
    invoice: Uuid,
    alert: i64,
    policy: i64,
    endpoint: Uuid,
    delivery: Uuid,
    check: Uuid,
    incident: Uuid,
    domain: String,
}

impl Fixture {
    async fn new(admin: &TestApp, n: usize) -> Self {
        let name = format!("Alpha Isolation {n}");
        let t = admin.create(&name, "enterprise", "eu-west-1").await;
        let a = t["id"].as_str().unwrap().to_string();
        let (s, _) = admin.call("POST", &format!("/api/v1/tenants/{a}/activate"), None).await;
        assert_eq!(s, StatusCode::OK);
        let tenant = Uuid::parse_str(&a).unwrap();
        let viewer_email = format!("viewer-{n}@alpha.example");
        let viewer = admin.member(&a, &viewer_email, Role::Viewer).await;
        let viewer_id: Uuid = sqlx::query_scalar("select id from users where email = $1")
            .bind(&viewer_email)
            .fetch_one(&admin.pool)
            .await
            .unwrap();
        let invitation_email = format!("invitee-{n}@alpha.example");
        let invitation = tenantry::db::invitations::insert(
            &admin.pool,
            tenant,
            &invitation_email,
            Role::Member,
            &tenantry::server::auth::sha256(&format!("token-{n}-{a}")),
            None,
            chrono::Utc::now() + chrono::Duration::days(7),
        )
        .await
        .unwrap();
        let (key, key_prefix) = insert_key(admin, tenant, &Scope::ALL).await;
        // An override of one of A's flags (removed by the matrix).
        sqlx::query(
            "insert into tenant_feature_overrides (tenant_id, flag, enabled, set_by) values ($1, 'webhooks', true, 'test')",
        )
        .bind(tenant)
        .execute(&admin.pool)
        .await
        .unwrap();
        // A verified custom domain of A's (checked again and removed by the matrix).
        let domain = format!("alpha-{n}.iso.example");
        sqlx::query(
            "insert into tenant_domains (tenant_id, domain, token, status, verified_at, next_check_at)
             values ($1, $2, 'tenantry-verification=isolation-fixture', 'verified', now(), null)",
        )
        .bind(tenant)
        .bind(&domain)
        .execute(&admin.pool)
        .await
        .unwrap();
        // A saved version of A's sign-in settings (restored by the matrix).
        sqlx::query(
            "insert into tenant_config_versions (tenant_id, category, version, doc, author)
             values ($1, 'auth', 1, '{\"mfa_required\": true}', 'test')",
        )
        .bind(tenant)
        .execute(&admin.pool)
        .await
        .unwrap();
        let run: Uuid = sqlx::query_scalar("select id from workflow_runs where tenant_id = $1")
            .bind(tenant)
            .fetch_one(&admin.pool)
            .await
            .unwrap();
        let export: Uuid = sqlx::query_scalar(
            "insert into tenant_exports (tenant_id, file_name, content_type, bytes, sha256, manifest, expires_at)
             values ($1, 'a.tar', 'application/x-tar', '\\x00', 'x', '{}', now() + interval '1 day') returning id",
        )
        .bind(tenant)
        .fetch_one(&admin.pool)
        .await
        .unwrap();
        // Last month's invoice of A (lines and number name the tenant's plan and slug).
        let this_month = tenantry::server::services::usage::periods::month_bounds(chrono::Utc::now().date_naive()).0;
        let last_month =
            tenantry::server::services::usage::periods::step(tenantry::model::usage::Period::Month, this_month, -1);
        let invoice =
            tenantry::server::services::usage::billing::issue_one(&admin.pool, tenant, last_month, this_month)
                .await
                .unwrap()
                .unwrap();
        let alert: i64 = sqlx::query_scalar(
            "insert into tenant_alerts (tenant_id, subject, threshold, opened_value, peak_value, limit_value)
             values ($1, 'users', 'soft', 5, 5, 4) returning id",
        )
        .bind(tenant)
        .fetch_one(&admin.pool)
        .await
        .unwrap();
        let policy: i64 = sqlx::query_scalar(
            "insert into scaling_policies (tenant_id, resource, name, metric, operator, threshold, for_secs, action,
                 amount, min_allocated, max_allocated, cooldown_secs)
             values ($1, 'users', 'Grow', 'utilization', 'gte', 80, 0, 'scale_by_step', 1, 1, 10, 60) returning id",
        )
        .bind(tenant)
        .fetch_one(&admin.pool)
        .await
        .unwrap();
        let endpoint: Uuid = sqlx::query_scalar(
            "insert into webhook_endpoints (tenant_id, url, topics, secret, created_by)
             values ($1, 'https://hooks.alpha.example/in', '{alert.*}', 'whsec_c2VjcmV0', 'test') returning id",
        )
        .bind(tenant)
        .fetch_one(&admin.pool)
        .await
        .unwrap();
        let delivery: Uuid = sqlx::query_scalar(
            "insert into webhook_deliveries (tenant_id, endpoint_id, msg_id, topic, body, status, attempts)
             values ($1, $2, 'msg_isolation', 'alert.opened', '{}', 'failed', 8) returning id",
        )
        .bind(tenant)
        .bind(endpoint)
        .fetch_one(&admin.pool)
        .await
        .unwrap();
        let check: Uuid = sqlx::query_scalar(
            "insert into health_checks (tenant_id, name, url, timeout_ms, interval_secs, created_by, next_due_at)
             values ($1, 'Alpha API', 'http://127.0.0.1:9/alpha', 1000, 60, 'test', now() + interval '1 day') returning id",
        )
        .bind(tenant)
        .fetch_one(&admin.pool)
        .await
        .unwrap();
        let incident: Uuid = sqlx::query_scalar(
            "insert into health_incidents (tenant_id, check_id, state, cause, started_at, announced)
             values ($1, $2, 'down', 'refused', now(), true) returning id",
        )
        .bind(tenant)
        .bind(check)
        .fetch_one(&admin.pool)
        .await
        .unwrap();
        Self {
            domain,
            check,
            incident,
            alert,
            policy,
            endpoint,
            delivery,
            run,
            export,
            invoice,
            slug: t["slug"].as_str().unwrap().to_string(),
            a,
            name,
            viewer,
            viewer_id,
            viewer_email,
            invitation,
            invitation_email,
            key: key.0,
            key_prefix,
        }
    }

    /// Strings that identify A; none may reach a caller from B.
    fn markers(&self) -> Vec<String> {
        vec![
            self.a.clone(),
            self.slug.clone(),
            self.name.clone(),
            self.viewer_email.clone(),
            self.invitation_email.clone(),
            self.key_prefix.clone(),
            self.domain.clone(),
        ]
    }

    /// Fills `{id}`, `{user_id}`, `{invitation_id}`, `{key_id}`, `{run_id}`, `{export_id}`, `{invoice_id}`, `{alert_id}`, `{policy_id}`, `{endpoint_id}`, `{delivery_id}`, `{check_id}`, `{incident_id}`, `{domain}` with A's.
    fn fill(&self, template: &str) -> String {
        template
            .replace("{id}", &self.a)
            .replace("{user_id}", &self.viewer_id.to_string())
            .replace("{invitation_id}", &self.invitation.to_string())
            .replace("{key_id}", &self.key.to_string())
            .replace("{run_id}", &self.run.to_string())
            .replace("{export_id}", &self.export.to_string())
            .replace("{invoice_id}", &self.invoice.to_string())
            .replace("{alert_id}", &self.alert.to_string())
            .replace("{policy_id}", &self.policy.to_string())
            .replace("{endpoint_id}", &self.endpoint.to_string())
            .replace("{delivery_id}", &self.delivery.to_string())
            .replace("{check_id}", &self.check.to_string())
            .replace("{incident_id}", &self.incident.to_string())
            .replace("{domain}", &self.domain)
    }
}

/// A live API key straight in the database; answers (id, secret) and the visible prefix.
async fn insert_key(app: &TestApp, tenant: Uuid, scopes: &[Scope]) -> ((Uuid, String), String) {
    let prefix = format!("tnt_{}", &Uuid::new_v4().simple().to_string()[..8]);
    let secret = format!("{prefix}_{}", tenantry::server::auth::random_token(32));
    let id = tenantry::db::api_keys::insert(
        &app.pool,
        tenant,
        "isolation",
        &prefix,
        &tenantry::server::auth::sha256(&secret),
        scopes,
        None,
    )
    .await
    .unwrap();
    ((id, secret), prefix)
}

mod cases;
use cases::{fn_cases, rest_cases, Enc};

/// `/api/list_tenants12345` → `list_tenants`.
fn fn_name(path: &str) -> String {
    path.trim_start_matches("/api/").trim_end_matches(|c: char| c.is_ascii_digit()).to_string()
}

fn check(who: usize, want: Want, status: StatusCode, body: &str, markers: &[String], what: &str) {
    let caller = CALLERS[who];
    let ctx = format!("{what} as {caller}: got {status}: {}", &body[..body.len().min(300)]);
    assert!(status.as_u16() < 500, "{ctx}");
    match want {
        Ok | Hidden => assert!(![401, 403, 404].contains(&status.as_u16()), "expected to be allowed: {ctx}"),
        Unauthorized => assert_eq!(status, StatusCode::UNAUTHORIZED, "{ctx}"),
        Forbidden => assert_eq!(status, StatusCode::FORBIDDEN, "{ctx}"),
        NotFound => assert_eq!(status, StatusCode::NOT_FOUND, "{ctx}"),
    }
    // Callers from B never see anything of A's, whatever the outcome.
    if who == 2 || who == 3 || want == Hidden {
        for m in markers {
            assert!(!body.contains(m.as_str()), "{ctx} — the answer contains A's {m:?}");
        }
    }
}

struct World {
    admin: TestApp,
    admin_b: TestApp,
    key_b: TestApp,
}

impl World {
    async fn new(pool: sqlx::PgPool) -> Self {
        let admin = TestApp::new(pool).await;
        let b = admin.create("Bravo Isolation", "enterprise", "us-east-1").await;
        let b_id = b["id"].as_str().unwrap().to_string();
        admin.call("POST", &format!("/api/v1/tenants/{b_id}/activate"), None).await;
        let admin_b = admin.member(&b_id, "admin@bravo.example", Role::Admin).await;
        let ((_, secret), _) = insert_key(&admin, Uuid::parse_str(&b_id).unwrap(), &Scope::ALL).await;
        let key_b = admin.with_key(&secret);
        Self { admin, admin_b, key_b }
    }

    /// The five callers, in CALLERS order, for one fixture.
    fn callers(&self, fx: &Fixture) -> [TestApp; 5] {
        [self.admin.anon(), fx.viewer.clone(), self.admin_b.clone(), self.key_b.clone(), self.admin.clone()]
    }
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn every_rest_route_is_guarded(pool: sqlx::PgPool) {
    let world = World::new(pool).await;
    let (_, doc) = tenantry::server::rest::api();
    let mut routes = BTreeSet::new();
    for (path, item) in doc.paths.paths.iter() {
        if path == "/healthz" || path == "/readyz" {
            continue; // public probes, outside sessions by design
        }
        let item = serde_json::to_value(item).unwrap();
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let cases = rest_cases();
    let known: BTreeSet<(String, String)> = cases.iter().map(|((m, p), _)| (m.to_string(), p.to_string())).collect();
    let missing: Vec<_> = routes.difference(&known).collect();
    assert!(missing.is_empty(), "REST routes without an isolation entry (add them to rest_cases): {missing:?}");
    let stale: Vec<_> = known.difference(&routes).collect();
    assert!(stale.is_empty(), "isolation entries for routes that no longer exist: {stale:?}");

    for (n, ((_, path), case)) in cases.iter().enumerate() {
        let fx = Fixture::new(&world.admin, n).await;
        let uri = fx.fill(case.uri);
        for (who, caller) in world.callers(&fx).iter().enumerate() {
            let body = case.body.as_ref().map(|v| serde_json::from_str::<Value>(&fx.fill(&v.to_string())).unwrap());
            let mut req = Request::builder().method(Method::from_bytes(case.method.as_bytes()).unwrap()).uri(&uri);
            let body = match body {
                Some(v) => {
                    req = req.header("content-type", "application/json");
                    Body::from(v.to_string())
                }
                None => Body::empty(),
            };
            let (status, _, text) = caller.send(req.body(body).unwrap()).await;
            check(who, case.want[who], status, &text, &fx.markers(), &format!("{} {path}", case.method));
        }
    }
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn every_server_function_is_guarded(pool: sqlx::PgPool) {
    let world = World::new(pool).await;
    let registered: Vec<(String, String)> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| (fn_name(path), path.to_string())).collect();
    let cases = fn_cases();
    let names: BTreeSet<&str> = cases.iter().map(|(n, _)| *n).collect();
    let missing: Vec<_> = registered.iter().filter(|(n, _)| !names.contains(n.as_str())).map(|(n, _)| n).collect();
    assert!(missing.is_empty(), "server functions without an isolation entry (add them to fn_cases): {missing:?}");
    let stale: Vec<_> = names.iter().filter(|n| !registered.iter().any(|(r, _)| r == *n)).collect();
    assert!(stale.is_empty(), "isolation entries for server functions that no longer exist: {stale:?}");

    for (n, (name, case)) in cases.iter().enumerate() {
        let path = &registered.iter().find(|(r, _)| r == name).unwrap().1;
        let fx = Fixture::new(&world.admin, 1000 + n).await;
        let args: Value = serde_json::from_str(&fx.fill(&case.args.to_string())).unwrap();
        // sign_out ends sessions: give it fresh ones so later cases are unaffected.
        for (who, caller) in world.callers(&fx).iter().enumerate() {
            let (content_type, body) = match case.enc {
                Enc::Json => ("application/json", args.to_string()),
                Enc::Form => ("application/x-www-form-urlencoded", form(&args)),
            };
            let req = Request::post(path.as_str())
                .header("content-type", content_type)
                .header("accept", "application/json")
                .body(Body::from(body))
                .unwrap();
            let (status, _, text) = caller.send(req).await;
            check(who, case.want[who], status, &text, &fx.markers(), name);
        }
    }
}

fn form(args: &Value) -> String {
    args.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{k}={}", tenantry::model::query::encode_component(&v))
        })
        .collect::<Vec<_>>()
        .join("&")
}
