//! `/api/v1/tenants/{id}/api-keys` (PRODUCT.md A5).

use super::json::ApiJson;
use super::{parse_id, ErrorBody};
use crate::error::AppError;
use crate::model::{ApiKey, CreatedApiKey, NewApiKey};
use crate::server::access::Caller;
use crate::server::services::{api_keys as svc, tenants};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

#[utoipa::path(get, path = "/api/v1/tenants/{id}/api-keys", tag = "api keys",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Vec<ApiKey>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ApiKey>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::list(&state.pool, &caller, tenant).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/api-keys", tag = "api keys", request_body = NewApiKey,
    description = "Creates a key; `secret` is in this answer only. Scopes: tenants:read, tenants:write, members:read, audit:read, usage:read, usage:write, quota:read.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 201, body = CreatedApiKey), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewApiKey>,
) -> Result<(StatusCode, Json<CreatedApiKey>), AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok((StatusCode::CREATED, Json(svc::create(&state.pool, &caller, tenant, body).await?)))
}

#[utoipa::path(delete, path = "/api/v1/tenants/{id}/api-keys/{key_id}", tag = "api keys",
    params(("id" = String, Path, description = "Tenant id or slug"), ("key_id" = String, Path, description = "API key id")),
    responses((status = 200, body = ApiKey), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, key)): Path<(String, String)>,
) -> Result<Json<ApiKey>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let key = parse_id(&key, "API key")?;
    Ok(Json(svc::revoke(&state.pool, &caller, tenant, key).await?))
}
