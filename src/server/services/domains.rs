//! Custom domains (PRODUCT.md C4): claiming a domain, proving it through a DNS TXT record
//! (on demand, and by the `domains` worker on the published schedule), removing it. Only a
//! verified domain resolves to its tenant (`db::domains::tenant_of`).

use crate::db::{self, audit::NewEvent, domains::Outcome};
use crate::error::AppError;
use crate::model::domains::{challenge_name, check_delay_mins, Domain, DomainStatus, NewDomain, GIVE_UP_DAYS};
use crate::model::{Actor, Permission, Plan};
use crate::server::access::Caller;
use crate::server::dns::Txt;
use crate::server::services::tenants::lock_live;
use crate::server::state::AppState;
use crate::server::workers::{Round, Worker};
use futures_util::StreamExt;
use sqlx::{PgConnection, PgPool};
use std::time::Duration;
use uuid::Uuid;

fn no_domain(domain: &str) -> AppError {
    AppError::not_found(format!(
        "This tenant has no domain \u{201c}{}\u{201d}.",
        domain.chars().take(253).collect::<String>()
    ))
}

/// A custom domain may not be one of the portal's own names: requests there would
/// resolve to the tenant (and its cookies would reach the portal).
pub(crate) fn claimable(state: &AppState, domain: &str) -> Result<(), AppError> {
    if crate::server::access::is_portal_host(domain, state) {
        return Err(AppError::conflict_on(
            "domain",
            "That is one of the portal's own addresses; use a domain of your own.",
        ));
    }
    Ok(())
}

/// The plan's (or the tenant's allocated) number of custom domains must allow one more
/// than the `live` claims it has.
pub(crate) fn within_limit(plan: &Plan, allocated: Option<i64>, live: i64) -> Result<(), AppError> {
    let limit = allocated.unwrap_or(plan.custom_domains);
    if limit < 1 {
        return Err(AppError::conflict_on(
            "domain",
            format!("The {} plan includes no custom domains. Move to a larger plan to add one.", plan.name),
        ));
    }
    if live >= limit {
        return Err(AppError::conflict_on(
            "domain",
            format!(
                "This tenant has all {limit} custom domains its plan allows. Remove one, or move to a larger plan."
            ),
        ));
    }
    Ok(())
}

/// A fresh token to publish (122 random bits).
fn token() -> String {
    format!("tenantry-verification={}", Uuid::new_v4().simple())
}

/// Claims `domain` for the tenant inside the caller's transaction (the tenant row is
/// locked): not the portal's, within the plan's limit, no other tenant's live claim. Its
/// first automatic check comes a minute later.
pub(crate) async fn claim_in(
    db: &mut PgConnection,
    state: &AppState,
    tenant: Uuid,
    plan: &Plan,
    domain: &str,
    by: &str,
) -> Result<(), AppError> {
    claimable(state, domain)?;
    let allocated = db::allocations::hard_limit(&mut *db, tenant, "custom_domains").await?;
    let live = db::domains::count_live(&mut *db, tenant).await?;
    within_limit(plan, allocated, live)?;
    db::domains::insert(&mut *db, tenant, domain, &token(), by, crate::model::domains::FIRST_CHECK_MINS).await
}

/// Gives up the tenant's claim of `domain` (inside the caller's transaction).
pub(crate) async fn release_in(db: &mut PgConnection, tenant: Uuid, domain: &str) -> Result<bool, AppError> {
    db::domains::delete(&mut *db, tenant, domain).await
}

