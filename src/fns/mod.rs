//! Server functions: the app's own RPC, one module per area. Each one resolves its caller,
//! calls a service and sets the HTTP status from the error, exactly like the REST handlers.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod config;
pub mod domains;
pub mod flags;
pub mod members;
pub mod monitoring;
pub mod notifications;
pub mod policies;
pub mod resources;
pub mod system;
pub mod tenants;
pub mod usage;
pub mod users;
pub mod webhooks;
pub mod workflows;

/// Sets the response status from the error so server functions answer 4xx/5xx honestly.
#[cfg(feature = "ssr")]
pub(crate) fn respond<T>(result: Result<T, crate::error::AppError>) -> Result<T, crate::error::AppError> {
    if let Err(e) = &result {
        if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            opts.set_status(http::StatusCode::from_u16(e.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
            if let Some(secs) = e.retry_after() {
                opts.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
            }
        }
    }
    result
}
