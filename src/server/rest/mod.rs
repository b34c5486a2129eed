//! The REST API under `/api/v1` (JSON, snake_case), its OpenAPI document, and the health
//! endpoints. Handlers are thin: parse, call a service, map the error.

pub mod alerts;
pub mod api_keys;
pub mod audit;
pub mod branding;
pub mod catalog;
pub mod config;
pub mod contract;
pub mod domains;
pub mod flags;
pub mod health;
pub mod json;
pub mod members;
pub mod monitoring;
pub mod notifications;
pub mod policies;
pub mod resources;
pub mod tenants;
pub mod usage;
pub mod users;
pub mod webhooks;
pub mod workflows;

use crate::error::AppError;
use crate::model::messages::SIGN_IN;
use crate::server::access::{Caller, Principal};
use crate::server::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The error envelope every failing call answers with.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// bad_request, not_found, conflict, payload_too_large, unsupported_media_type,
    /// validation_failed or internal.
    pub code: String,
    /// A sentence for a person.
    pub message: String,
    /// Per-field messages for validation errors and field conflicts.
    pub fields: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Tenantry API", version = "1", description = "Manage tenants, their lifecycle and the audit trail."),
    // The /api/v1 paths come from `api()`, which registers each handler in the router
    // and in this document at once.
    // POST /api/v1/usage is routed in `router` (it has its own body limit).
    paths(health::healthz, health::readyz, usage::report),
    components(schemas(ErrorBody, ErrorDetail, tenants::ReasonBody, tenants::PlanChangeBody)),
    tags((name = "tenants"), (name = "members"), (name = "api keys"), (name = "users"), (name = "workflows"), (name = "audit"), (name = "usage"), (name = "resources"), (name = "webhooks"), (name = "health checks"), (name = "branding"), (name = "config"), (name = "features"), (name = "domains"), (name = "notifications"), (name = "catalog"), (name = "health"))
)]
pub struct ApiDoc;

/// Every REST route with its OpenAPI description: `routes!` adds a handler to the router
/// and its `#[utoipa::path]` to the document together, so the document lists exactly
/// the routes that exist (the isolation test walks it to reach every endpoint).
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(tenants::list, tenants::create))
        .routes(routes!(tenants::stats))
        .routes(routes!(tenants::get, tenants::update, tenants::delete))
        .routes(routes!(branding::get, branding::put))
        .routes(routes!(branding::put_logo))
        .routes(routes!(config::all))
        .routes(routes!(config::get, config::put))
        .routes(routes!(config::versions))
        .routes(routes!(config::restore))
        .routes(routes!(flags::list))
        .routes(routes!(flags::put_override, flags::delete_override))
        .routes(routes!(flags::catalog))
        .routes(routes!(flags::kill_switch))
        .routes(routes!(domains::list, domains::add))
        .routes(routes!(domains::verify))
        .routes(routes!(domains::remove))
        .routes(routes!(tenants::activate))
        .routes(routes!(tenants::suspend))
        .routes(routes!(tenants::resume))
        .routes(routes!(tenants::terminate))
        .routes(routes!(tenants::change_plan))
        .routes(routes!(audit::list))
        .routes(routes!(audit::export_csv))
        .routes(routes!(catalog::plans))
        .routes(routes!(catalog::regions))
        .routes(routes!(members::list))
        .routes(routes!(members::change_role, members::remove))
        .routes(routes!(members::list_invitations, members::invite))
        .routes(routes!(members::resend))
        .routes(routes!(members::revoke))
        .routes(routes!(api_keys::list, api_keys::create))
        .routes(routes!(api_keys::revoke))
        .routes(routes!(users::list))
        .routes(routes!(users::disable))
        .routes(routes!(users::enable))
        .routes(routes!(users::me))
        .routes(routes!(notifications::get, notifications::put))
        .routes(routes!(users::switch))
        .routes(routes!(workflows::list))
        .routes(routes!(workflows::get))
        .routes(routes!(workflows::retry))
        .routes(routes!(workflows::discard))
        .routes(routes!(workflows::for_tenant))
        .routes(routes!(workflows::exports))
        .routes(routes!(workflows::download_export))
        .routes(routes!(workflows::update_plan))
        .routes(routes!(workflows::template))
        .routes(routes!(workflows::start_rollout))
        .routes(routes!(usage::metrics))
        .routes(routes!(usage::current))
        .routes(routes!(usage::daily))
        .routes(routes!(usage::trends))
        .routes(routes!(usage::top))
        .routes(routes!(usage::invoices))
        .routes(routes!(usage::invoice))
        .routes(routes!(usage::set_cost_alert))
        .routes(routes!(resources::list))
        .routes(routes!(resources::scale))
        .routes(routes!(resources::history))
        .routes(routes!(resources::check))
        .routes(routes!(resources::consume))
        .routes(routes!(alerts::list))
        .routes(routes!(alerts::acknowledge))
        .routes(routes!(policies::list, policies::create))
        .routes(routes!(policies::replace, policies::delete))
        .routes(routes!(policies::decisions))
        .routes(routes!(policies::simulate))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::delete))
        .routes(routes!(webhooks::test))
        .routes(routes!(webhooks::rotate_secret))
        .routes(routes!(webhooks::enable))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::replay))
        .routes(routes!(webhooks::replay_range))
        .routes(routes!(monitoring::list, monitoring::create))
        .routes(routes!(monitoring::replace, monitoring::delete))
        .routes(routes!(monitoring::run))
        .routes(routes!(monitoring::results))
        .routes(routes!(monitoring::uptime))
        .routes(routes!(monitoring::incidents))
        .routes(routes!(monitoring::acknowledge))
        .routes(routes!(monitoring::overview))
        .split_for_parts()
}

