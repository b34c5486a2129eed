//! Server functions for the usage dashboards (PRODUCT.md U2-U4).

use crate::error::AppError;
use crate::model::usage::{PlatformUsage, TenantUsageView};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{fns::respond, server::access::Caller, server::services::usage, server::state::AppState};

/// The tenant Usage tab: this month's use and cost, 30 days per metric, the invoices.
#[server]
pub async fn get_tenant_usage(tenant: Uuid) -> Result<TenantUsageView, AppError> {
    respond(async { usage::tenant_view(&AppState::from_context()?.pool, &Caller::current(), tenant).await }.await)
}

/// The platform Usage page for one metric and bucket size (`day`, `week`, `month`).
#[server]
pub async fn get_platform_usage(metric: String, period: String) -> Result<PlatformUsage, AppError> {
    respond(
        async {
            let period = crate::model::usage::Period::parse(&period)
                .ok_or_else(|| AppError::bad_request("period must be day, week or month."))?;
            usage::platform(&AppState::from_context()?.pool, &Caller::current(), &metric, period).await
        }
        .await,
    )
}

/// Sets the monthly cost alert from a form: an amount in dollars, or empty to remove it.
#[server]
pub async fn set_cost_alert(tenant: Uuid, threshold: String) -> Result<(), AppError> {
    respond(
        async {
            let cents =
                crate::model::usage::parse_dollars(&threshold).map_err(|m| AppError::invalid("threshold", m))?;
            usage::billing::set_cost_alert(&AppState::from_context()?.pool, &Caller::current(), tenant, cents).await
        }
        .await,
    )
}
