//! Server functions for a tenant's webhook endpoints and their delivery log.

use crate::error::AppError;
use crate::model::webhooks::{Delivery, Endpoint, EndpointLog, EndpointWithSecret, Replayed};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{
    fns::respond, model::webhooks::NewEndpoint, server::access::Caller, server::services::webhooks as svc,
    server::state::AppState,
};

#[server]
pub async fn list_webhooks(tenant: Uuid) -> Result<Vec<Endpoint>, AppError> {
    respond(async { svc::list(&AppState::from_context()?.pool, &Caller::current(), tenant).await }.await)
}

/// The answer holds the signing secret, shown once.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn create_webhook(
    tenant: Uuid,
    url: String,
    description: String,
    topics: Vec<String>,
) -> Result<EndpointWithSecret, AppError> {
    respond(
        async {
            let state = AppState::from_context()?;
            svc::create(&state, &Caller::current(), tenant, NewEndpoint { url, description, topics }).await
        }
        .await,
    )
}

#[server]
pub async fn delete_webhook(tenant: Uuid, endpoint: Uuid) -> Result<Endpoint, AppError> {
    respond(async { svc::delete(&AppState::from_context()?.pool, &Caller::current(), tenant, endpoint).await }.await)
}

#[server]
pub async fn test_webhook(tenant: Uuid, endpoint: Uuid) -> Result<Delivery, AppError> {
    respond(async { svc::send_test(&AppState::from_context()?.pool, &Caller::current(), tenant, endpoint).await }.await)
}

#[server]
pub async fn rotate_webhook_secret(tenant: Uuid, endpoint: Uuid) -> Result<EndpointWithSecret, AppError> {
    respond(async { svc::rotate(&AppState::from_context()?, &Caller::current(), tenant, endpoint).await }.await)
}

#[server]
pub async fn enable_webhook(tenant: Uuid, endpoint: Uuid) -> Result<Endpoint, AppError> {
    respond(async { svc::enable(&AppState::from_context()?.pool, &Caller::current(), tenant, endpoint).await }.await)
}

/// The delivery log of `endpoint` (or of the first endpoint), with the endpoint.
#[server]
pub async fn get_webhook_log(tenant: Uuid, endpoint: Option<Uuid>) -> Result<Option<EndpointLog>, AppError> {
    respond(async { svc::log(&AppState::from_context()?.pool, &Caller::current(), tenant, endpoint).await }.await)
}

#[server]
pub async fn replay_webhook_delivery(tenant: Uuid, endpoint: Uuid, delivery: Uuid) -> Result<Delivery, AppError> {
    respond(
        async {
            svc::replay_one(&AppState::from_context()?.pool, &Caller::current(), tenant, endpoint, delivery).await
        }
        .await,
    )
}

/// Replays the failed deliveries of the last `hours` hours (1 to 720).
#[server]
pub async fn replay_failed_webhooks(tenant: Uuid, endpoint: Uuid, hours: i64) -> Result<Replayed, AppError> {
    respond(
        async {
            if !(1..=720).contains(&hours) {
                return Err(AppError::invalid("hours", "Choose 1 to 720 hours (30 days)."));
            }
            let since = chrono::Utc::now() - chrono::Duration::hours(hours);
            let range = crate::model::webhooks::ReplayRange { since, until: None, failed_only: true };
            svc::replay_range(&AppState::from_context()?.pool, &Caller::current(), tenant, endpoint, range).await
        }
        .await,
    )
}
