//! `/api/v1/tenants/{id}/config…` (PRODUCT.md C1): a tenant's settings by category for its
//! services (API keys with `config:read`) and its admins: read with an `ETag` (304 to
//! `If-None-Match`), saved as a new version, listed with diffs, restored.

use super::json::ApiJson;
use super::ErrorBody;
use crate::error::AppError;
use crate::model::config::{json_schema, ConfigDocument, ConfigVersion};
use crate::server::access::Caller;
use crate::server::services::{config as svc, tenants};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Every category as it stands.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ConfigSet {
    pub categories: Vec<ConfigDocument>,
}

/// A category as it stands, with the JSON Schema its values follow.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CategoryBody {
    #[serde(flatten)]
    pub document: ConfigDocument,
    /// The category's JSON Schema (2020-12): every field's type, bounds and default.
    #[schema(value_type = Object)]
    pub schema: serde_json::Value,
}

/// A JSON answer with a strong `ETag` over its bytes, or 304 when `If-None-Match` names it.
fn tagged<T: Serialize>(headers: &HeaderMap, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let etag = format!("\"{}\"", digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>());
    let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
    let matches = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(',').any(|t| t.trim() == etag || t.trim() == "*" || t.trim().trim_start_matches("W/") == etag)
    });
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value), cache]).into_response();
    }
    ([(header::ETAG, etag_value), cache, (header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes)
        .into_response()
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/config", tag = "config",
    description = "Every settings category (general, auth, billing, features, integrations) with its current version (0: never saved, the defaults) and values. Needs config:read (API keys) or membership. Answers an ETag; with If-None-Match naming it, 304 and no body.",
    params(("id" = String, Path, description = "Tenant id or slug")),
    responses((status = 200, body = ConfigSet, headers(("ETag" = String, description = "Changes whenever any value does"))),
              (status = 304, description = "Unchanged since the ETag in If-None-Match."),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller).")))]
pub async fn all(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    Ok(tagged(&headers, &ConfigSet { categories: svc::all(&state.pool, &caller, tenant).await? }))
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/config/{category}", tag = "config",
    description = "One settings category: version, values, who saved it and when, and its JSON Schema. Needs config:read or membership. ETag and 304 as for the whole configuration.",
    params(("id" = String, Path, description = "Tenant id or slug"),
           ("category" = String, Path, description = "general, auth, billing, features or integrations")),
    responses((status = 200, body = CategoryBody, headers(("ETag" = String, description = "Changes whenever a value does"))),
              (status = 304, description = "Unchanged since the ETag in If-None-Match."),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller), or no such category.")))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, category)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let category = svc::category(&category)?;
    let document = svc::get(&state.pool, &caller, tenant, category).await?;
    Ok(tagged(&headers, &CategoryBody { document, schema: json_schema(category) }))
}

#[utoipa::path(put, path = "/api/v1/tenants/{id}/config/{category}", tag = "config",
    description = "Saves settings of a category as a new version: the body is an object of fields (those left out keep their values; unknown ones are refused), each checked against the category's JSON Schema (GET …/config/{category}). Owners and admins (tenants:write for API keys). An unchanged body saves nothing. With `expected_version` in the query other than the current version, 409: someone saved first.",
    params(("id" = String, Path, description = "Tenant id or slug"),
           ("category" = String, Path, description = "general, auth, billing, features or integrations"),
           ("expected_version" = Option<i32>, Query, description = "Refuse (409) unless this is the current version")),
    request_body(content = Object, description = "Field name → value"),
    responses((status = 200, body = ConfigDocument, description = "Saved (or unchanged)."),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller), or no such category."),
              (status = 409, body = ErrorBody, description = "Someone saved first, or the tenant is terminated."),
              (status = 422, body = ErrorBody, description = "A field is unknown, of the wrong type or out of range (one message per field).")))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, category)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<ExpectedVersion>,
    ApiJson(values): ApiJson<serde_json::Value>,
) -> Result<Json<ConfigDocument>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let category = svc::category(&category)?;
    Ok(Json(svc::save(&state, &caller, tenant, category, &values, q.expected_version).await?))
}

#[derive(serde::Deserialize)]
pub struct ExpectedVersion {
    expected_version: Option<i32>,
}

#[utoipa::path(get, path = "/api/v1/tenants/{id}/config/{category}/versions", tag = "config",
    description = "The category's saved versions, newest first (at most 100): who saved each and when, what it changed from the one before, its values, and the version it restored if it was a restore. Needs config:read or membership.",
    params(("id" = String, Path, description = "Tenant id or slug"),
           ("category" = String, Path, description = "general, auth, billing, features or integrations")),
    responses((status = 200, body = Vec<ConfigVersion>),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller), or no such category.")))]
pub async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, category)): Path<(String, String)>,
) -> Result<Json<Vec<ConfigVersion>>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let category = svc::category(&category)?;
    Ok(Json(svc::versions(&state.pool, &caller, tenant, category).await?))
}

#[utoipa::path(post, path = "/api/v1/tenants/{id}/config/{category}/versions/{version}/restore", tag = "config",
    description = "Makes an earlier version's values current again, as a new version (its `restored_from` names the one restored; the history keeps everything). Owners and admins.",
    params(("id" = String, Path, description = "Tenant id or slug"),
           ("category" = String, Path, description = "general, auth, billing, features or integrations"),
           ("version" = i32, Path, description = "The version to restore")),
    responses((status = 200, body = ConfigDocument, description = "The new current version."),
              (status = 404, body = ErrorBody, description = "No such tenant (or not visible to the caller), category or version."),
              (status = 409, body = ErrorBody, description = "The tenant is terminated, or someone saved at the same moment.")))]
pub async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, category, version)): Path<(String, String, i32)>,
) -> Result<Json<ConfigDocument>, AppError> {
    let tenant = tenants::resolve(&state.pool, &id).await?;
    let category = svc::category(&category)?;
    Ok(Json(svc::restore(&state, &caller, tenant, category, version).await?))
}
