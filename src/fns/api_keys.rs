//! Server functions for a tenant's API keys.

use crate::error::AppError;
use crate::model::{ApiKey, CreatedApiKey};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{
    fns::respond,
    model::{NewApiKey, Scope},
    server::access::Caller,
    server::services::api_keys as svc,
    server::state::AppState,
};

#[server]
pub async fn list_api_keys(tenant: Uuid) -> Result<Vec<ApiKey>, AppError> {
    respond(async { svc::list(&AppState::from_context()?.pool, &Caller::current(), tenant).await }.await)
}

/// Scopes by name (`tenants:read`, …); the answer holds the secret, shown once.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn create_api_key(tenant: Uuid, name: String, scopes: Vec<String>) -> Result<CreatedApiKey, AppError> {
    respond(
        async {
            let scopes = scopes
                .iter()
                .map(|s| {
                    Scope::parse(s)
                        .ok_or_else(|| AppError::invalid("scopes", format!("Unknown scope \u{201c}{s}\u{201d}.")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            svc::create(&AppState::from_context()?.pool, &Caller::current(), tenant, NewApiKey { name, scopes }).await
        }
        .await,
    )
}

#[server]
pub async fn revoke_api_key(tenant: Uuid, key: Uuid) -> Result<ApiKey, AppError> {
    respond(async { svc::revoke(&AppState::from_context()?.pool, &Caller::current(), tenant, key).await }.await)
}
