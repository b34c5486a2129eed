//! `/api/v1/tenants/{id}/webhooks…` (PRODUCT.md E2): signed webhook endpoints, their
//! secrets, test events, the delivery log and replays.

use super::json::ApiJson;
use super::{parse_id, ErrorBody};
use crate::error::AppError;
use crate::model::webhooks::{Delivery, Endpoint, EndpointWithSecret, NewEndpoint, ReplayRange, Replayed};
use crate::server::access::Caller;
use crate::server::services::{tenants, webhooks as svc};
use crate::server::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use std::collections::HashMap;
use uuid::Uuid;

const DELIVERY: &str = "Each event is POSTed as JSON `{type, timestamp, tenant_id, data}` with the Standard Webhooks headers `webhook-id` (the same on every retry and replay: deduplicate on it), `webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the secret's base64 part; two space-separated signatures while a rotated secret overlaps). A 2xx answer delivers it. Otherwise it is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (±10 % jitter; later if `Retry-After` asks, up to a day): 8 attempts in all. 410 Gone disables the endpoint; an endpoint whose every delivery failed for 5 days is disabled and the tenant's owners are emailed. Redirects are not followed.";

async fn ids(state: &AppState, id: &str, endpoint: &str) -> Result<(Uuid, Uuid), AppError> {
    let tenant = tenants::resolve(&state.pool, id).await?;
    Ok((tenant, parse_id(endpoint, "webhook endpoint")?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/webhooks", tag = "webhooks",
    description = "The tenant's webhook endpoints (never their secrets). Owners and admins of the tenant, and platform administrators.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Vec<Endpoint>),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller).")))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Endpoint>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::list(&state.pool, &caller, tenant).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/webhooks", tag = "webhooks", request_body = NewEndpoint,
    description = "Registers an endpoint and answers its signing secret (`whsec_…`), shown only now. The URL must be http(s) and point to a public address after DNS resolution: loopback, private, link-local, carrier-grade NAT and cloud metadata addresses are refused unless the operator's `[outbound] allow` list names them (checked again at every delivery). Topics are exact (`alert.opened`), a family (`alert.*`) or `*`: tenant.provisioning, tenant.provisioned, tenant.activated, tenant.suspended, tenant.resumed, tenant.terminating, tenant.terminated, tenant.failed, tenant.plan_changed, quota.exceeded, alert.opened, alert.acknowledged, alert.resolved, policy.scaled, policy.notified, health.down, health.degraded, health.recovered. At most 20 endpoints per tenant.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 201, body = EndpointWithSecret),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller)."),
              (status = 409, body = ErrorBody, description = "The tenant has 20 endpoints already."),
              (status = 422, body = ErrorBody, description = "A field breaks its rule: the URL's shape or where it points, an unknown topic, no topic, or a description over 200 characters.")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewEndpoint>,
) -> Result<(StatusCode, Json<EndpointWithSecret>), AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok((StatusCode::CREATED, Json(svc::create(&state, &caller, tenant, body).await?)))
}

#[utoipa::path(delete, path = "/api/v1/tenants/{id}/webhooks/{endpoint_id}", tag = "webhooks",
    description = "Deletes an endpoint and its delivery log; nothing more is sent to it.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("endpoint_id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 204, description = "Deleted."),
              (status = 404, body = ErrorBody, description = "No such tenant or endpoint.")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, endpoint)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let (tenant, endpoint) = ids(&state, &id, &endpoint).await?;
    svc::delete(&state.pool, &caller, tenant, endpoint).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/webhooks/{endpoint_id}/test", tag = "webhooks",
    description = "Queues a `webhook.test` event for this endpoint only (whatever its topics); it is sent within a second or two and appears in the delivery log.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("endpoint_id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 202, body = Delivery, description = "Queued."),
              (status = 404, body = ErrorBody, description = "No such tenant or endpoint."),
              (status = 409, body = ErrorBody, description = "The endpoint is disabled.")))]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, endpoint)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Delivery>), AppError> {
    let (tenant, endpoint) = ids(&state, &id, &endpoint).await?;
    Ok((StatusCode::ACCEPTED, Json(svc::send_test(&state.pool, &caller, tenant, endpoint).await?)))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/webhooks/{endpoint_id}/rotate-secret", tag = "webhooks",
    description = "Issues a new signing secret, answered only now. The previous secret keeps signing for the configured overlap (24 hours by default): during it every delivery carries both signatures, so the receiver can switch at its own pace.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("endpoint_id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 200, body = EndpointWithSecret),
              (status = 404, body = ErrorBody, description = "No such tenant or endpoint.")))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, endpoint)): Path<(String, String)>,
) -> Result<Json<EndpointWithSecret>, AppError> {
    let (tenant, endpoint) = ids(&state, &id, &endpoint).await?;
    Ok(Json(svc::rotate(&state, &caller, tenant, endpoint).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/webhooks/{endpoint_id}/enable", tag = "webhooks",
    description = "Sends to a disabled endpoint again (after 410 Gone or 5 days of failures); what it missed can be replayed. Enabling an enabled endpoint changes nothing.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("endpoint_id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 200, body = Endpoint),
              (status = 404, body = ErrorBody, description = "No such tenant or endpoint.")))]
