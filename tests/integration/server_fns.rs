//! The server functions the pages call: same rules and errors as the REST API.

use crate::helpers::*;
use axum::body::Body;
use http::{Request, StatusCode};
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};
use tenantry::fns::tenants::{
    ChangeStatus, CheckSlug, CreateTenant, GetDashboard, GetTenant, ListTenants, UpdateTenant,
};

pub async fn json_fn(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let req = Request::post(path)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (s, _, text) = app.send(req).await;
    (s, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

pub async fn form_fn(app: &TestApp, path: &str, form: &str) -> (StatusCode, Value) {
    let req = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(form.to_string()))
        .unwrap();
    let (s, _, text) = app.send(req).await;
    (s, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn create_edit_act_through_server_functions(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let (s, t) = json_fn(
        &app,
        CreateTenant::PATH,
        json!({ "input": { "name": "Fn Tenant", "plan": "starter", "region": "eu-west-1" } }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["slug"], "fn-tenant");
    let id = t["id"].as_str().unwrap().to_string();

    let (s, u) =
        json_fn(&app, UpdateTenant::PATH, json!({ "id": id, "change": { "name": "Fn Tenant Renamed" } })).await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(u["name"], "Fn Tenant Renamed");

    let (s, a) = form_fn(&app, ChangeStatus::PATH, &format!("id={id}&action=activate")).await;
    assert_eq!((s, a["status"].as_str()), (StatusCode::OK, Some("active")), "{a}");
    let (s, e) = form_fn(&app, ChangeStatus::PATH, &format!("id={id}&action=suspend&reason=")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, a) = form_fn(&app, ChangeStatus::PATH, &format!("id={id}&action=suspend&reason=Late+payment")).await;
    assert_eq!((s, a["status"].as_str()), (StatusCode::OK, Some("suspended")), "{a}");

    let (s, g) = form_fn(&app, GetTenant::PATH, "id=fn-tenant").await;
    assert_eq!((s, g["status_reason"].as_str()), (StatusCode::OK, Some("Late payment")));
    let (s, l) = json_fn(&app, ListTenants::PATH, json!({ "query": { "q": "renamed", "status": null, "plan": null, "region": null, "isolation": null, "sort": { "field": "name", "descending": false }, "limit": 10, "cursor": null } })).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    // created, updated, provisioning, provisioned, activated, suspended.
    assert_eq!(app.audit_actions(&id).await.len(), 6);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn server_function_errors_carry_status_and_fields(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let (s, e) = json_fn(&app, CreateTenant::PATH, json!({ "input": { "name": "", "plan": "", "region": "" } })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["kind"], "Validation", "{e}");
    assert!(e["fields"]["name"].is_string(), "{e}");
    let (s, _) = form_fn(&app, GetTenant::PATH, "id=missing-one").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = form_fn(&app, ChangeStatus::PATH, "id=not-a-uuid&action=activate").await;
    assert!(s.is_client_error(), "{s}");
    let (s, c) = form_fn(&app, CheckSlug::PATH, "slug=admin").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c["available"], false);
    let (_, c) = form_fn(&app, CheckSlug::PATH, "slug=fresh-slug").await;
    assert_eq!(c["available"], true);
    app.create("Fresh Slug", "free", "us-east-1").await;
    let (_, c) = form_fn(&app, CheckSlug::PATH, "slug=fresh-slug").await;
    assert_eq!(c["available"], false);
    assert!(c["message"].as_str().unwrap().contains("taken"));
}

/// The dashboard's one answer: statistics, the newest tenants and the latest events with
/// their changes worked out; a role without the audit trail gets no events at all.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn the_dashboard_answers_in_one_call_scoped_to_the_caller(pool: sqlx::PgPool) {
    let app = TestApp::new(pool).await;
    let t = app.create("Dash Alpha", "starter", "eu-west-1").await;
    let id = t["id"].as_str().unwrap().to_string();
    let (s, _) =
        json_fn(&app, UpdateTenant::PATH, json!({ "id": id, "change": { "name": "Dash Alpha Renamed" } })).await;
    assert_eq!(s, StatusCode::OK);
    app.create("Dash Beta", "free", "us-east-1").await;

    let (s, d) = form_fn(&app, GetDashboard::PATH, "").await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["stats"]["total"], 2, "{d}");
    let newest: Vec<&str> = d["newest"].as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap()).collect();
    assert_eq!(newest, ["dash-beta", "dash-alpha"]);
    let events = d["activity"].as_array().expect("a platform admin reads the audit trail");
    let renamed = events.iter().find(|e| e["action"] == "tenant.updated").expect("the rename is among the latest");
    assert_eq!(renamed["tenant_slug"], "dash-alpha");
    assert_eq!(renamed["diff"]["label"], "Changed: name", "{renamed}");
    assert!(renamed["diff"]["text"].as_str().unwrap().contains("Dash Alpha Renamed"), "{renamed}");
    assert!(renamed["summary"].as_str().unwrap().ends_with("edited the tenant"), "{renamed}");
    // What the browser decodes is what the server sent.
    let typed: tenantry::model::Dashboard = serde_json::from_value(d.clone()).unwrap();
    assert_eq!(typed.newest[0].name, "Dash Beta");

    // A viewer of Alpha: Alpha only, and no events (viewers don't read the audit trail).
    let viewer = app.member(&id, "dash-viewer@example.com", tenantry::model::Role::Viewer).await;
    let (s, d) = form_fn(&viewer, GetDashboard::PATH, "").await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["stats"]["total"], 1, "{d}");
    assert_eq!(d["newest"].as_array().unwrap().len(), 1);
    assert_eq!(d["newest"][0]["slug"], "dash-alpha");
    assert!(d["activity"].is_null(), "{d}");

    let (s, e) = form_fn(&app.anon(), GetDashboard::PATH, "").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert_eq!(e["kind"], "Unauthorized", "{e}");
}
