//! `/api/v1/tenants/{id}/health-checks…`, `…/incidents…` and `/api/v1/health/overview`
//! (PRODUCT.md H2–H4): the tenants' service checks, their results and incidents.

use super::json::ApiJson;
use super::{parse_id, ErrorBody};
use crate::error::AppError;
use crate::model::monitoring::{Acknowledge, Check, CheckInput, Incident, Overview, PeriodSummary, ProbeResult};
use crate::server::access::Caller;
use crate::server::services::{monitoring as svc, tenants};
use crate::server::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

const PROBING: &str = "Each check is probed every `interval_secs` (at least 10) from the portal with a real HTTP request (at most 5 redirects, each checked against the outbound policy; the first 64 KiB of the body read). A probe is down on a connection failure, a timeout, a TLS failure or an unexpected status; degraded when the body lacks `body_contains`, the answer is slower than `slow_ms`, or an https certificate expires within `cert_expiry_days`. The service counts as down (or degraded) after `down_after` consecutive bad probes, the last confirmed by an immediate re-check, and as up again after `up_after` good ones; each change opens or closes an incident and sends `health.down`, `health.degraded` or `health.recovered` webhooks and emails to the owners (not while the check is silenced; a recovery only for an announced incident). The URL must point to a public address after DNS resolution unless the operator's `[outbound] allow` list names it.";

async fn ids(state: &AppState, id: &str, check: &str) -> Result<(Uuid, Uuid), AppError> {
    let tenant = tenants::resolve(&state.pool, id).await?;
    Ok((tenant, parse_id(check, "health check")?))
}

fn time(q: &HashMap<String, String>, name: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    match q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s).map(|t| Some(t.with_timezone(&Utc))).map_err(|_| {
            AppError::bad_request(format!("{name} must be an RFC 3339 time such as 2026-01-31T00:00:00Z."))
        }),
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/health-checks", tag = "health checks",
    description = "The tenant's health checks with their current state and last result. Every member of the tenant, and platform administrators.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Vec<Check>),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller).")))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Check>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::list(&state.pool, &caller, tenant).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/health-checks", tag = "health checks", request_body = CheckInput,
    description = PROBING,
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 201, body = Check, description = "Created; its first probe comes within its interval (at most a minute)."),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller)."),
              (status = 409, body = ErrorBody, description = "The tenant has a check with that name, or 100 checks already."),
              (status = 422, body = ErrorBody, description = "A field breaks its rule: a URL that is not http(s) or points to a refused address, an interval under 10 s, a timeout over the interval, a response-time target not under the timeout, malformed expected statuses.")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CheckInput>,
) -> Result<(StatusCode, Json<Check>), AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok((StatusCode::CREATED, Json(svc::create(&state, &caller, tenant, body).await?)))
}

#[utoipa::path(put, path = "/api/v1/tenants/{id}/health-checks/{check_id}", tag = "health checks", request_body = CheckInput,
    description = "Replaces a check's definition (its state, results and incidents stay); it is probed again within its interval. Owners and admins of the tenant, and platform administrators.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("check_id" = Uuid, Path, description = "The check's id")),
    responses((status = 200, body = Check),
              (status = 404, body = ErrorBody, description = "No such tenant or check."),
              (status = 409, body = ErrorBody, description = "Another check of the tenant has that name."),
              (status = 422, body = ErrorBody, description = "A field breaks its rule (as when creating).")))]
pub async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, check)): Path<(String, String)>,
    ApiJson(body): ApiJson<CheckInput>,
) -> Result<Json<Check>, AppError> {
    let (tenant, check) = ids(&state, &id, &check).await?;
    Ok(Json(svc::replace(&state, &caller, tenant, check, body).await?))
}

#[utoipa::path(delete, path = "/api/v1/tenants/{id}/health-checks/{check_id}", tag = "health checks",
    description = "Deletes a check with its results, rollups and incidents.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("check_id" = Uuid, Path, description = "The check's id")),
    responses((status = 204, description = "Deleted."),
              (status = 404, body = ErrorBody, description = "No such tenant or check.")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, check)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let (tenant, check) = ids(&state, &id, &check).await?;
    svc::delete(&state.pool, &caller, tenant, check).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/health-checks/{check_id}/run", tag = "health checks",
    description = "Probes the check now and answers the result (a worsening is confirmed by a re-check first, whose result is answered). It counts like a scheduled probe: the state may change.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("check_id" = Uuid, Path, description = "The check's id")),
    responses((status = 200, body = ProbeResult),
              (status = 404, body = ErrorBody, description = "No such tenant or check.")))]
