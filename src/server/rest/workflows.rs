//! `/api/v1/workflows`, `/api/v1/tenants/{id}/workflows` and `/exports` (PRODUCT.md P3,
//! P4, I4), `PUT /api/v1/plans/{plan_id}` (P2) and `/api/v1/template` (I2).

use super::json::ApiJson;
use super::{parse_id, ErrorBody};
use crate::error::AppError;
use crate::model::ExportInfo;
use crate::model::{Plan, Rollout, TemplateStatus, WorkflowRun};
use crate::server::access::Caller;
use crate::server::services::workflows as svc;
use crate::server::services::{plans, tenants};
use crate::server::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunFilter {
    /// `open` (unfinished), `all`, or pending, running, compensating, succeeded, failed, discarded.
    #[param(pattern = r"^(all|open|pending|running|compensating|succeeded|failed|discarded)$")]
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/workflows", tag = "workflows", params(RunFilter),
    description = "The newest 100 workflow runs of the tenants the caller may see, with their steps.",
    responses((status = 200, body = Vec<WorkflowRun>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(f): Query<RunFilter>,
) -> Result<Json<Vec<WorkflowRun>>, AppError> {
    Ok(Json(svc::list(&state.pool, &caller, f.status.as_deref()).await?))
}

#[utoipa::path(get, path = "/api/v1/workflows/{run_id}", tag = "workflows",
    params(("run_id" = String, Path, description = "Workflow run id")),
    responses((status = 200, body = WorkflowRun), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WorkflowRun>, AppError> {
    let id = parse_id(&id, "workflow run")?;
    Ok(Json(svc::get(&state.pool, &caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/workflows/{run_id}/retry", tag = "workflows",
    description = "Runs a failed run again: provisioning from the start (its work was undone), others from the failed step. Waits up to 20 s.",
    params(("run_id" = String, Path, description = "Workflow run id")),
    responses((status = 200, body = WorkflowRun), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WorkflowRun>, AppError> {
    let id = parse_id(&id, "workflow run")?;
    Ok(Json(svc::retry(&state, &caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/workflows/{run_id}/discard", tag = "workflows",
    description = "Gives up a failed provisioning: the run is discarded and the tenant terminated.",
    params(("run_id" = String, Path, description = "Workflow run id")),
    responses((status = 200, body = WorkflowRun), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn discard(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WorkflowRun>, AppError> {
    let id = parse_id(&id, "workflow run")?;
    Ok(Json(svc::discard(&state, &caller, id).await?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/workflows", tag = "workflows",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Vec<WorkflowRun>), (status = 404, body = ErrorBody)))]
pub async fn for_tenant(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<WorkflowRun>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::for_tenant(&state.pool, &caller, tenant).await?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/exports", tag = "workflows",
    description = "Data archives of a terminated tenant, kept until the retention date.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Vec<ExportInfo>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn exports(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ExportInfo>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(svc::exports(&state.pool, &caller, tenant).await?))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/exports/{export_id}", tag = "workflows",
    description = "Downloads an export: a tar with README.txt, manifest.json, SHA256SUMS, tenant.json, members.json and data/<table>.json.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("export_id" = String, Path, description = "Export id")),
    responses((status = 200, content_type = "application/x-tar", body = Vec<u8>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download_export(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, export)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let export = parse_id(&export, "export")?;
    let (name, bytes) = svc::export_file(&state.pool, &caller, tenant, export).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-tar".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

#[utoipa::path(put, path = "/api/v1/plans/{plan_id}", tag = "catalog", request_body = Plan,
    description = "Edits a plan (platform admins). Applies to tenants provisioned afterwards.",
    params(("plan_id" = String, Path, description = "Plan id")),
    responses((status = 200, body = Plan), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_plan(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(plan): ApiJson<Plan>,
) -> Result<Json<Plan>, AppError> {
    Ok(Json(plans::update(&state.pool, &caller, &id, plan).await?))
}

#[utoipa::path(get, path = "/api/v1/template", tag = "workflows",
    responses((status = 200, body = TemplateStatus), (status = 403, body = ErrorBody)))]
pub async fn template(State(state): State<AppState>, caller: Caller) -> Result<Json<TemplateStatus>, AppError> {
    Ok(Json(svc::template_status(&state, &caller).await?))
}

#[utoipa::path(post, path = "/api/v1/template/rollouts", tag = "workflows",
    description = "Rolls the newest template version out to every tenant below it (resumes a running roll-out). Answers 202 at once; progress is in GET /api/v1/template.",
    responses((status = 202, body = Rollout), (status = 403, body = ErrorBody)))]
pub async fn start_rollout(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<(StatusCode, Json<Rollout>), AppError> {
    Ok((StatusCode::ACCEPTED, Json(svc::begin_rollout(&state, &caller).await?)))
}
