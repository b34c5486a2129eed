//! `/api/v1/tenants`: the registry over REST (PRODUCT.md T1–T3, T6).

use super::json::{ApiJson, MaybeJson};
use super::ErrorBody;
use crate::error::AppError;
use crate::model::{
    Isolation, LifecycleAction, NewTenant, Page, Tenant, TenantQuery, TenantStats, TenantStatus, TenantSummary,
    TenantUpdate, WorkflowRun,
};
use crate::server::access::Caller;
use crate::server::services::tenants as svc;
use crate::server::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use std::collections::HashMap;

/// Why a tenant is suspended or terminated; kept with the status and in the audit trail.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReasonBody {
    /// A sentence for the people who will read the tenant's history. (Left out, it is
    /// refused with 422 naming the field, like every other missing value.)
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 500, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$")]
    pub reason: String,
}

#[utoipa::path(get, path = "/api/v1/tenants", tag = "tenants",
    params(
        ("q" = Option<String>, Query, description = "Search name, slug or custom domain", max_length = 200),
        ("status" = Option<TenantStatus>, Query, description = "Only tenants in this status"),
        ("plan" = Option<String>, Query, description = "Plan id", max_length = 100),
        ("region" = Option<String>, Query, description = "Region id", max_length = 100),
        ("isolation" = Option<Isolation>, Query, description = "Only tenants with this isolation model"),
        ("sort" = Option<String>, Query, description = "name, slug, created_at or updated_at; prefix - for descending (default -created_at)",
            pattern = r"^-?(name|slug|created_at|updated_at)$"),
        ("limit" = Option<u32>, Query, description = "Page size, default 25", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page, as the server gave it (anything else is a 400)", max_length = 512),
    ),
    responses((status = 200, body = Page<TenantSummary>)))]
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
    description = "Soft delete: the tenant moves through terminating to terminated (its data is exported, then removed) and the export is kept until the retention date. Waits up to 20 s for the workflow.",
    params(("id" = String, Path, description = "Tenant id or slug"),
           ("reason" = String, Query, description = "Why the tenant is deleted (1 to 500 characters)", min_length = 1, max_length = 500, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$")),
    responses((status = 200, body = Tenant), (status = 409, body = ErrorBody, description = "The tenant's status does not allow it, or another lifecycle action is running."),
              (status = 422, body = ErrorBody, description = "The reason is missing, blank or too long.")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    MaybeJson(body): MaybeJson<ReasonBody>,
) -> Result<Json<Tenant>, AppError> {
    // The body is still read for clients written against the first version of the API.
    let reason = params.get("reason").cloned().or_else(|| body.map(|b| b.reason));
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

#[utoipa::path(post, path = "/api/v1/tenants/{id}/activate", tag = "tenants",
    description = "Provisions a pending tenant (or retries a failed provisioning) and waits up to 20 s for it.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Tenant), (status = 409, body = ErrorBody, description = "The tenant's status does not allow it, or another lifecycle action is running.")))]
pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Tenant>, AppError> {
    act(state, caller, id, LifecycleAction::Activate, None).await
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/suspend", tag = "tenants",
    description = "Blocks the tenant's access and keeps its data; waits up to 20 s for the workflow.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    request_body = ReasonBody,
    responses((status = 200, body = Tenant), (status = 409, body = ErrorBody, description = "The tenant's status does not allow it, or another lifecycle action is running.")))]
pub async fn suspend(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    MaybeJson(body): MaybeJson<ReasonBody>,
) -> Result<Json<Tenant>, AppError> {
    act(state, caller, id, LifecycleAction::Suspend, body.map(|b| b.reason)).await
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/resume", tag = "tenants",
    description = "Restores a suspended tenant's access; waits up to 20 s for the workflow.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Tenant), (status = 409, body = ErrorBody, description = "The tenant's status does not allow it, or another lifecycle action is running.")))]
pub async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Tenant>, AppError> {
    act(state, caller, id, LifecycleAction::Resume, None).await
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/terminate", tag = "tenants",
    description = "The same as DELETE /api/v1/tenants/{id}, with the reason in the body.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    request_body = ReasonBody,
    responses((status = 200, body = Tenant), (status = 409, body = ErrorBody, description = "The tenant's status does not allow it, or another lifecycle action is running.")))]
pub async fn terminate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    MaybeJson(body): MaybeJson<ReasonBody>,
) -> Result<Json<Tenant>, AppError> {
    act(state, caller, id, LifecycleAction::Terminate, body.map(|b| b.reason)).await
}

/// The plan a tenant moves to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PlanChangeBody {
    /// A plan id (GET /api/v1/plans). Left out, it is refused with 422 naming the field.
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 100, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$")]
    pub plan: String,
}

#[utoipa::path(put, path = "/api/v1/tenants/{id}/upgrade", tag = "tenants",
    description = "Moves an active tenant to another plan (up or down; platform administrators). The tenant's current use must fit the new plan. Answers 202 with the queued `change_plan` workflow run (GET /api/v1/workflows/{run_id} follows it): it checks the fit again, snapshots the plan, allocations and features, applies the new plan (allocations set to its amounts; the feature flags follow the plan and the tenant's overrides stay), verifies, and restores the snapshot if a step fails.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    request_body = PlanChangeBody,
    responses((status = 202, body = WorkflowRun, description = "The plan change is queued."),
              (status = 409, body = ErrorBody, description = "The tenant's current use doesn't fit the new plan (the message names each resource, and `fields` has one entry per resource), the tenant is already on that plan or is not active, or another workflow of the tenant is running."),
              (status = 422, body = ErrorBody, description = "The plan is missing or there is no plan with that id.")))]
pub async fn change_plan(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PlanChangeBody>,
) -> Result<(StatusCode, Json<WorkflowRun>), AppError> {
    let id = svc::resolve(&state.pool, &id).await?;
    let run = crate::server::services::plan_changes::start(&state, &caller, id, &body.plan).await?;
    Ok((StatusCode::ACCEPTED, Json(run)))
}

#[utoipa::path(get, path = "/api/v1/tenants/stats", tag = "tenants",
    responses((status = 200, body = TenantStats)))]
pub async fn stats(State(state): State<AppState>, caller: Caller) -> Result<Json<TenantStats>, AppError> {
    Ok(Json(svc::stats(&state.pool, &caller).await?))
}