pub async fn run(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, check)): Path<(String, String)>,
) -> Result<Json<ProbeResult>, AppError> {
    let (tenant, check) = ids(&state, &id, &check).await?;
    Ok(Json(svc::run_now(&state, &caller, tenant, check).await?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/health-checks/{check_id}/results", tag = "health checks",
    description = "The check's probe results in [from, to), newest first, at most 1,000 (none when from is not before to). Raw results are kept for `[health] retention_days` (14 by default); uptime over longer periods comes from the hourly rollups.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("check_id" = Uuid, Path, description = "The check's id"),
           ("from" = Option<String>, Query, description = "RFC 3339 time (default: 24 hours before `to`)", format = DateTime),
           ("to" = Option<String>, Query, description = "RFC 3339 time (default: now)", format = DateTime)),
    responses((status = 200, body = Vec<ProbeResult>),
              (status = 400, body = ErrorBody, description = "from or to is not an RFC 3339 time."),
              (status = 404, body = ErrorBody, description = "No such tenant or check.")))]
pub async fn results(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, check)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Vec<ProbeResult>>, AppError> {
    let (from, to) = (time(&q, "from")?, time(&q, "to")?);
    let (tenant, check) = ids(&state, &id, &check).await?;
    Ok(Json(svc::results(&state.pool, &caller, tenant, check, from, to).await?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/health-checks/{check_id}/uptime", tag = "health checks",
    description = "What the check did over [from, to): probes, failed (down) ones and so its uptime, degraded ones, and the p50 and p95 response times. Computed from the rollups (whole UTC days from the daily ones, the partial days at the edges from the hourly ones), so any period answers at once; the hours `from` and `to` fall in count whole. A period longer than 400 days (the rollups' retention by default) is cut to the 400 days ending at `to`: the answer's `from` says where it starts. A period with from not before to holds no probes.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("check_id" = Uuid, Path, description = "The check's id"),
           ("from" = Option<String>, Query, description = "RFC 3339 time (default: 30 days before `to`)", format = DateTime),
           ("to" = Option<String>, Query, description = "RFC 3339 time (default: now)", format = DateTime)),
    responses((status = 200, body = PeriodSummary),
              (status = 400, body = ErrorBody, description = "from or to is not an RFC 3339 time."),
              (status = 404, body = ErrorBody, description = "No such tenant or check.")))]
pub async fn uptime(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, check)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<PeriodSummary>, AppError> {
    let (from, to) = (time(&q, "from")?, time(&q, "to")?);
    let (tenant, check) = ids(&state, &id, &check).await?;
    Ok(Json(svc::uptime(&state.pool, &caller, tenant, check, from, to).await?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/incidents", tag = "health checks",
    description = "The tenant's incidents: open ones first, then the latest closed ones; each with its cause and the failing responses that opened it.",
    params(("id" = String, Path, description = "Tenant id or slug"),
           ("limit" = Option<i64>, Query, description = "At most this many (1 to 200; default 50)", minimum = 1, maximum = 200)),
    responses((status = 200, body = Vec<Incident>),
              (status = 400, body = ErrorBody, description = "limit is malformed."),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller).")))]
pub async fn incidents(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Vec<Incident>>, AppError> {
    let limit = match q.get("limit").map(|s| s.trim()) {
        None | Some("") => 50,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or_else(|| AppError::bad_request("limit must be a whole number from 1 to 200."))?,
    };
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::incidents(&state.pool, &caller, tenant, limit).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/incidents/{incident_id}/acknowledge", tag = "health checks", request_body = Acknowledge,
    description = "Acknowledges an incident (who and when are recorded, with the note) and optionally silences its check's alerts for a while: an incident that opens while a check is silenced sends no alerts, and its recovery none either.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("incident_id" = Uuid, Path, description = "The incident's id")),
    responses((status = 200, body = Incident),
              (status = 404, body = ErrorBody, description = "No such tenant or incident."),
              (status = 422, body = ErrorBody, description = "The note is over 500 characters, or silence_minutes is outside 0 to 10,080.")))]
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, incident)): Path<(String, String)>,
    ApiJson(body): ApiJson<Acknowledge>,
) -> Result<Json<Incident>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let incident = parse_id(&incident, "incident")?;
    Ok(Json(svc::acknowledge(&state.pool, &caller, tenant, incident, body).await?))
}

#[utoipa::path(get, path = "/api/v1/health/overview", tag = "health checks",
    description = "Every tenant's checks (platform administrators): counts by state, open incidents, and per check its state, 24-hour uptime and p95 response time; down first, then degraded, pending and up.",
    params(("state" = Option<String>, Query, description = "Only checks in this state", pattern = "^(all|down|degraded|up|pending)?$"),
           ("q" = Option<String>, Query, description = "Only checks whose tenant name or slug, name or URL contains this", max_length = 100)),
    responses((status = 200, body = Overview),
              (status = 400, body = ErrorBody, description = "state is not a state, or q is over 100 characters.")))]
pub async fn overview(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Overview>, AppError> {
    let filter = q.get("state").map(String::as_str);
    let text = q.get("q").map(String::as_str);
    Ok(Json(svc::overview(&state.pool, &caller, filter, text).await?))
}
