//! Cross-site request forgery: state-changing requests from another site are refused.

use crate::error::AppError;
use crate::server::state::AppState;
use http::{header, Method};

/// CSRF: a browser always sends `Origin` (or `Sec-Fetch-Site`) with a cross-site POST;
/// state-changing requests from another site are refused. Requests without either header
/// come from programs, which a browser's cookies do not reach. The session cookie is also
/// SameSite=Lax.
pub(super) fn same_origin(parts: &http::request::Parts, state: &AppState) -> Result<(), AppError> {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    if parts.headers.contains_key(header::AUTHORIZATION) {
        // API keys are not ambient credentials: a cross-site page cannot attach one.
        return Ok(());
    }
    let refused = || AppError::forbidden("This request came from another site and was refused (cross-site request).");
    if let Some(origin) = parts.headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| refused())?;
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        let host = parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        let public = state.config.mail.public_url.trim_end_matches('/');
        if origin == "null" || (origin_host != host && origin != public) {
            return Err(refused());
        }
        return Ok(());
    }
    match parts.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("cross-site") | Some("same-site") => Err(refused()),
        _ => Ok(()),
    }
}
