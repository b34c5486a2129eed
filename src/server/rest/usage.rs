//! `/api/v1/usage` and `/api/v1/tenants/{id}/usage…`, `/invoices…` (PRODUCT.md U1-U4):
//! reporting usage, reading it, and invoices.

use super::json::ApiJson;
use super::{parse_id, ErrorBody};
use crate::error::AppError;
use crate::model::usage::*;
use crate::server::access::Caller;
use crate::server::services::tenants;
use crate::server::services::usage::{self as svc, billing, ingest};
use crate::server::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// What `POST /api/v1/usage` takes (documentation; the server reads each event on its own).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UsageBatch {
    /// Only for platform administrators: the tenant (id or slug) the usage is for. An API
    /// key always reports for its own tenant.
    #[schema(max_length = 100)]
    tenant: Option<String>,
    /// 1 to 1,000 events. Each is `{metric, value, time, idempotency_key, dimensions?}`:
    /// metric from GET /api/v1/usage/metrics (a reported one); value a finite number ≥ 0;
    /// time RFC 3339, at most 35 days ago and 5 minutes ahead; idempotency_key 1–128
    /// characters, unique per event (a resend with the same key and payload is a
    /// duplicate, a different payload a conflict); dimensions an object of at most 16
    /// names to numbers, booleans or text up to 100 characters. An event breaking a rule
    /// is answered as `invalid` in `results`; the others are still counted.
    #[schema(min_items = 1, max_items = 1000, value_type = Vec<Object>)]
    events: Vec<serde_json::Value>,
}

#[utoipa::path(post, path = "/api/v1/usage", tag = "usage", request_body = UsageBatch,
    description = "Reports usage events, counted exactly once per idempotency key (kept 35 days). Needs an API key with usage:write (or a platform administrator naming `tenant`). The body may be at most [usage].max_batch_bytes (1 MiB by default).",
    responses((status = 200, body = BatchResult, description = "Each event's outcome: accepted, duplicate, conflict or invalid."),
              (status = 404, body = ErrorBody, description = "The named tenant does not exist, or the caller may not see it."),
              (status = 413, body = ErrorBody, description = "More than 1,000 events, or a body over the size limit."),
              (status = 403, body = ErrorBody, description = "The key lacks usage:write, the tenant is not active, or a person names no tenant and works in none."),
              (status = 422, body = ErrorBody, description = "No events."),
              (status = 503, body = ErrorBody, description = "Other batches with the same idempotency keys kept being written at the same moment; send the batch again.")))]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(batch): ApiJson<ingest::Batch>,
) -> Result<Json<BatchResult>, AppError> {
    Ok(Json(ingest::ingest(&state.pool, &state.metrics, &caller, batch).await?))
}

#[utoipa::path(get, path = "/api/v1/usage/metrics", tag = "usage",
    description = "The metric catalog: what can be reported (source reported) and what the portal measures itself.",
    responses((status = 200, body = Vec<Metric>)))]
pub async fn metrics(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Metric>>, AppError> {
    Ok(Json(svc::metrics(&state.pool, &caller).await?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/usage", tag = "usage",
    description = "The current billing period (calendar month, UTC): per metric the use so far, the allocation and the overage cost; the cost so far (plan price + overage), as_of and the rollup lag. Needs usage:read or membership.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = TenantUsage)))]
pub async fn current(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TenantUsage>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::current(&state.pool, &caller, tenant).await?))
}

/// One metric's days.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MetricDays {
    pub metric: String,
    pub unit: String,
    pub aggregation: Aggregation,
    /// One point per day (summed metrics: every day, 0 without use; others: days measured).
    pub points: Vec<Point>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DailyUsage {
    pub tenant_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub metrics: Vec<MetricDays>,
}

fn date(p: &HashMap<String, String>, k: &str) -> Result<Option<NaiveDate>, AppError> {
    match p.get(k).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            s.parse().map(Some).map_err(|_| AppError::bad_request(format!("{k} must be a date such as 2026-12-01.")))
        }
    }
}

fn text<'a>(p: &'a HashMap<String, String>, k: &str) -> Option<&'a str> {
    p.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/usage/daily", tag = "usage",
    description = "Daily values per metric in [from, to): at most 400 days (an earlier `from` is moved up; `from` after `to` answers no days). The answer's `from` and `to` are the range covered.",
    params(("id" = String, Path, description = "Tenant id or slug"),
           ("metric" = Option<String>, Query, description = "One metric (default: all)", max_length = 40),
           ("from" = Option<NaiveDate>, Query, description = "First day (default: 30 days before to)"),
           ("to" = Option<NaiveDate>, Query, description = "The day after the last (default: tomorrow)")),
    responses((status = 200, body = DailyUsage)))]
