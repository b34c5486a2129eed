//! Server functions for health monitoring (PRODUCT.md H2–H4): the tenant Health tab, the
//! platform Health page, managing checks, "check now" and acknowledging incidents.

use crate::error::AppError;
use crate::model::monitoring::{ChartPeriod, Check, CheckInput, Incident, Overview, ProbeResult, TenantHealth};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{
    fns::respond, model::monitoring::Acknowledge, server::access::Caller, server::services::monitoring as svc,
    server::state::AppState,
};

/// The tenant Health tab in one call: every check with its uptime and p95, the incidents,
/// and the points of `check` (else the first check) over `period` (default: the last 24
/// hours) with what it did then.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn get_tenant_health(
    tenant: Uuid,
    check: Option<Uuid>,
    period: Option<ChartPeriod>,
) -> Result<TenantHealth, AppError> {
    respond(
        async {
            let pool = &AppState::from_context()?.pool;
            let period = period.unwrap_or(ChartPeriod::Last(24));
            svc::tenant_health(pool, &Caller::current(), tenant, check, period).await
        }
        .await,
    )
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn create_health_check(tenant: Uuid, input: CheckInput) -> Result<Check, AppError> {
    respond(async { svc::create(&AppState::from_context()?, &Caller::current(), tenant, input).await }.await)
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn update_health_check(tenant: Uuid, check: Uuid, input: CheckInput) -> Result<Check, AppError> {
    respond(async { svc::replace(&AppState::from_context()?, &Caller::current(), tenant, check, input).await }.await)
}

#[server]
pub async fn delete_health_check(tenant: Uuid, check: Uuid) -> Result<(), AppError> {
    respond(async { svc::delete(&AppState::from_context()?.pool, &Caller::current(), tenant, check).await }.await)
}

/// Probes the check now and answers the result (its state changes as a scheduled
/// probe's would).
#[server]
pub async fn run_health_check(tenant: Uuid, check: Uuid) -> Result<ProbeResult, AppError> {
    respond(async { svc::run_now(&AppState::from_context()?, &Caller::current(), tenant, check).await }.await)
}

#[server]
pub async fn acknowledge_incident(
    tenant: Uuid,
    incident: Uuid,
    note: String,
    silence_minutes: i32,
) -> Result<Incident, AppError> {
    respond(
        async {
            let state = AppState::from_context()?;
            svc::acknowledge(&state.pool, &Caller::current(), tenant, incident, Acknowledge { note, silence_minutes })
                .await
        }
        .await,
    )
}

/// Every tenant's checks (platform admins), optionally only those in `state`
/// (`down`, `degraded`, `up`, `pending`) or matching `q` (tenant or check name, URL).
#[server]
pub async fn get_health_overview(state: Option<String>, q: Option<String>) -> Result<Overview, AppError> {
    respond(
        async {
            svc::overview(&AppState::from_context()?.pool, &Caller::current(), state.as_deref(), q.as_deref()).await
        }
        .await,
    )
}
