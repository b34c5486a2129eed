//! `/api/v1/tenants/{id}/alerts…` (PRODUCT.md R7): a tenant's alerts and acknowledging one.

use super::ErrorBody;
use crate::error::AppError;
use crate::model::alerts::{Alert, AlertFilter};
use crate::server::access::Caller;
use crate::server::services::{alerts as svc, tenants};
use crate::server::state::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use std::collections::HashMap;

#[utoipa::path(get, path = "/api/v1/tenants/{id}/alerts", tag = "resources",
    description = "The tenant's alerts, newest first (at most 200): a resource's use crossed its soft or hard limit, or the month's cost passed its threshold. An alert stays open (or acknowledged) until use drops back below the limit; there is never more than one unresolved alert per resource and threshold. Needs usage:read or membership.",
    params(("id" = String, Path, description = "Tenant id or slug"),
           ("status" = Option<AlertFilter>, Query, description = "unresolved (default: open and acknowledged) or all")),
    responses((status = 200, body = Vec<Alert>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Json<Vec<Alert>>, AppError> {
    let filter = match p.get("status").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None | Some("unresolved") => AlertFilter::Unresolved,
        Some("all") => AlertFilter::All,
        Some(_) => return Err(AppError::bad_request("status must be unresolved or all.")),
    };
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::list(&state.pool, &caller, tenant, filter).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/alerts/{alert_id}/acknowledge", tag = "resources",
    description = "Marks an open alert as seen; it stays until use drops back. Acknowledging an acknowledged alert changes nothing. Owners and admins of the tenant, and platform administrators.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("alert_id" = i64, Path, description = "The alert's id")),
    responses((status = 200, body = Alert, description = "The alert after the change."),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller), or no such alert in it."),
              (status = 409, body = ErrorBody, description = "The alert has already resolved.")))]
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, alert)): Path<(String, i64)>,
) -> Result<Json<Alert>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::acknowledge(&state.pool, &caller, tenant, alert).await?))
}