pub async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, endpoint)): Path<(String, String)>,
) -> Result<Json<Endpoint>, AppError> {
    let (tenant, endpoint) = ids(&state, &id, &endpoint).await?;
    Ok(Json(svc::enable(&state.pool, &caller, tenant, endpoint).await?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/webhooks/{endpoint_id}/deliveries", tag = "webhooks",
    description = DELIVERY,
    params(("id" = String, Path, description = "Tenant id or slug"), ("endpoint_id" = Uuid, Path, description = "The endpoint's id"),
           ("limit" = Option<i64>, Query, description = "At most this many (1 to 100; default 50)", minimum = 1, maximum = 100),
           ("before" = Option<String>, Query, description = "Only deliveries created before this RFC 3339 time (the next page)", format = DateTime)),
    responses((status = 200, body = Vec<Delivery>, description = "The endpoint's deliveries, newest first, each with its latest attempt: status, HTTP status, response time and the answer's first kilobyte."),
              (status = 400, body = ErrorBody, description = "limit or before is malformed."),
              (status = 404, body = ErrorBody, description = "No such tenant or endpoint.")))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, endpoint)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Vec<Delivery>>, AppError> {
    let limit = match q.get("limit").map(|s| s.trim()) {
        None | Some("") => 50,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=svc::LOG_MAX).contains(n))
            .ok_or_else(|| AppError::bad_request("limit must be a whole number from 1 to 100."))?,
    };
    let before = match q.get("before").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            chrono::DateTime::parse_from_rfc3339(s)
                .map_err(|_| AppError::bad_request("before must be an RFC 3339 time such as 2026-01-31T00:00:00Z."))?
                .with_timezone(&chrono::Utc),
        ),
    };
    let (tenant, endpoint) = ids(&state, &id, &endpoint).await?;
    Ok(Json(svc::deliveries(&state.pool, &caller, tenant, endpoint, before, limit).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay", tag = "webhooks",
    description = "Sends one delivery's event again, as a new delivery with the same `webhook-id` (receivers that already handled it can ignore it).",
    params(("id" = String, Path, description = "Tenant id or slug"), ("endpoint_id" = Uuid, Path, description = "The endpoint's id"),
           ("delivery_id" = Uuid, Path, description = "The delivery's id")),
    responses((status = 202, body = Delivery, description = "The new delivery, queued."),
              (status = 404, body = ErrorBody, description = "No such tenant, endpoint or delivery."),
              (status = 409, body = ErrorBody, description = "The endpoint is disabled.")))]
pub async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, endpoint, delivery)): Path<(String, String, String)>,
) -> Result<(StatusCode, Json<Delivery>), AppError> {
    let (tenant, endpoint) = ids(&state, &id, &endpoint).await?;
    let delivery = parse_id(&delivery, "delivery")?;
    Ok((StatusCode::ACCEPTED, Json(svc::replay_one(&state.pool, &caller, tenant, endpoint, delivery).await?)))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/webhooks/{endpoint_id}/replay", tag = "webhooks", request_body = ReplayRange,
    description = "Sends again the deliveries created in [since, until) — only the failed ones unless failed_only is false — oldest first, at most 10,000; each keeps its `webhook-id`.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("endpoint_id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 202, body = Replayed, description = "How many were queued."),
              (status = 404, body = ErrorBody, description = "No such tenant or endpoint."),
              (status = 409, body = ErrorBody, description = "The endpoint is disabled."),
              (status = 422, body = ErrorBody, description = "until is not after since.")))]
pub async fn replay_range(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, endpoint)): Path<(String, String)>,
    ApiJson(body): ApiJson<ReplayRange>,
) -> Result<(StatusCode, Json<Replayed>), AppError> {
    let (tenant, endpoint) = ids(&state, &id, &endpoint).await?;
    Ok((StatusCode::ACCEPTED, Json(svc::replay_range(&state.pool, &caller, tenant, endpoint, body).await?)))
}
