//! `/api/v1/plans` and `/api/v1/regions`.

use crate::error::AppError;
use crate::model::{Plan, Region};
use crate::server::access::Caller;
use crate::server::services::tenants as svc;
use crate::server::state::AppState;
use axum::extract::State;
use axum::Json;

#[utoipa::path(get, path = "/api/v1/plans", tag = "catalog", responses((status = 200, body = Vec<Plan>)))]
pub async fn plans(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Plan>>, AppError> {
    Ok(Json(svc::catalog(&state.pool, &caller).await?.plans))
}

#[utoipa::path(get, path = "/api/v1/regions", tag = "catalog", responses((status = 200, body = Vec<Region>)))]
pub async fn regions(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Region>>, AppError> {
    Ok(Json(svc::catalog(&state.pool, &caller).await?.regions))
}
