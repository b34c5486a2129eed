//! Server functions for the tenant Resources tab and the platform Limits page (PRODUCT.md
//! R1-R3, R7).

use crate::error::AppError;
use crate::model::alerts::Alert;
use crate::model::resources::{AllocatedResource, PlatformLimits, ResourcesView};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{
    fns::respond, server::access::Caller, server::services::alerts, server::services::resources,
    server::state::AppState,
};

/// The tenant Resources tab: every resource with its limits and use, and the latest changes.
#[server]
pub async fn get_tenant_resources(tenant: Uuid) -> Result<ResourcesView, AppError> {
    respond(async { resources::tab(&AppState::from_context()?.pool, &Caller::current(), tenant).await }.await)
}

/// Scales a resource from the tab's form (soft and hard limits may be left empty).
#[server]
pub async fn scale_resource(
    tenant: Uuid,
    resource: String,
    allocated: String,
    soft_limit: String,
    hard_limit: String,
    reason: String,
) -> Result<AllocatedResource, AppError> {
    respond(
        async {
            let req = crate::model::resources::ScaleRequest::from_form(&allocated, &soft_limit, &hard_limit, reason)
                .map_err(AppError::validation)?;
            resources::scale(&AppState::from_context()?.pool, &Caller::current(), tenant, &resource, &req).await
        }
        .await,
    )
}

/// The platform Limits page: tenants' resources at or over the soft limit, fullest first.
#[server]
pub async fn get_platform_limits(sort: String) -> Result<PlatformLimits, AppError> {
    let sort = crate::model::resources::LimitSort::parse(&sort);
    respond(async { resources::near_limits(&AppState::from_context()?.pool, &Caller::current(), sort).await }.await)
}

/// Acknowledges one of the tenant's open alerts.
#[server]
pub async fn acknowledge_alert(tenant: Uuid, alert: i64) -> Result<Alert, AppError> {
    respond(
        async { alerts::acknowledge(&AppState::from_context()?.pool, &Caller::current(), tenant, alert).await }.await,
    )
}
