//! `/api/v1/tenants/{id}/features…` and `/api/v1/features…` (PRODUCT.md C3): which flags
//! are on for a tenant and why, tenant overrides, and platform-wide kill switches.

use super::json::ApiJson;
use super::ErrorBody;
use crate::error::AppError;
use crate::model::flags::{FlagInfo, FlagOverride, FlagState, KillSwitch};
use crate::server::access::Caller;
use crate::server::services::{flags as svc, tenants};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::Json;

#[utoipa::path(get, path = "/api/v1/tenants/{id}/features", tag = "features",
    description = "Every feature flag for the tenant: `enabled`, and why (`reason`): `plan_default` (the plan includes it, or not), `tenant_override`, or `kill_switch` (off for every tenant). A kill switch beats an override, which beats the plan. `version` moves whenever an input of the answer does. Needs features:read (API keys) or membership.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Vec<FlagState>),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller).")))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<FlagState>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::for_tenant(&state.pool, &caller, tenant).await?))
}

#[utoipa::path(put, path = "/api/v1/tenants/{id}/features/{flag}", tag = "features", request_body = FlagOverride,
    description = "Overrides a flag for this tenant, on or off, whatever its plan says (a kill switch still wins). Platform administrators; audited with the reason.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("flag" = String, Path, description = "Flag key")),
    responses((status = 200, body = FlagState, description = "The flag for the tenant now."),
              (status = 404, body = ErrorBody, description = "No such tenant or flag."),
              (status = 409, body = ErrorBody, description = "The tenant is terminated."),
              (status = 422, body = ErrorBody, description = "The reason is over 500 characters.")))]
pub async fn put_override(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, flag)): Path<(String, String)>,
    ApiJson(body): ApiJson<FlagOverride>,
) -> Result<Json<FlagState>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::set_override(&state, &caller, tenant, &flag, &body).await?))
}

#[utoipa::path(delete, path = "/api/v1/tenants/{id}/features/{flag}", tag = "features",
    description = "Removes the tenant's override of a flag: its plan decides again. Platform administrators.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("flag" = String, Path, description = "Flag key")),
    responses((status = 200, body = FlagState, description = "The flag for the tenant now."),
              (status = 404, body = ErrorBody, description = "No such tenant or flag, or no override of it."),
              (status = 409, body = ErrorBody, description = "The tenant is terminated.")))]
pub async fn delete_override(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, flag)): Path<(String, String)>,
) -> Result<Json<FlagState>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::clear_override(&state, &caller, tenant, &flag).await?))
}

#[utoipa::path(get, path = "/api/v1/features", tag = "features",
    description = "Every feature flag across the platform: the plans that include it, how many tenants override it, and its kill switch. Platform administrators.",
    responses((status = 200, body = Vec<FlagInfo>)))]
pub async fn catalog(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<FlagInfo>>, AppError> {
    Ok(Json(svc::catalog(&state.pool, &caller).await?))
}

#[utoipa::path(put, path = "/api/v1/features/{flag}/kill-switch", tag = "features", request_body = KillSwitch,
    description = "Switches a flag off for every tenant (`killed: true`, with a reason), whatever plans and overrides say, or back on (`killed: false`). Platform administrators; audited.",
    params(("flag" = String, Path, description = "Flag key")),
    responses((status = 200, body = FlagInfo),
              (status = 404, body = ErrorBody, description = "No such flag."),
              (status = 422, body = ErrorBody, description = "No reason to switch it off, or one over 500 characters.")))]
pub async fn kill_switch(
    State(state): State<AppState>,
    caller: Caller,
    Path(flag): Path<String>,
    ApiJson(body): ApiJson<KillSwitch>,
) -> Result<Json<FlagInfo>, AppError> {
    Ok(Json(svc::set_kill_switch(&state, &caller, &flag, &body).await?))
}
