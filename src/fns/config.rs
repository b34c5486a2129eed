//! Server functions for a tenant's configuration (PRODUCT.md C1).

use crate::error::AppError;
use crate::model::config::{Category, ConfigDocument, ConfigVersion};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{fns::respond, server::access::Caller, server::services::config as svc, server::state::AppState};

/// Every category as it stands.
#[server]
pub async fn get_config(tenant: Uuid) -> Result<Vec<ConfigDocument>, AppError> {
    respond(async { svc::all(&AppState::from_context()?.pool, &Caller::current(), tenant).await }.await)
}

/// A category's versions, newest first, with their diffs.
#[server(input = Json)]
pub async fn get_config_versions(tenant: Uuid, category: Category) -> Result<Vec<ConfigVersion>, AppError> {
    respond(async { svc::versions(&AppState::from_context()?.pool, &Caller::current(), tenant, category).await }.await)
}

/// Saves a category's values as a new version, unless someone saved since `expected_version`.
#[server(input = Json)]
pub async fn save_config(
    tenant: Uuid,
    category: Category,
    values: serde_json::Value,
    expected_version: i32,
) -> Result<ConfigDocument, AppError> {
    respond(
        async {
            let state = AppState::from_context()?;
            svc::save(&state, &Caller::current(), tenant, category, &values, Some(expected_version)).await
        }
        .await,
    )
}

/// Makes an earlier version current again (as a new version).
#[server(input = Json)]
pub async fn restore_config(tenant: Uuid, category: Category, version: i32) -> Result<ConfigDocument, AppError> {
    respond(
        async { svc::restore(&AppState::from_context()?, &Caller::current(), tenant, category, version).await }.await,
    )
}
