//! `/api/v1/tenants`: the registry over REST (PRODUCT.md T1–T3, T6).

use super::json::{ApiJson, MaybeJson};
use super::ErrorBody;
use crate::error::AppError;
use crate::model::{LifecycleAction, NewTenant, Page, Tenant, TenantQuery, TenantStats, TenantSummary, TenantUpdate};
use crate::server::access::Caller;
use crate::server::services::tenants as svc;
use crate::server::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReasonBody {
    /// Why; required to suspend or terminate.
    #[serde(default)]
    pub reason: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tenants", tag = "tenants",
    params(
        ("q" = Option<String>, Query, description = "Search name, slug or custom domain"),
        ("status" = Option<String>, Query, description = "pending, provisioning, active, suspended, terminating, terminated or failed"),
        ("plan" = Option<String>, Query, description = "Plan id"),
        ("region" = Option<String>, Query, description = "Region id"),
        ("isolation" = Option<String>, Query, description = "schema or row"),
        ("sort" = Option<String>, Query, description = "name, slug, created_at or updated_at; prefix - for descending (default -created_at)"),
        ("limit" = Option<u32>, Query, description = "1 to 100, default 25"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<TenantSummary>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Page<TenantSummary>>, AppError> {
    let q = TenantQuery::from_params(|k| params.get(k).map(String::as_str))?;
    Ok(Json(svc::list(&state.pool, &caller, &q).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants", tag = "tenants", request_body = NewTenant,
    responses((status = 201, body = Tenant), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NewTenant>,
) -> Result<impl IntoResponse, AppError> {
    let t = svc::create(&state, &caller, input).await?;
    let location = format!("/api/v1/tenants/{}", t.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(t)))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}", tag = "tenants",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Tenant), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Tenant>, AppError> {
    Ok(Json(svc::get(&state.pool, &caller, &id).await?))
}

#[utoipa::path(put, path = "/api/v1/tenants/{id}", tag = "tenants", request_body = TenantUpdate,
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Tenant), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<TenantUpdate>,
) -> Result<Json<Tenant>, AppError> {
    let id = svc::resolve(&state.pool, &id).await?;
    Ok(Json(svc::update(&state, &caller, id, change).await?))
}

#[utoipa::path(delete, path = "/api/v1/tenants/{id}", tag = "tenants",
    description = "Soft delete: the tenant moves through terminating to terminated and its data is kept until the retention date.",
    params(("id" = String, Path, description = "Tenant id or slug"),
           ("reason" = Option<String>, Query, description = "Why (required here or in the body)")),
    request_body(content = Option<ReasonBody>),
    responses((status = 200, body = Tenant), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    MaybeJson(body): MaybeJson<ReasonBody>,
) -> Result<Json<Tenant>, AppError> {
    let reason = body.and_then(|b| b.reason).or_else(|| params.get("reason").cloned());
    act(state, caller, id, LifecycleAction::Terminate, reason).await
}

async fn act(
    state: AppState,
    caller: Caller,
    id: String,
    action: LifecycleAction,
    reason: Option<String>,
) -> Result<Json<Tenant>, AppError> {
    let id = svc::resolve(&state.pool, &id).await?;
    Ok(Json(svc::transition(&state, &caller, id, action, reason.as_deref()).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/{action}", tag = "tenants",
    description = "Lifecycle actions: activate, suspend (reason required), resume, terminate (reason required).",
    params(("id" = String, Path, description = "Tenant id or slug"),
           ("action" = String, Path, description = "activate, suspend, resume or terminate")),
    request_body(content = Option<ReasonBody>),
    responses((status = 200, body = Tenant), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn action(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, action)): Path<(String, String)>,
    MaybeJson(body): MaybeJson<ReasonBody>,
) -> Result<Json<Tenant>, AppError> {
    let action = LifecycleAction::parse(&action).ok_or_else(|| {
        AppError::not_found(format!(
            "There is no action \u{201c}{action}\u{201d}. Use activate, suspend, resume or terminate."
        ))
    })?;
    act(state, caller, id, action, body.and_then(|b| b.reason)).await
}

#[utoipa::path(get, path = "/api/v1/tenants/stats", tag = "tenants",
    responses((status = 200, body = TenantStats)))]
pub async fn stats(State(state): State<AppState>, caller: Caller) -> Result<Json<TenantStats>, AppError> {
    Ok(Json(svc::stats(&state.pool, &caller).await?))
}
