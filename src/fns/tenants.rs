//! Server functions for the tenant registry.

use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{fns::respond, server::access::Caller, server::services::tenants as svc, server::state::AppState};

#[server(input = Json)]
pub async fn list_tenants(query: TenantQuery) -> Result<Page<TenantSummary>, AppError> {
    respond(async { svc::list(&AppState::from_context()?.pool, &Caller::current(), &query).await }.await)
}

#[server(input = Json)]
pub async fn tenant_status_counts(query: TenantQuery) -> Result<Vec<Count>, AppError> {
    respond(async { svc::status_counts(&AppState::from_context()?.pool, &Caller::current(), &query).await }.await)
}

#[server]
pub async fn get_tenant(id: String) -> Result<Tenant, AppError> {
    respond(async { svc::get(&AppState::from_context()?.pool, &Caller::current(), &id).await }.await)
}

#[server(input = Json)]
pub async fn create_tenant(input: NewTenant) -> Result<Tenant, AppError> {
    respond(async { svc::create(&AppState::from_context()?, &Caller::current(), input).await }.await)
}

#[server(input = Json)]
pub async fn update_tenant(id: Uuid, change: TenantUpdate) -> Result<Tenant, AppError> {
    respond(async { svc::update(&AppState::from_context()?, &Caller::current(), id, change).await }.await)
}

/// Takes a lifecycle action. Plain form fields, so it also works without JavaScript.
#[server]
pub async fn change_status(id: Uuid, action: String, reason: Option<String>) -> Result<Tenant, AppError> {
    respond(
        async {
            let action = LifecycleAction::parse(&action)
                .ok_or_else(|| AppError::bad_request(format!("Unknown action \u{201c}{action}\u{201d}.")))?;
            svc::transition(&AppState::from_context()?, &Caller::current(), id, action, reason.as_deref()).await
        }
        .await,
    )
}

/// Starts a plan change (PRODUCT.md P5) and answers the queued run, which the page then
/// follows live. A downgrade that doesn't fit is refused (409) naming each resource.
/// Plain form fields, so it also works without JavaScript.
#[server]
pub async fn change_plan(tenant: Uuid, plan: String) -> Result<WorkflowRun, AppError> {
    respond(
        async {
            crate::server::services::plan_changes::start(&AppState::from_context()?, &Caller::current(), tenant, &plan)
                .await
        }
        .await,
    )
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlugCheck {
    pub slug: String,
    pub available: bool,
    pub message: String,
}

#[server]
pub async fn check_slug(slug: String) -> Result<SlugCheck, AppError> {
    respond(
        async {
            let state = AppState::from_context()?;
            Ok(match svc::slug_available(&state.pool, &Caller::current(), &slug).await? {
                Ok(()) => SlugCheck { slug, available: true, message: "Available".into() },
                Err(message) => SlugCheck { slug, available: false, message },
            })
        }
        .await,
    )
}

#[server]
pub async fn get_catalog() -> Result<Catalog, AppError> {
    respond(async { svc::catalog(&AppState::from_context()?.pool, &Caller::current()).await }.await)
}

#[server]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    respond(async { svc::dashboard(&AppState::from_context()?.pool, &Caller::current()).await }.await)
}
