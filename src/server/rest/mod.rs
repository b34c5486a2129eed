//! The REST API under `/api/v1` (JSON, snake_case), its OpenAPI document, and the health
//! endpoints. Handlers are thin: parse, call a service, map the error.

pub mod audit;
pub mod catalog;
pub mod health;
pub mod json;
pub mod tenants;

use crate::error::AppError;
use crate::server::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

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
    paths(
        tenants::list, tenants::create, tenants::get, tenants::update, tenants::delete,
        tenants::action, tenants::stats, audit::list, audit::export_csv, catalog::plans, catalog::regions,
        health::healthz, health::readyz,
    ),
    components(schemas(ErrorBody, ErrorDetail, tenants::ReasonBody)),
    tags((name = "tenants"), (name = "audit"), (name = "catalog"), (name = "health"))
)]
pub struct ApiDoc;

pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".into())
}

async fn openapi() -> ([(http::header::HeaderName, &'static str); 1], String) {
    ([(http::header::CONTENT_TYPE, "application/json")], openapi_json())
}

async fn not_found() -> AppError {
    AppError::not_found("There is no such API endpoint. See /api/v1/openapi.json.")
}

pub fn router(max_body_bytes: usize) -> Router<AppState> {
    let v1 = Router::new()
        .route("/tenants", get(tenants::list).post(tenants::create))
        .route("/tenants/stats", get(tenants::stats))
        .route("/tenants/{id}", get(tenants::get).put(tenants::update).delete(tenants::delete))
        .route("/tenants/{id}/{action}", post(tenants::action))
        .route("/audit", get(audit::list))
        .route("/audit/export.csv", get(audit::export_csv))
        .route("/plans", get(catalog::plans))
        .route("/regions", get(catalog::regions))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(|| async {
            (
                http::StatusCode::METHOD_NOT_ALLOWED,
                Json(serde_json::json!({
                    "error": { "code": "method_not_allowed", "message": "This endpoint does not accept that method." }
                })),
            )
        })
        .layer(DefaultBodyLimit::max(max_body_bytes));
    Router::new().nest("/api/v1", v1).route("/healthz", get(health::healthz)).route("/readyz", get(health::readyz))
}
