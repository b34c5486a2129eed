//! `/api/v1/tenants/{id}/domains…` (PRODUCT.md C4): a tenant's custom domains, the TXT
//! record that proves each one, and verifying or removing them.

use super::json::ApiJson;
use super::ErrorBody;
use crate::error::AppError;
use crate::model::domains::{Domain, NewDomain};
use crate::server::access::Caller;
use crate::server::services::{domains as svc, tenants};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

#[utoipa::path(get, path = "/api/v1/tenants/{id}/domains", tag = "domains",
    description = "The tenant's custom domains: status (`pending`, `verified`, `failed`), the TXT record to publish (`record_name`, `record_value`), the last check's answer and the next one. Only a verified domain resolves to the tenant. Members and platform administrators.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Vec<Domain>),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller).")))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Domain>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::list(&state.pool, &caller, tenant).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/domains", tag = "domains", request_body = NewDomain,
    description = "Claims a domain for the tenant and answers the TXT record to publish at `_tenantry-challenge.<domain>`. It is checked 1 minute later, then after 2, 4, 8 … minutes, at most every 6 hours, for 7 days (or at once with `…/verify`). The first domain becomes the tenant's primary one. Owners and admins of the tenant, and platform administrators.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 201, body = Domain, description = "Claimed; publish the record, then verify."),
              (status = 403, body = ErrorBody, description = "The caller may not change this tenant."),
              (status = 404, body = ErrorBody, description = "No such tenant."),
              (status = 409, body = ErrorBody, description = "Another tenant has the domain, the tenant has it already, it is one of the portal's own addresses, the plan's custom-domain limit is reached, or the tenant is not live."),
              (status = 422, body = ErrorBody, description = "Not a host name such as app.example.com.")))]
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewDomain>,
) -> Result<(StatusCode, Json<Domain>), AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok((StatusCode::CREATED, Json(svc::add(&state, &caller, tenant, &body).await?)))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/domains/{domain}/verify", tag = "domains",
    description = "Checks the domain's TXT record now and answers the domain with the check's result (`status`, `last_result`). A domain the checks gave up on starts a new 7-day window. A verified domain is answered as it is. Owners and admins of the tenant, and platform administrators.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("domain" = String, Path, description = "The domain")),
    responses((status = 200, body = Domain, description = "The domain after the check (verified or still pending)."),
              (status = 403, body = ErrorBody, description = "The caller may not change this tenant."),
              (status = 404, body = ErrorBody, description = "No such tenant, or the tenant has no such domain."),
              (status = 409, body = ErrorBody, description = "Another tenant claimed the domain after the checks gave up on this claim, or the tenant is not live.")))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, domain)): Path<(String, String)>,
) -> Result<Json<Domain>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::verify(&state, &caller, tenant, &domain).await?))
}

#[utoipa::path(delete, path = "/api/v1/tenants/{id}/domains/{domain}", tag = "domains",
    description = "Removes the domain: it stops resolving to the tenant at once, and sessions made on it end with it. Owners and admins of the tenant, and platform administrators.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("domain" = String, Path, description = "The domain")),
    responses((status = 204, description = "Removed."),
              (status = 403, body = ErrorBody, description = "The caller may not change this tenant."),
              (status = 404, body = ErrorBody, description = "No such tenant, or the tenant has no such domain."),
              (status = 409, body = ErrorBody, description = "The tenant is not live.")))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, domain)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    svc::remove(&state, &caller, tenant, &domain).await?;
    Ok(StatusCode::NO_CONTENT)
}
