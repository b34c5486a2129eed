//! `/api/v1/tenants/{id}/policies…` (PRODUCT.md R4): auto-scaling policies, their
//! decisions, and trying one on the last 30 days.

use super::json::ApiJson;
use super::ErrorBody;
use crate::error::AppError;
use crate::model::policy::{Decision, Policy, PolicySpec, Simulation};
use crate::server::access::Caller;
use crate::server::services::{policies as svc, tenants};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

#[utoipa::path(get, path = "/api/v1/tenants/{id}/policies", tag = "resources",
    description = "The tenant's auto-scaling policies by resource and priority, each with where its evaluation stands (since when its condition holds, its last action and outcome). Needs usage:read or membership.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Vec<Policy>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Policy>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::list(&state.pool, &caller, tenant).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/policies", tag = "resources", request_body = PolicySpec,
    description = "Adds a policy. The `scaling-policies` worker evaluates every enabled one every 30 seconds: when `metric` (utilization: use as a percentage of the allocation; used: use itself) compares with `threshold` by `operator` for `for_secs`, it scales the allocation by the factor or step in `amount` within [min_allocated, max_allocated] (soft and hard limits keep their proportion), or only notifies; then waits `cooldown_secs`. Shadow mode logs what it would do. Owners and admins keep max_allocated within the plan; platform administrators may go beyond it. At most 50 per tenant.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 201, body = Policy),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller)."),
              (status = 409, body = ErrorBody, description = "The tenant has 50 policies already."),
              (status = 422, body = ErrorBody, description = "A field breaks its rule: an unknown resource, a threshold, factor or step out of range, min above max, or max beyond the plan for a non-platform caller.")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PolicySpec>,
) -> Result<(StatusCode, Json<Policy>), AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok((StatusCode::CREATED, Json(svc::create(&state.pool, &caller, tenant, &body).await?)))
}

#[utoipa::path(put, path = "/api/v1/tenants/{id}/policies/{policy_id}", tag = "resources", request_body = PolicySpec,
    description = "Replaces a policy; its condition must hold anew before it acts (its last action still counts for the cooldown).",
    params(("id" = String, Path, description = "Tenant id or slug"), ("policy_id" = i64, Path, description = "The policy's id")),
    responses((status = 200, body = Policy),
              (status = 404, body = ErrorBody, description = "No such tenant or policy."),
              (status = 422, body = ErrorBody, description = "A field breaks its rule (as for POST).")))]
pub async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, policy)): Path<(String, i64)>,
    ApiJson(body): ApiJson<PolicySpec>,
) -> Result<Json<Policy>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::replace(&state.pool, &caller, tenant, policy, &body).await?))
}

#[utoipa::path(delete, path = "/api/v1/tenants/{id}/policies/{policy_id}", tag = "resources",
    description = "Deletes a policy and its decisions (the allocation changes it made stay in the history).",
    params(("id" = String, Path, description = "Tenant id or slug"), ("policy_id" = i64, Path, description = "The policy's id")),
    responses((status = 204, description = "Deleted."),
              (status = 404, body = ErrorBody, description = "No such tenant or policy.")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, policy)): Path<(String, i64)>,
) -> Result<StatusCode, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    svc::delete(&state.pool, &caller, tenant, policy).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/policies/{policy_id}/decisions", tag = "resources",
    description = "The policy's decisions, newest first (at most 200), each with its inputs (use, the compared value, the allocation) and outcome: scaled, notified, shadow, or skipped (cooldown, at its bound, not held long enough, another policy acted). Identical skips in a row are logged once.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("policy_id" = i64, Path, description = "The policy's id")),
    responses((status = 200, body = Vec<Decision>),
              (status = 404, body = ErrorBody, description = "No such tenant or policy.")))]
pub async fn decisions(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, policy)): Path<(String, i64)>,
) -> Result<Json<Vec<Decision>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::decisions(&state.pool, &caller, tenant, Some(policy)).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/policies/{policy_id}/simulate", tag = "resources",
    description = "What the policy would have done over the last 30 days of the resource's hourly use, starting from the current allocation, as if enabled and not in shadow mode. Changes nothing.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("policy_id" = i64, Path, description = "The policy's id")),
    responses((status = 200, body = Simulation),
              (status = 404, body = ErrorBody, description = "No such tenant or policy.")))]
pub async fn simulate(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, policy)): Path<(String, i64)>,
) -> Result<Json<Simulation>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::simulate(&state.pool, &caller, tenant, policy).await?))
}
