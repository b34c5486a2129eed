//! `/api/v1/tenants/{id}/users`, `/members` and `/invitations` (PRODUCT.md A3).

use super::json::ApiJson;
use super::{parse_id, ErrorBody};
use crate::error::AppError;
use crate::model::{Invitation, Member, NewInvitation, Role};
use crate::server::access::Caller;
use crate::server::services::{invitations, members, tenants};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RoleBody {
    /// Only an owner may make someone an owner or change an owner (403 otherwise).
    pub role: Role,
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/users", tag = "members",
    description = "The tenant's members with their roles.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Vec<Member>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Member>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(members::list(&state.pool, &caller, tenant).await?))
}

#[utoipa::path(put, path = "/api/v1/tenants/{id}/members/{user_id}", tag = "members", request_body = RoleBody,
    params(("id" = String, Path, description = "Tenant id or slug"), ("user_id" = String, Path, description = "User id")),
    responses((status = 200, body = Member), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_role(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<Json<Member>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let user = parse_id(&user, "member")?;
    Ok(Json(members::change_role(&state.pool, &caller, tenant, user, body.role).await?))
}

#[utoipa::path(delete, path = "/api/v1/tenants/{id}/members/{user_id}", tag = "members",
    params(("id" = String, Path, description = "Tenant id or slug"), ("user_id" = String, Path, description = "User id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let user = parse_id(&user, "member")?;
    members::remove(&state.pool, &caller, tenant, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/invitations", tag = "members",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Vec<Invitation>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_invitations(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Invitation>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(invitations::list(&state.pool, &caller, tenant).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/invitations", tag = "members", request_body = NewInvitation,
    description = "Invites someone by email; the email is sent at once (`last_error` says if it could not be).",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 201, body = Invitation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "Already a member, or the plan's seats are taken."),
              (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody, description = "The tenant sent as many invitation emails this hour as allowed ([auth].invitation_mails_per_hour).")))]
pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewInvitation>,
) -> Result<(StatusCode, Json<Invitation>), AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok((StatusCode::CREATED, Json(invitations::invite(&state, &caller, tenant, &body.email, body.role).await?)))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/invitations/{invitation_id}/resend", tag = "members",
    description = "Sends a new link (the old one stops working) with a new expiry.",
    params(("id" = String, Path, description = "Tenant id or slug"), ("invitation_id" = String, Path, description = "Invitation id")),
    responses((status = 200, body = Invitation), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "The invitation is no longer pending."),
              (status = 429, body = ErrorBody, description = "The tenant sent as many invitation emails this hour as allowed ([auth].invitation_mails_per_hour).")))]
pub async fn resend(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, inv)): Path<(String, String)>,
) -> Result<Json<Invitation>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let inv = parse_id(&inv, "invitation")?;
    Ok(Json(invitations::resend(&state, &caller, tenant, inv).await?))
}

#[utoipa::path(delete, path = "/api/v1/tenants/{id}/invitations/{invitation_id}", tag = "members",
    params(("id" = String, Path, description = "Tenant id or slug"), ("invitation_id" = String, Path, description = "Invitation id")),
    responses((status = 200, body = Invitation), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, inv)): Path<(String, String)>,
) -> Result<Json<Invitation>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let inv = parse_id(&inv, "invitation")?;
    Ok(Json(invitations::revoke(&state.pool, &caller, tenant, inv).await?))
}
