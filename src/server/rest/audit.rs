//! `/api/v1/audit`: the audit trail (PRODUCT.md E1).

use super::ErrorBody;
use crate::error::AppError;
use crate::model::{AuditEvent, AuditQuery, Page};
use crate::server::access::Caller;
use crate::server::services::{audit as svc, tenants};
use crate::server::state::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    params(
        ("tenant_id" = Option<String>, Query, description = "Tenant id or slug (404 if the caller can't see it)", max_length = 100),
        ("action" = Option<String>, Query, description = "Exact action, or a prefix ending in . (tenant.)", max_length = 100),
        ("since" = Option<DateTime<Utc>>, Query, description = "RFC 3339 time, inclusive"),
        ("until" = Option<DateTime<Utc>>, Query, description = "RFC 3339 time, exclusive (before since: no events)"),
        ("limit" = Option<u32>, Query, description = "Page size, default 50", minimum = 1, maximum = 200),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page, as the server gave it (anything else is a 400)", max_length = 512),
    ),
    responses((status = 200, body = Page<AuditEvent>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Json<Page<AuditEvent>>, AppError> {
    let q = parse_query(&state, &p).await?;
    Ok(Json(svc::list(&state.pool, &caller, &q).await?))
}

/// Reads the audit filters from query parameters; bad values are a clear 400.
async fn parse_query(state: &AppState, p: &HashMap<String, String>) -> Result<AuditQuery, AppError> {
    let time = |k: &str| -> Result<Option<DateTime<Utc>>, AppError> {
        match p.get(k).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => DateTime::parse_from_rfc3339(s).map(|t| Some(t.with_timezone(&Utc))).map_err(|_| {
                AppError::bad_request(format!("{k} must be an RFC 3339 time such as 2026-01-31T00:00:00Z."))
            }),
        }
    };
    let tenant_id = match p.get("tenant_id").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some(t) => Some(tenants::resolve(&state.pool, t).await?),
        None => None,
    };
    let limit = match p.get("limit") {
        Some(l) => Some(
            l.parse::<u32>()
                .ok()
                .filter(|n| (1..=200).contains(n))
                .ok_or_else(|| AppError::bad_request("limit must be a whole number from 1 to 200."))?,
        ),
        None => None,
    };
    Ok(AuditQuery {
        tenant_id,
        action: p.get("action").cloned(),
        since: time("since")?,
        until: time("until")?,
        limit,
        cursor: p.get("cursor").cloned(),
    })
}

#[utoipa::path(get, path = "/api/v1/audit/export.csv", tag = "audit",
    description = "The events matching the same filters as GET /api/v1/audit, newest first, as CSV (at most 100,000 rows), streamed. Cells that a spreadsheet would run as a formula start with an apostrophe. One export per person at a time: a second one answers 429 until the first has finished.",
    params(
        ("tenant_id" = Option<String>, Query, description = "Tenant id or slug (404 if the caller can't see it)", max_length = 100),
        ("action" = Option<String>, Query, description = "Exact action, or a prefix ending in .", max_length = 100),
        ("since" = Option<DateTime<Utc>>, Query, description = "RFC 3339 time, inclusive"),
        ("until" = Option<DateTime<Utc>>, Query, description = "RFC 3339 time, exclusive"),
    ),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
pub async fn export_csv(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> Result<impl IntoResponse, AppError> {
    let q = parse_query(&state, &p).await?;
    let rows = svc::export_csv(&state.pool, &caller, q).await?;
    let name = format!("attachment; filename=\"audit-{}.csv\"", Utc::now().format("%Y%m%d-%H%M%S"));
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, name)],
        axum::body::Body::from_stream(rows),
    ))
}
