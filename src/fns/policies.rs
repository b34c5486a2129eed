//! Server functions for the auto-scaling policies on the Resources tab (PRODUCT.md R4).

use crate::error::AppError;
use crate::model::policy::{Decision, Policy, PolicyForm, Simulation};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{fns::respond, server::access::Caller, server::services::policies, server::state::AppState};

/// A resource type a policy can scale: (id, name, unit).
pub type Choice = (String, String, String);

/// The tenant's policies, their latest decisions, and the resource types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoliciesView {
    pub policies: Vec<Policy>,
    pub decisions: Vec<Decision>,
    pub resources: Vec<Choice>,
}

/// Decisions the tab shows.
#[cfg(feature = "ssr")]
const RECENT_DECISIONS: usize = 20;

#[server]
pub async fn get_policies(tenant: Uuid) -> Result<PoliciesView, AppError> {
    respond(
        async {
            let (pool, caller) = (&AppState::from_context()?.pool, Caller::current());
            let policies = policies::list(pool, &caller, tenant).await?;
            let mut decisions = policies::decisions(pool, &caller, tenant, None).await?;
            decisions.truncate(RECENT_DECISIONS);
            let resources = crate::db::resources::types(pool).await?;
            Ok(PoliciesView { policies, decisions, resources })
        }
        .await,
    )
}

/// Adds a policy from the tab's form.
#[server]
pub async fn create_policy(tenant: Uuid, form: PolicyForm) -> Result<Policy, AppError> {
    respond(
        async {
            let spec = form.parse().map_err(AppError::validation)?;
            policies::create(&AppState::from_context()?.pool, &Caller::current(), tenant, &spec).await
        }
        .await,
    )
}

/// Turns a policy on or off (`enabled`: "true" or "false"), or in or out of shadow mode
/// (`shadow`), keeping the rest.
#[server]
pub async fn switch_policy(tenant: Uuid, policy: i64, enabled: bool, shadow: bool) -> Result<Policy, AppError> {
    respond(
        async {
            let (pool, caller) = (&AppState::from_context()?.pool, Caller::current());
            let p = policies::list(pool, &caller, tenant)
                .await?
                .into_iter()
                .find(|p| p.id == policy)
                .ok_or_else(|| AppError::not_found("There is no such policy."))?;
            let spec = crate::model::policy::PolicySpec { enabled, shadow, ..p.spec };
            policies::replace(pool, &caller, tenant, policy, &spec).await
        }
        .await,
    )
}

#[server]
pub async fn delete_policy(tenant: Uuid, policy: i64) -> Result<(), AppError> {
    respond(async { policies::delete(&AppState::from_context()?.pool, &Caller::current(), tenant, policy).await }.await)
}

/// What the policy would have done over the last 30 days.
#[server]
pub async fn simulate_policy(tenant: Uuid, policy: i64) -> Result<Simulation, AppError> {
    respond(
        async { policies::simulate(&AppState::from_context()?.pool, &Caller::current(), tenant, policy).await }.await,
    )
}