/// The OpenAPI document as served: the routes' own descriptions plus the statuses every
/// route shares (`contract`).
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(api().1).unwrap_or_else(|_| serde_json::json!({}));
    contract::complete(&mut doc);
    doc
}

pub fn openapi_json() -> String {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| serde_json::to_string_pretty(&document()).unwrap_or_else(|_| "{}".into())).clone()
}

/// The document as this deployment serves it: plans and regions are rows an operator
/// manages, so the values a new tenant may name are listed from the database.
async fn openapi(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<Json<serde_json::Value>, AppError> {
    let mut doc = document();
    let plans: Vec<String> = crate::db::catalog::plans(&state.pool).await?.into_iter().map(|p| p.id).collect();
    let regions: Vec<String> = crate::db::catalog::regions(&state.pool).await?.into_iter().map(|r| r.id).collect();
    let metrics: Vec<String> = crate::db::usage::metrics(&state.pool).await?.into_iter().map(|m| m.id).collect();
    contract::catalog(&mut doc, &plans, &regions, &metrics);
    Ok(Json(doc))
}

/// An id in a path; anything that isn't one names nothing (404).
pub fn parse_id(s: &str, what: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s.trim()).map_err(|_| AppError::not_found(format!("No {what} has that id.")))
}

async fn not_found() -> AppError {
    AppError::not_found("There is no such API endpoint. See /api/v1/openapi.json.")
}

/// Every REST call but the API description needs a caller: someone who is not signed in
/// is answered 401 before any path is resolved or any body is read, so an anonymous caller
/// learns nothing (not whether a tenant exists, not what a body should look like).
async fn signed_in_only(caller: Caller, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if matches!(caller.principal, Principal::Anonymous) {
        return AppError::unauthorized(SIGN_IN).into_response();
    }
    next.run(req).await
}

/// Extractors that refuse a request (a query string or path segment of the wrong shape)
/// answer in plain text; every REST answer is our JSON error instead, as documented.
async fn json_errors(res: Response) -> Response {
    let plain = res
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/plain"));
    let status = res.status();
    if !plain || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let text = match axum::body::to_bytes(res.into_body(), 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => String::new(),
    };
    let message = if text.trim().is_empty() { status.canonical_reason().unwrap_or("Error").to_string() } else { text };
    match status.as_u16() {
        400 => AppError::bad_request(message).into_response(),
        404 => AppError::not_found(message).into_response(),
        413 => AppError::PayloadTooLarge(message).into_response(),
        415 => AppError::UnsupportedMediaType(message).into_response(),
        422 => AppError::Validation { message, fields: Default::default() }.into_response(),
        _ => {
            let body = serde_json::json!({ "error": { "code": "error", "message": message } });
            (status, Json(body)).into_response()
        }
    }
}

pub fn router(max_body_bytes: usize, max_batch_bytes: usize) -> Router<AppState> {
    api()
        .0
        .route("/api/v1/usage", axum::routing::post(usage::report).layer(DefaultBodyLimit::max(max_batch_bytes)))
        .route("/api/v1/{*rest}", any(not_found))
        .layer(axum::middleware::from_fn(signed_in_only))
        .layer(axum::middleware::map_response(json_errors))
        .route("/api/v1/openapi.json", get(openapi))
        .method_not_allowed_fallback(|| async {
            (
                http::StatusCode::METHOD_NOT_ALLOWED,
                Json(serde_json::json!({
                    "error": { "code": "method_not_allowed", "message": "This endpoint does not accept that method." }
                })),
            )
        })
        .layer(DefaultBodyLimit::max(max_body_bytes))
}

/// Liveness and readiness: outside sessions and sign-in, for load balancers.
pub fn health_router() -> Router<AppState> {
    Router::new().route("/healthz", get(health::healthz)).route("/readyz", get(health::readyz))
}
