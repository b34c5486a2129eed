//! Server functions for feature flags (PRODUCT.md C3).

use crate::error::AppError;
use crate::model::flags::{FlagInfo, FlagOverride, FlagState, KillSwitch};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{fns::respond, server::access::Caller, server::services::flags as svc, server::state::AppState};

/// Every flag for the tenant, on or off, and why.
#[server]
pub async fn get_tenant_flags(tenant: Uuid) -> Result<Vec<FlagState>, AppError> {
    respond(async { svc::for_tenant(&AppState::from_context()?.pool, &Caller::current(), tenant).await }.await)
}

/// Overrides a flag for the tenant (`Some`), or removes the override (`None`).
#[server(input = Json)]
pub async fn set_tenant_flag(tenant: Uuid, flag: String, set: Option<FlagOverride>) -> Result<FlagState, AppError> {
    respond(
        async {
            let (state, caller) = (AppState::from_context()?, Caller::current());
            match set {
                Some(o) => svc::set_override(&state, &caller, tenant, &flag, &o).await,
                None => svc::clear_override(&state, &caller, tenant, &flag).await,
            }
        }
        .await,
    )
}

/// Every flag across the platform, with its kill switch.
#[server]
pub async fn get_flag_catalog() -> Result<Vec<FlagInfo>, AppError> {
    respond(async { svc::catalog(&AppState::from_context()?.pool, &Caller::current()).await }.await)
}

/// Switches a flag off for every tenant, or back on.
#[server(input = Json)]
pub async fn set_kill_switch(flag: String, set: KillSwitch) -> Result<FlagInfo, AppError> {
    respond(async { svc::set_kill_switch(&AppState::from_context()?, &Caller::current(), &flag, &set).await }.await)
}
