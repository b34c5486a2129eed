//! Server functions for custom domains (PRODUCT.md C4).

use crate::error::AppError;
use crate::model::domains::Domain;
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{
    fns::respond, model::domains::NewDomain, server::access::Caller, server::services::domains as svc,
    server::state::AppState,
};

/// The tenant's domains with their status and the record to publish.
#[server]
pub async fn get_domains(tenant: Uuid) -> Result<Vec<Domain>, AppError> {
    respond(async { svc::list(&AppState::from_context()?.pool, &Caller::current(), tenant).await }.await)
}

/// Claims a domain for the tenant.
#[server]
pub async fn add_domain(tenant: Uuid, domain: String) -> Result<Domain, AppError> {
    respond(
        async { svc::add(&AppState::from_context()?, &Caller::current(), tenant, &NewDomain { domain }).await }.await,
    )
}

/// Checks the domain's TXT record now.
#[server]
pub async fn verify_domain(tenant: Uuid, domain: String) -> Result<Domain, AppError> {
    respond(async { svc::verify(&AppState::from_context()?, &Caller::current(), tenant, &domain).await }.await)
}

/// Removes the domain.
#[server]
pub async fn remove_domain(tenant: Uuid, domain: String) -> Result<(), AppError> {
    respond(async { svc::remove(&AppState::from_context()?, &Caller::current(), tenant, &domain).await }.await)
}