/// The tenant's domains with their status and the record to publish.
pub async fn list(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<Vec<Domain>, AppError> {
    caller.require_on(tenant, Permission::TenantRead)?;
    db::domains::list(pool, tenant).await
}

/// Locks the tenant (it must be live) and answers its plan.
async fn live_tenant(db: &mut PgConnection, tenant: Uuid) -> Result<Plan, AppError> {
    let t = lock_live(&mut *db, tenant, "domains").await?;
    db::catalog::plan(&mut *db, &t.plan).await?.ok_or_else(|| AppError::not_found("The tenant's plan is gone."))
}

/// Adds a domain to verify; the first one becomes the tenant's primary domain.
pub async fn add(state: &AppState, caller: &Caller, tenant: Uuid, body: &NewDomain) -> Result<Domain, AppError> {
    caller.require_on(tenant, Permission::TenantEdit)?;
    let domain = body.normalised().map_err(|m| AppError::invalid("domain", m))?;
    let mut tx = state.pool.begin().await?;
    let plan = live_tenant(&mut tx, tenant).await?;
    let actor = caller.actor();
    claim_in(&mut tx, state, tenant, &plan, &domain, &actor.label).await?;
    let primary = db::tenants::by_id(&mut *tx, tenant).await?.and_then(|t| t.domain);
    if primary.is_none() {
        db::domains::set_primary(&mut *tx, tenant, Some(&domain)).await?;
    }
    NewEvent::new("domain.added", "domain", &domain).in_tenant(tenant).record(&mut *tx, &actor).await?;
    let added = db::domains::get(&mut *tx, tenant, &domain).await?.ok_or_else(|| no_domain(&domain))?;
    tx.commit().await?;
    Ok(added)
}

/// What DNS says about the claim: verified, or why not (a sentence for the tenant admin).
async fn check(state: &AppState, domain: &str, token: &str) -> (bool, String) {
    let name = challenge_name(domain);
    match state.outbound.dns(&state.config.tenancy.dns_upstream).txt(&name).await {
        Txt::Found(values) if values.iter().any(|v| v.trim() == token) => {
            (true, format!("Found the token in the TXT record at {name}."))
        }
        Txt::Found(values) if values.is_empty() => (false, format!("{name} has no TXT record yet.")),
        Txt::Found(values) => (
            false,
            format!(
                "The TXT record at {name} holds {}, not this domain's token. Publish the value shown here.",
                values
                    .iter()
                    .map(|v| format!("\u{201c}{}\u{201d}", v.chars().take(80).collect::<String>()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Txt::Absent => {
            (false, format!("There is no TXT record at {name} yet. DNS changes can take a while to spread."))
        }
        Txt::Failed(why) => (false, why),
    }
}

/// Checks the domain now (a person pressed "Verify now"). A claim that was given up on
/// starts a new 7-day window (409 if another tenant claimed the name meanwhile).
pub async fn verify(state: &AppState, caller: &Caller, tenant: Uuid, domain: &str) -> Result<Domain, AppError> {
    caller.require_on(tenant, Permission::TenantEdit)?;
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    // The claim is read (and one given up on restarted) in a short transaction, DNS is
    // asked with no lock held, and the answer written in another: a slow DNS server never
    // holds up changes to the tenant.
    let mut tx = state.pool.begin().await?;
    live_tenant(&mut tx, tenant).await?;
    let claim = db::domains::lock(&mut *tx, tenant, &domain).await?.ok_or_else(|| no_domain(&domain))?;
    if claim.status == DomainStatus::Failed {
        db::domains::restart(&mut *tx, tenant, &domain).await?;
    }
    tx.commit().await?;
    if claim.status != DomainStatus::Verified {
        let checks = if claim.status == DomainStatus::Failed { 0 } else { claim.checks };
        let (ok, answer) = check(state, &domain, &claim.token).await;
        let outcome = if ok { Outcome::Verified(&answer) } else { Outcome::Again(&answer, check_delay_mins(checks)) };
        let mut tx = state.pool.begin().await?;
        if db::domains::record_check(&mut *tx, tenant, &domain, outcome, false).await? && ok {
            NewEvent::new("domain.verified", "domain", &domain)
                .in_tenant(tenant)
                .record(&mut *tx, &caller.actor())
                .await?;
        }
        tx.commit().await?;
    }
    db::domains::get(&state.pool, tenant, &domain).await?.ok_or_else(|| no_domain(&domain))
}

/// Removes a domain: it stops resolving at once. When it was the primary one, the next
/// live claim (or none) becomes primary.
pub async fn remove(state: &AppState, caller: &Caller, tenant: Uuid, domain: &str) -> Result<(), AppError> {
    caller.require_on(tenant, Permission::TenantEdit)?;
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let mut tx = state.pool.begin().await?;
    live_tenant(&mut tx, tenant).await?;
    if !release_in(&mut tx, tenant, &domain).await? {
        return Err(no_domain(&domain));
    }
    db::domains::repoint_primary(&mut *tx, Some(tenant)).await?;
    NewEvent::new("domain.removed", "domain", &domain).in_tenant(tenant).record(&mut *tx, &caller.actor()).await?;
    tx.commit().await?;
    Ok(())
}

/// The verification worker: every instance runs it; due checks are leased in the
/// database, so each is made once.
pub fn worker() -> Worker {
    Worker::new(
        "domains",
        "Checks pending custom domains' TXT records on the published schedule and gives up after 7 days",
        Duration::from_secs(15),
        |state: AppState| async move { round(&state).await },
    )
}

async fn round(state: &AppState) -> Result<Round, AppError> {
    let due = db::domains::claim_due(&state.pool, 32, 120).await?;
    let n = due.len();
    let results = futures_util::stream::iter(due)
        .map(|d| async move {
            let (ok, answer) = check(state, &d.domain, &d.token).await;
            let expired = chrono::Utc::now() >= d.window_started_at + chrono::Duration::days(GIVE_UP_DAYS);
            let gave_up = format!("Gave up after {GIVE_UP_DAYS} days. Last answer: {answer}");
            let outcome = match (ok, expired) {
                (true, _) => Outcome::Verified(&answer),
                (false, true) => Outcome::GaveUp(&gave_up),
                (false, false) => Outcome::Again(&answer, check_delay_mins(d.checks + 1)),
            };
            let gave_up_now = matches!(outcome, Outcome::GaveUp(_));
            let mut tx = state.pool.begin().await?;
            let written = db::domains::record_check(&mut *tx, d.tenant_id, &d.domain, outcome, true).await?;
            if written && gave_up_now {
                // The name is free again: it can't stay the tenant's primary domain.
                db::domains::repoint_primary(&mut *tx, Some(d.tenant_id)).await?;
            }
            if written && ok {
                NewEvent::new("domain.verified", "domain", &d.domain)
                    .in_tenant(d.tenant_id)
                    .record(&mut *tx, &Actor::system(None))
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, AppError>(())
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    for e in results.into_iter().filter_map(Result::err) {
        tracing::warn!(error = %e, "a domain check could not be recorded");
    }
    Ok(Round { next: (n == 32).then_some(Duration::ZERO), ..Round::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_fresh() {
        let (a, b) = (token(), token());
        assert_ne!(a, b);
        assert!(a.starts_with("tenantry-verification=") && a.len() == 22 + 32, "{a}");
    }
}
