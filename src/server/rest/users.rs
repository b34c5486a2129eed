//! `/api/v1/users` (platform admins), `/api/v1/me` and tenant switching.

use super::{parse_id, ErrorBody};
use crate::error::AppError;
use crate::model::{Me, Page, User, UserStatus};
use crate::server::access::{Caller, Principal};
use crate::server::auth::Backend;
use crate::server::services::{session, tenants, users as svc};
use crate::server::state::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    params(("q" = Option<String>, Query, description = "Search email or name", max_length = 200),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page, as the server gave it (anything else is a 400)", max_length = 512)),
    responses((status = 200, body = Page<User>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Json<Page<User>>, AppError> {
    let q = p.get("q").map(String::as_str).unwrap_or("");
    Ok(Json(svc::list(&state.pool, &caller, q, p.get("cursor").map(String::as_str)).await?))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users",
    description = "Disables the account; the person's sessions end at once.",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<User>, AppError> {
    let id = parse_id(&id, "user")?;
    Ok(Json(svc::set_status(&state.pool, &caller, id, UserStatus::Disabled).await?))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<User>, AppError> {
    let id = parse_id(&id, "user")?;
    Ok(Json(svc::set_status(&state.pool, &caller, id, UserStatus::Active).await?))
}

/// Who is calling, and the tenant the request works in.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WhoAmI {
    /// `user` or `api_key`.
    pub kind: String,
    /// For people: id, email, name, platform admin flag, memberships, active tenant.
    #[schema(value_type = Option<Object>)]
    pub user: Option<Me>,
    /// For API keys: the key's name, prefix and scopes.
    #[schema(value_type = Option<Object>)]
    pub api_key: Option<serde_json::Value>,
    /// The tenant this request works in.
    pub tenant_id: Option<Uuid>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "users",
    description = "The caller (a person or an API key) and the tenant the request works in (from the API key, the X-Tenant-Id header, the subdomain, a custom domain or the session's choice).",
    responses((status = 200, body = WhoAmI), (status = 401, body = ErrorBody)))]
pub async fn me(caller: Caller) -> Result<Json<WhoAmI>, AppError> {
    let tenant_id = caller.tenant();
    match &caller.principal {
        Principal::User(me) => {
            Ok(Json(WhoAmI { kind: "user".into(), user: Some((**me).clone()), api_key: None, tenant_id }))
        }
        Principal::ApiKey(k) => Ok(Json(WhoAmI {
            kind: "api_key".into(),
            user: None,
            api_key: Some(serde_json::json!({ "id": k.id, "name": k.name, "prefix": k.prefix, "scopes": k.scopes })),
            tenant_id,
        })),
        _ => Err(AppError::unauthorized("Sign in, or send an API key as \u{201c}Authorization: Bearer <key>\u{201d}.")),
    }
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/switch", tag = "users",
    description = "Makes the tenant the one this session works in (people only).",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn switch(
    State(state): State<AppState>,
    caller: Caller,
    mut auth: axum_login::AuthSession<Backend>,
    Path(id): Path<String>,
) -> Result<Json<Me>, AppError> {
    if let Principal::ApiKey(_) = caller.principal {
        return Err(AppError::forbidden("API keys are bound to their tenant; only people switch."));
    }
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(Json(session::switch_tenant(&mut auth, &caller, tenant).await?))
}
