//! The plan change's steps (PRODUCT.md P5): check that current use fits the new plan,
//! snapshot the plan, allocations and features, apply the new plan, verify; undoing
//! `apply_plan` restores the snapshot. Every step is idempotent (a step run again finds
//! its work done and does nothing), and each runs in the engine's transaction, so a
//! failed attempt leaves nothing half-written.
//!
//! Allocations: a plan change gives the new plan's amounts with the default limits (soft
//! 80 %, hard 100 %), as provisioning does. Amounts a tenant had adjusted are not carried
//! over: they were sized against the old plan (a Starter tenant scaled down to 10 GB of
//! its 20 would otherwise stay at 10 GB on Pro), and the change is visible in the
//! allocation history (source `plan_change`) should someone want to adjust again.
//! Resources a plan does not allocate (e.g. database connections) are left alone.

use super::{Cx, Output, StepError};
use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::plan_change::{plan_limits, PlanSnapshot};
use crate::model::resources::ChangeSource;
use crate::model::{Plan, PlanChangeInput, Step, Tenant, TenantStatus};
use crate::server::services::plan_changes;
use serde_json::json;
use std::collections::BTreeSet;

fn input(cx: &Cx<'_>) -> Result<PlanChangeInput, StepError> {
    serde_json::from_value(cx.run.input.clone())
        .map_err(|_| StepError::Permanent("The run does not name the plan to move to.".into()))
}

/// The tenant, locked for the rest of the transaction.
async fn tenant(cx: &mut Cx<'_>) -> Result<Tenant, StepError> {
    let id = cx.run.tenant_id;
    if !db::tenants::lock(&mut *cx.db, id).await? {
        return Err(StepError::Permanent("The tenant no longer exists.".into()));
    }
    Ok(db::tenants::by_id(&mut *cx.db, id).await?.ok_or_else(|| AppError::not_found("The tenant no longer exists."))?)
}

async fn target(cx: &mut Cx<'_>) -> Result<Plan, StepError> {
    let name = input(cx)?.plan;
    Ok(plan_changes::plan_named(cx.db, &name).await?)
}

fn sorted(features: &[String]) -> Vec<String> {
    let mut f = features.to_vec();
    f.sort();
    f.dedup();
    f
}

/// The tenant is active and its current use fits the new plan (checked again here: use
/// may have grown since the request was accepted).
pub(super) async fn check_fit(cx: &mut Cx<'_>) -> Result<Output, StepError> {
    let t = tenant(cx).await?;
    let plan = target(cx).await?;
    if t.status != TenantStatus::Active {
        return Err(StepError::Permanent(format!("Only an active tenant can change plan; this one is {}.", t.status)));
    }
    plan_changes::check_fit(cx.db, t.id, &plan).await?;
    Ok(Some(json!({ "from": t.plan, "to": plan.id })))
}

/// The snapshot this run took, if any.
async fn taken(cx: &mut Cx<'_>) -> Result<Option<PlanSnapshot>, StepError> {
    let out = db::workflows::step_output(&mut *cx.db, cx.run.id, Step::SnapshotPlan).await?;
    Ok(out.and_then(|v| serde_json::from_value(v).ok()))
}

/// Keeps the plan, features and every allocation with its limits in the step's output.
/// Run again once the new plan is applied, it keeps the snapshot it took before.
pub(super) async fn snapshot(cx: &mut Cx<'_>) -> Result<Output, StepError> {
    let t = tenant(cx).await?;
    let plan = target(cx).await?;
    if t.plan == plan.id {
        if let Some(before) = taken(cx).await?.filter(|s| s.plan != plan.id) {
            return Ok(Some(json!(before)));
        }
    }
    let mut allocations: std::collections::BTreeMap<_, _> =
        db::allocations::all(&mut *cx.db, t.id).await?.into_iter().map(|(r, l)| (r, Some(l))).collect();
    for resource in plan_limits(&plan).into_keys() {
        allocations.entry(resource).or_insert(None);
    }
    Ok(Some(json!(PlanSnapshot { plan: t.plan, features: sorted(&t.features), allocations })))
}

