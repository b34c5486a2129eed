//! `/api/v1/tenants/{id}/branding` (PRODUCT.md C2): a tenant's logo address and colours
//! for the light and the dark scheme, each checked for contrast (WCAG AA) on the
//! backgrounds it sits on.

use super::json::ApiJson;
use super::ErrorBody;
use crate::error::AppError;
use crate::model::{Branding, TenantUpdate};
use crate::server::access::Caller;
use crate::server::services::tenants as svc;
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::Json;

const RULES: &str = "Colours are `#rrggbb`. Each must read on the backgrounds it sits on (WCAG AA): the primary colours (buttons, links, the current tab) 4.5:1 against the portal's light (#fafafa, #ffffff) or dark (#0f0f12, #17171b) backgrounds, the secondary and accent colours (chart lines, highlights) 3:1. A colour that fails is refused (422) with a colour of the same hue that passes in its message. The text on primary backgrounds is black or white, whichever reads better. A dark colour left out is the light one lightened until it reads on dark backgrounds.";

#[utoipa::path(get, path = "/api/v1/tenants/{id}/branding", tag = "branding",
    description = "The tenant's branding. Every member of the tenant, and platform administrators.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Branding),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller).")))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Branding>, AppError> {
    Ok(Json(svc::get(&state.pool, &caller, &id).await?.branding))
}

#[utoipa::path(put, path = "/api/v1/tenants/{id}/branding", tag = "branding", request_body = Branding,
    description = RULES,
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = Branding, description = "Saved: members see the portal in these colours from their next page or refresh."),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller)."),
              (status = 409, body = ErrorBody, description = "The tenant is terminated."),
              (status = 422, body = ErrorBody, description = "A colour is malformed or fails its contrast (the message names one that passes), or the logo address is not http(s).")))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(branding): ApiJson<Branding>,
) -> Result<Json<Branding>, AppError> {
    let id = svc::resolve(&state.pool, &id).await?;
    let change = TenantUpdate { branding: Some(branding), ..TenantUpdate::default() };
    Ok(Json(svc::update(&state, &caller, id, change).await?.branding))
}
