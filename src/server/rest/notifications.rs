//! `/api/v1/me/notifications` (PRODUCT.md C5): which kinds of event reach the signed-in
//! person, per tenant, by email and in the app.

use super::json::ApiJson;
use super::ErrorBody;
use crate::error::AppError;
use crate::model::notifications::{Preferences, PreferencesUpdate};
use crate::server::access::Caller;
use crate::server::services::notifications as svc;
use crate::server::state::AppState;
use axum::extract::State;
use axum::Json;

#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "notifications",
    description = "The signed-in person's choices for every tenant they belong to and every kind of event (`alerts`, `health`, `billing`, `members`, `lifecycle`): by `email` and `in_app`, with `default: true` where they haven't chosen (in the app: on; by email: on for owners). Also the number of unread notifications. People only: an API key gets 403.",
    responses((status = 200, body = Preferences),
              (status = 403, body = ErrorBody, description = "An API key: notifications belong to people.")))]
pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Json<Preferences>, AppError> {
    Ok(Json(svc::preferences(&state.pool, &caller).await?))
}

#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "notifications", request_body = PreferencesUpdate,
    description = "Saves some of the signed-in person's choices (1 to 500; the others stay as they are), all or none, and answers all of them. Every email the portal sends about a tenant's events honours them.",
    responses((status = 200, body = Preferences),
              (status = 403, body = ErrorBody, description = "An API key: notifications belong to people."),
              (status = 404, body = ErrorBody, description = "A tenant the person doesn't belong to."),
              (status = 422, body = ErrorBody, description = "No choices, more than 500, or an unknown kind of event.")))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PreferencesUpdate>,
) -> Result<Json<Preferences>, AppError> {
    Ok(Json(svc::set_preferences(&state.pool, &caller, &body).await?))
}