pub async fn daily(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Json<DailyUsage>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let (from, to) = svc::day_range(date(&p, "from")?, date(&p, "to")?);
    let series = svc::daily(&state.pool, &caller, tenant, text(&p, "metric"), from, to).await?;
    Ok(Json(DailyUsage {
        tenant_id: tenant,
        from,
        to,
        metrics: series
            .into_iter()
            .map(|(m, points)| MetricDays { metric: m.id, unit: m.unit, aggregation: m.aggregation, points })
            .collect(),
    }))
}

fn period(p: &HashMap<String, String>) -> Result<Period, AppError> {
    match text(p, "period") {
        None => Ok(Period::Day),
        Some(s) => Period::parse(s).ok_or_else(|| AppError::bad_request("period must be day, week or month.")),
    }
}

fn metric_param(p: &HashMap<String, String>) -> Result<&str, AppError> {
    text(p, "metric").ok_or_else(|| AppError::bad_request("Name a metric, e.g. metric=api_calls."))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/usage/trends", tag = "usage",
    description = "A metric per day, week (from Monday) or month in [from, to), aligned to whole buckets (at most 400; `from` after `to` answers none), with the same number of buckets before it and the change in percent.",
    params(("id" = String, Path, description = "Tenant id or slug"),
           ("metric" = String, Query, description = "The metric", min_length = 1, max_length = 40),
           ("period" = Option<Period>, Query, description = "day (default), week or month"),
           ("from" = Option<NaiveDate>, Query, description = "First day (default: 30 days, 12 weeks or 6 months before to)"),
           ("to" = Option<NaiveDate>, Query, description = "The day after the last (default: tomorrow)")),
    responses((status = 200, body = Trend)))]
pub async fn trends(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Json<Trend>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let (metric, period, from, to) = (metric_param(&p)?, period(&p)?, date(&p, "from")?, date(&p, "to")?);
    Ok(Json(svc::trend(&state.pool, &caller, Some(tenant), metric, period, from, to).await?))
}

#[utoipa::path(get, path = "/api/v1/usage/top", tag = "usage",
    description = "Platform administrators: the ten tenants using a metric most in the current day, week or month, and the ten whose use grew most against the one before.",
    params(("metric" = String, Query, description = "The metric", min_length = 1, max_length = 40),
           ("period" = Option<Period>, Query, description = "day (default), week or month")),
    responses((status = 200, body = TopUsage)))]
pub async fn top(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Json<TopUsage>, AppError> {
    Ok(Json(svc::top(&state.pool, &caller, metric_param(&p)?, period(&p)?).await?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/invoices", tag = "usage",
    description = "The tenant's invoices, newest first (at most 36), with their lines.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Vec<Invoice>)))]
pub async fn invoices(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Invoice>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(billing::invoices(&state.pool, &caller, tenant).await?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/invoices/{invoice_id}", tag = "usage",
    description = "One invoice: JSON, or CSV (one row per line, then the total) when the request sends `Accept: text/csv` or `format=csv`.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("invoice_id" = String, Path, description = "Invoice id"),
           ("format" = Option<String>, Query, description = "csv for CSV (as Accept: text/csv), json or empty for JSON", pattern = "^(csv|json)?$")),
    responses((status = 200, body = Invoice, content_type = "application/json"),
              (status = 200, body = String, content_type = "text/csv")))]
pub async fn invoice(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, invoice)): Path<(String, String)>,
    Query(p): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let format = text(&p, "format");
    if format.is_some_and(|f| f != "csv" && f != "json") {
        return Err(AppError::bad_request("format must be csv or json."));
    }
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let invoice = parse_id(&invoice, "invoice")?;
    let inv = billing::invoice(&state.pool, &caller, tenant, invoice).await?;
    let csv = format == Some("csv")
        || (format.is_none()
            && headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/csv")));
    if !csv {
        return Ok(Json(inv).into_response());
    }
    let body = billing::invoice_csv(&inv)?;
    let disposition = format!("attachment; filename=\"{}.csv\"", inv.number.replace(['"', '\\'], ""));
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        body,
    )
        .into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct CostAlertBody {
    /// Email the owners once per month when the month's cost passes this (whole cents);
    /// null (or leaving it out) removes the alert.
    #[serde(default, deserialize_with = "crate::model::whole::opt_i64")]
    #[schema(minimum = 1, maximum = 100000000000_i64)]
    pub threshold_cents: Option<i64>,
}

#[utoipa::path(put, path = "/api/v1/tenants/{id}/usage/cost-alert", tag = "usage", request_body = CostAlertBody,
    description = "Sets or removes the tenant's monthly cost alert (tenant owners and admins).",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = TenantUsage)))]
pub async fn set_cost_alert(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CostAlertBody>,
) -> Result<Json<TenantUsage>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    billing::set_cost_alert(&state.pool, &caller, tenant, body.threshold_cents).await?;
    Ok(Json(svc::current(&state.pool, &caller, tenant).await?))
}