/// Puts the tenant on the new plan with its features and allocations (each allocation
/// change kept in the history as `plan_change`), with the `tenant.plan_changed` audit
/// event in the same transaction.
pub(super) async fn apply(cx: &mut Cx<'_>) -> Result<Output, StepError> {
    let t = tenant(cx).await?;
    let plan = target(cx).await?;
    let Some(before) = taken(cx).await? else {
        return Err(StepError::Permanent("The snapshot to restore on failure is missing.".into()));
    };
    if t.status != TenantStatus::Active {
        return Err(StepError::Permanent(format!("Only an active tenant can change plan; this one is {}.", t.status)));
    }
    let actor = cx.run.actor();
    let reason = format!("Plan changed from {} to {}.", before.plan, plan.id);
    let mut changed = Vec::new();
    for (resource, after) in plan_limits(&plan) {
        let now = db::resources::lock(cx.db, t.id, &resource).await?;
        if now != Some(after) {
            db::resources::change(cx.db, t.id, &resource, now, after, ChangeSource::PlanChange, &actor, &reason)
                .await?;
            changed.push(resource);
        }
    }
    // The flags follow the plan (their defaults); the tenant's overrides stay.
    let features = if t.plan != plan.id {
        db::tenants::set_plan(&mut *cx.db, t.id, &plan.id).await?;
        let features = tenant(cx).await?.features;
        NewEvent::about_tenant(t.id, "tenant.plan_changed")
            .change(
                json!({ "plan": t.plan, "features": t.features }),
                json!({ "plan": plan.id, "features": features, "run_id": cx.run.id, "allocations_changed": changed }),
            )
            .record(&mut *cx.db, &actor)
            .await?;
        features
    } else {
        t.features
    };
    Ok(Some(json!({ "from": before.plan, "to": plan.id, "features": features, "allocations_changed": changed })))
}

/// Re-reads the tenant: on the new plan, with its features and allocations, and its use
/// still fits. Then the `tenant.plan_changed` outbox event (once per run) tells other
/// systems (billing) about the change, only once it is verified.
pub(super) async fn verify(cx: &mut Cx<'_>) -> Result<Output, StepError> {
    let t = tenant(cx).await?;
    let plan = target(cx).await?;
    if t.plan != plan.id {
        return Err(StepError::Permanent(format!("The tenant is on {}, not {}.", t.plan, plan.id)));
    }
    let allocations = db::allocations::all(&mut *cx.db, t.id).await?;
    for (resource, want) in plan_limits(&plan) {
        if allocations.get(&resource) != Some(&want) {
            return Err(StepError::Permanent(format!("The {resource} allocation is not the {} plan's.", plan.name)));
        }
    }
    plan_changes::check_fit(cx.db, t.id, &plan).await?;
    let from = taken(cx).await?.map(|s| s.plan);
    let payload = json!({ "tenant_id": t.id, "from": from, "to": plan.id, "run_id": cx.run.id });
    let key = format!("tenant.plan_changed:{}", cx.run.id);
    db::outbox::insert_once(&mut *cx.db, &key, t.id, "tenant.plan_changed", &payload).await?;
    Ok(Some(json!({ "plan": plan.id, "verified": true })))
}

/// Undoes `apply_plan`: the plan, features and allocations of the snapshot come back
/// (allocation changes kept in the history as `plan_change`; an allocation that did not
/// exist is removed), with a `tenant.plan_change_rolled_back` audit event.
pub(super) async fn restore(cx: &mut Cx<'_>) -> Result<(), StepError> {
    let Some(before) = taken(cx).await? else { return Ok(()) };
    let t = tenant(cx).await?;
    let actor = cx.run.actor();
    let reason = format!("Plan change rolled back to {}.", before.plan);
    let mut resources: BTreeSet<String> = before.allocations.keys().cloned().collect();
    if let Some(plan) = db::catalog::plan(&mut *cx.db, &t.plan).await? {
        resources.extend(plan_limits(&plan).into_keys());
    }
    let mut restored = Vec::new();
    for resource in resources {
        let now = db::resources::lock(cx.db, t.id, &resource).await?;
        match before.allocations.get(&resource).copied().flatten() {
            Some(was) if now != Some(was) => {
                db::resources::change(cx.db, t.id, &resource, now, was, ChangeSource::PlanChange, &actor, &reason)
                    .await?;
                restored.push(resource);
            }
            None if now.is_some() => {
                db::allocations::delete(&mut *cx.db, t.id, &resource).await?;
                restored.push(resource);
            }
            _ => {}
        }
    }
    if t.plan != before.plan || !restored.is_empty() {
        db::tenants::set_plan(&mut *cx.db, t.id, &before.plan).await?;
        let features = tenant(cx).await?.features;
        NewEvent::about_tenant(t.id, "tenant.plan_change_rolled_back")
            .change(
                json!({ "plan": t.plan, "features": t.features }),
                json!({ "plan": before.plan, "features": features, "run_id": cx.run.id,
                        "allocations_restored": restored }),
            )
            .record(&mut *cx.db, &actor)
            .await?;
    }
    Ok(())
}
