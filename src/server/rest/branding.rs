//! `/api/v1/tenants/{id}/branding` (PRODUCT.md C2): a tenant's logo address and colours
//! for the light and the dark scheme, each checked for contrast (WCAG AA) on the
//! backgrounds it sits on.

use super::json::ApiJson;
use super::ErrorBody;
use crate::error::AppError;
use crate::model::{Branding, TenantUpdate};
use crate::server::access::Caller;
use crate::server::logo;
use crate::server::services::logos;
use crate::server::services::tenants as svc;
use crate::server::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::{header, HeaderMap, HeaderValue};

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

/// A logo file as the request body, sent with its type.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct LogoFile(#[allow(dead_code)] Vec<u8>);

#[utoipa::path(put, path = "/api/v1/tenants/{id}/branding/logo", tag = "branding",
    description = "Uploads the tenant's logo: the file is the body, its type the Content-Type. A PNG, JPEG or WebP has sides of 16 to 4,096 pixels; an SVG has a viewBox (or a width and a height) and nothing that runs or reaches outside the file (scripts, event handlers, foreignObject, a DOCTYPE, external references, javascript: links, @import); neither is wider or taller than 10:1. At most 512 KB. The file's content must be what its type says. The logo is stored with the tenant and served at `/logos/{id}/{sha-256}.{ext}` (the answer's `logo_url`), cached for a year with `nosniff`; a new upload replaces it.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    request_body(description = "The logo file.", content(
        (LogoFile = "image/png"), (LogoFile = "image/jpeg"), (LogoFile = "image/webp"), (LogoFile = "image/svg+xml"))),
    responses((status = 200, body = Branding, description = "Stored: the branding now points at it."),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller)."),
              (status = 409, body = ErrorBody, description = "The tenant is terminated."),
              (status = 413, body = ErrorBody, description = "The file is over 512 KB."),
              (status = 415, body = ErrorBody, description = "The Content-Type is not image/png, image/jpeg, image/webp or image/svg+xml."),
              (status = 422, body = ErrorBody, description = "The file is empty, damaged, not what its type says, has sides out of range, or is an SVG that could run or fetch something (the message says which).")))]
pub async fn put_logo(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Branding>, AppError> {
    let too_large = || AppError::PayloadTooLarge("The logo may be at most 512 KB.".into());
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > logo::MAX_BYTES) {
        return Err(too_large());
    }
    let id = svc::resolve(&state.pool, &id).await?;
    // One byte over the limit is enough to know it is too large.
    let bytes = axum::body::to_bytes(body, logo::MAX_BYTES + 1).await.map_err(|_| too_large())?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    Ok(Json(logos::upload(&state, &caller, id, content_type, &bytes).await?.branding))
}

/// `GET /logos/{tenant}/{hash}.{ext}`: an uploaded logo, to anyone (the sign-in page shows
/// it before anyone is signed in; the address is the SHA-256 of the file, so only those
/// shown it know it). Cached for a year (the address changes with the file), `nosniff`,
/// and sandboxed, so an SVG opened on its own runs nothing.
pub async fn serve_logo(State(state): State<AppState>, Path((tenant, file)): Path<(String, String)>) -> Response {
    let found = match crate::model::branding::parse_logo_path(&format!("/logos/{tenant}/{file}")) {
        Some((tenant, hash, ext)) => crate::db::logos::get(&state.pool, tenant, hash)
            .await
            .map(|l| l.filter(|(ct, _)| logo::kind_by_ext(ext).is_some_and(|k| k.content_type == ct))),
        None => Ok(None),
    };
    match found {
        Ok(Some((content_type, bytes))) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_str(&content_type)
                        .unwrap_or(HeaderValue::from_static("application/octet-stream")),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
                (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
                (
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => AppError::not_found("There is no such logo.").into_response(),
        Err(e) => e.into_response(),
    }
}
