//! `/api/v1/tenants/{id}/resources…` and `/api/v1/quota/…` (PRODUCT.md R1-R3, R6): a
//! tenant's resources, scaling them, their history, and the quota API for services.

use super::json::ApiJson;
use super::ErrorBody;
use crate::error::AppError;
use crate::model::resources::*;
use crate::server::access::Caller;
use crate::server::services::{resources as svc, tenants};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::Json;

#[utoipa::path(get, path = "/api/v1/tenants/{id}/resources", tag = "resources",
    description = "Every resource type with the tenant's allocation, soft and hard limit, what the plan includes, current use (this month for per-period resources, the latest level for the others, plus what services consumed through the quota API), the level (ok, soft, hard) and the last 30 days. Needs usage:read or membership.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = TenantResources)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TenantResources>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::list(&state.pool, &caller, tenant).await?))
}

#[utoipa::path(put, path = "/api/v1/tenants/{id}/resources/{resource}", tag = "resources", request_body = ScaleRequest,
    description = "Scales a resource: the allocation, the soft limit (an alert; 80 % of the allocation when left out) and the hard limit (use is refused beyond it; the allocation when left out), with a reason kept in the history and the audit trail. 0 ≤ soft ≤ hard and allocation ≤ hard. Owners and admins stay within what the plan includes; platform administrators may go beyond it. An unchanged request changes nothing and adds no history.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("resource" = String, Path, description = "Resource type id")),
    responses((status = 200, body = AllocatedResource, description = "The resource after the change."),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller), or no such resource type."),
              (status = 422, body = ErrorBody, description = "A limit out of order or range, no reason, or beyond the plan for a non-platform caller.")))]
pub async fn scale(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(String, String)>,
    ApiJson(body): ApiJson<ScaleRequest>,
) -> Result<Json<AllocatedResource>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::scale(&state.pool, &caller, tenant, &resource, &body).await?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/resources/{resource}/history", tag = "resources",
    description = "The resource's changes, newest first (at most 200): before and after, source (manual, policy, plan_change), who and why.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("resource" = String, Path, description = "Resource type id")),
    responses((status = 200, body = Vec<AllocationChange>),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller), or no such resource type.")))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(String, String)>,
) -> Result<Json<Vec<AllocationChange>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::history(&state.pool, &caller, tenant, &resource).await?))
}

#[utoipa::path(post, path = "/api/v1/quota/check", tag = "resources", request_body = QuotaRequest,
    description = "Whether `amount` more of a resource fits under the API key's tenant's hard limit; takes nothing. Needs an API key with quota:read.",
    responses((status = 200, body = QuotaAnswer),
              (status = 403, body = ErrorBody, description = "The key lacks quota:read, or the caller has no tenant."),
              (status = 404, body = ErrorBody, description = "No such resource type."),
              (status = 422, body = ErrorBody, description = "amount is not from 1 to 10^12.")))]
pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<QuotaRequest>,
) -> Result<Json<QuotaAnswer>, AppError> {
    Ok(Json(svc::check(&state.pool, &caller, &body).await?))
}

#[utoipa::path(post, path = "/api/v1/quota/consume", tag = "resources", request_body = QuotaRequest,
    description = "Takes `amount` of a per-period resource (API calls, bandwidth) for this month if it fits under the hard limit, atomically: concurrent callers never take more than the limit between them. `allowed: false` means nothing was taken. Use it for what a service hands out itself, and don't also report the same use to POST /api/v1/usage (it would count twice). Needs an API key with quota:read.",
    responses((status = 200, body = QuotaAnswer),
              (status = 403, body = ErrorBody, description = "The key lacks quota:read, the caller has no tenant, or the tenant is not active."),
              (status = 404, body = ErrorBody, description = "No such resource type."),
              (status = 409, body = ErrorBody, description = "The resource is a level (members, storage) the portal measures rather than something used up: check it instead."),
              (status = 422, body = ErrorBody, description = "amount is not a whole number from 1 to 10^12.")))]
pub async fn consume(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<QuotaRequest>,
) -> Result<Json<QuotaAnswer>, AppError> {
    Ok(Json(svc::consume(&state.pool, &caller, &body).await?))
}
