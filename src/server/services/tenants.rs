//! The tenant registry's rules (PRODUCT.md T1–T4, T6): create, change, move through the
//! lifecycle, list and count. Every change and its audit event commit together.

use crate::db::{self, audit::NewEvent};
use crate::error::{AppError, FieldErrors};
use crate::model::validate::{check, check_reason, check_slug, is_reserved_slug};
use crate::model::*;
use crate::server::access::{Caller, TenantScope};
use crate::server::services::{audit, lifecycle};
use crate::server::state::AppState;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// Finds a tenant by its id or its slug.
pub async fn get(pool: &PgPool, caller: &Caller, id_or_slug: &str) -> Result<Tenant, AppError> {
    let id = resolve(pool, id_or_slug).await?;
    caller.require_on(id, Permission::TenantRead)?;
    db::tenants::by_id(pool, id).await?.ok_or_else(not_found)
}

pub async fn resolve(pool: &PgPool, id_or_slug: &str) -> Result<Uuid, AppError> {
    let key = id_or_slug.trim();
    if let Ok(id) = Uuid::parse_str(key) {
        return Ok(id);
    }
    if key.is_empty() || key.len() > 63 {
        return Err(not_found());
    }
    db::tenants::id_by_slug(pool, key).await?.ok_or_else(not_found)
}

fn not_found() -> AppError {
    AppError::not_found(messages::NO_TENANT)
}

/// Locks the tenant's row in the caller's transaction and answers the tenant when it is
/// live: 404 when there is none, 409 ("A suspended tenant's `what` can't be changed.")
/// when it is not. Changes to a tenant's parts (settings, features, domains) start here.
pub(crate) async fn lock_live(db: &mut sqlx::PgConnection, id: Uuid, what: &str) -> Result<Tenant, AppError> {
    if !db::tenants::lock(&mut *db, id).await? {
        return Err(not_found());
    }
    let t = db::tenants::by_id(&mut *db, id).await?.ok_or_else(not_found)?;
    if !t.status.is_live() {
        return Err(AppError::conflict(format!("A {} tenant's {what} can't be changed.", t.status)));
    }
    Ok(t)
}

/// The tenants the caller may see, one page at a time.
pub async fn list(pool: &PgPool, caller: &Caller, q: &TenantQuery) -> Result<Page<TenantSummary>, AppError> {
    let scope = caller.visible(Permission::TenantRead)?;
    q.check()?;
    db::tenants::list(pool, q, scope.ids()).await
}

pub async fn status_counts(pool: &PgPool, caller: &Caller, q: &TenantQuery) -> Result<Vec<Count>, AppError> {
    let scope = caller.visible(Permission::TenantRead)?;
    q.check()?;
    db::tenants::count_by_status(pool, q, scope.ids()).await
}

pub async fn stats(pool: &PgPool, caller: &Caller) -> Result<TenantStats, AppError> {
    let scope = caller.visible(Permission::TenantRead)?;
    db::stats::tenant_stats(pool, scope.ids()).await
}

/// The dashboard: the statistics, the newest tenants and the latest events the caller may
/// see, read side by side.
pub async fn dashboard(pool: &PgPool, caller: &Caller) -> Result<Dashboard, AppError> {
    let reads_audit = match caller.visible(Permission::AuditRead) {
        Ok(TenantScope::All) => true,
        Ok(TenantScope::Only(ids)) => !ids.is_empty(),
        // An API key without the audit scope still gets the rest.
        Err(AppError::Forbidden(_)) => false,
        Err(e) => return Err(e),
    };
    let newest = TenantQuery { limit: Some(6), ..Default::default() };
    let latest = AuditQuery { limit: Some(8), ..Default::default() };
    let (stats, newest, activity) = tokio::try_join!(stats(pool, caller), list(pool, caller, &newest), async {
        match reads_audit {
            true => audit::list(pool, caller, &latest).await.map(Some),
            false => Ok(None),
        }
    })?;
    Ok(Dashboard {
        stats,
        newest: newest.items.into_iter().map(Into::into).collect(),
        activity: activity.map(|page| page.items.into_iter().map(Into::into).collect()),
    })
}

/// Plans and regions: reference data anyone signed in may read.
pub async fn catalog(pool: &PgPool, caller: &Caller) -> Result<Catalog, AppError> {
    caller.require(Permission::TenantRead)?;
    Ok(Catalog { plans: db::catalog::plans(pool).await?, regions: db::catalog::regions(pool).await? })
}

/// Whether a slug can be used for a new tenant, with the reason when it can't.
pub async fn slug_available(pool: &PgPool, caller: &Caller, slug: &str) -> Result<Result<(), String>, AppError> {
    caller.require(Permission::TenantsCreate)?;
    let slug = slug.trim();
    if let Err(msg) = check_slug(slug) {
        return Ok(Err(msg));
    }
    Ok(match db::tenants::id_by_slug(pool, slug).await? {
        Some(_) => Err(messages::SLUG_TAKEN.into()),
        None => Ok(()),
    })
}

/// The fields of a tenant the audit trail keeps as before/after.
fn snapshot(t: &Tenant) -> serde_json::Value {
    json!({
        "slug": t.slug, "name": t.name, "description": t.description, "plan": t.plan,
        "isolation": t.isolation, "region": t.region, "status": t.status, "domain": t.domain,
        "features": t.features, "settings": t.settings, "branding": t.branding,
        "metadata": t.metadata,
    })
}

pub async fn create(state: &AppState, caller: &Caller, input: NewTenant) -> Result<Tenant, AppError> {
    caller.require(Permission::TenantsCreate)?;
    // A reserved slug is taken (by the portal), like another tenant's: a conflict.
    if let Some(slug) = input.slug.as_deref().map(str::trim).filter(|s| is_reserved_slug(s)) {
        return Err(AppError::conflict_on("slug", format!("\u{201c}{slug}\u{201d} is reserved. Choose another.")));
    }
    let v = input.validate()?;
    let mut tx = state.pool.begin().await?;
    let plan = db::catalog::plan(&mut *tx, &v.plan).await?;
    let region_ok = db::catalog::region_exists(&mut *tx, &v.region).await?;
    let mut errors = FieldErrors::new();
    if plan.is_none() {
        check(&mut errors, "plan", Err(format!("There is no plan called \u{201c}{}\u{201d}.", v.plan)));
    }
    if !region_ok {
        check(&mut errors, "region", Err(format!("There is no region called \u{201c}{}\u{201d}.", v.region)));
    }
    if let Some(unknown) = crate::model::plan::unknown_resource(&v.allocations) {
        check(&mut errors, "allocations", Err(unknown));
    }
    let Some(plan) = plan.filter(|_| errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    // Amounts above the plan's conflict with the plan as it now stands (operators edit plans).
    crate::model::plan::check_allocations(&plan, &v.allocations)
        .map_err(|m| AppError::conflict_on("allocations", m))?;
    if let Some(d) = &v.domain {
        // Checked before the insert so the answer names the domain, not a constraint.
        super::domains::claimable(state, d)?;
        super::domains::within_limit(&plan, v.allocations.get("custom_domains").copied(), 0)?;
    }
    let id = db::tenants::insert(
        &mut *tx,
        db::tenants::Insert {
            slug: &v.slug,
            name: &v.name,
            description: &v.description,
            plan: &plan.id,
            isolation: v.isolation.unwrap_or(plan.default_isolation),
            region: &v.region,
            domain: v.domain.as_deref(),
            settings: &v.settings,
            branding: &v.branding,
            metadata: &v.metadata,
        },
    )
    .await?;
    // A custom domain given at creation is a claim to verify like any other (C4).
    if let Some(d) = &v.domain {
        super::domains::claim_in(&mut tx, state, id, &plan, d, &caller.actor().label).await?;
    }
    // A feature list of its own becomes overrides of the plan's (PRODUCT.md C3).
    if let Some(f) = &v.features {
        super::flags::match_list(&mut tx, id, f, &caller.actor().label).await?;
    }
    let tenant = db::tenants::by_id(&mut *tx, id).await?.ok_or_else(not_found)?;
    NewEvent::new("tenant.created", "tenant", id)
        .in_tenant(id)
        .after(snapshot(&tenant))
        .record(&mut *tx, &caller.actor())
        .await?;
    // Provisioning starts at once (PRODUCT.md P3): workers are woken when this commits.
    let input = serde_json::to_value(ProvisionInput {
        first_admin_email: v.first_admin_email.clone(),
        allocations: v.allocations.clone(),
    })
    .map_err(|e| AppError::internal("provision input", e))?;
    db::workflows::enqueue(&mut tx, &caller.actor(), WorkflowKind::Provision, id, input).await?;
    tx.commit().await?;
    tracing::info!(tenant = %tenant.slug, "tenant created; provisioning queued");
    Ok(tenant)
}

pub async fn update(state: &AppState, caller: &Caller, id: Uuid, change: TenantUpdate) -> Result<Tenant, AppError> {
    let mut tx = state.pool.begin().await?;
    let tenant = update_in(&mut tx, state, caller, id, change).await?;
    tx.commit().await?;
    Ok(tenant)
}

/// `update` inside the caller's transaction (the logo upload stores its file in the same one).
pub async fn update_in(
    tx: &mut sqlx::PgConnection,
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    change: TenantUpdate,
) -> Result<Tenant, AppError> {
    caller.require_on(id, Permission::TenantEdit)?;
    change.validate()?;
    if !db::tenants::lock(&mut *tx, id).await? {
        return Err(not_found());
    }
    let before = db::tenants::by_id(&mut *tx, id).await?.ok_or_else(not_found)?;
    if !before.status.is_live() {
        return Err(AppError::conflict(format!("A {} tenant can't be edited.", before.status)));
    }
    if let Some(expected) = change.expected_version {
        if expected != before.version {
            return Err(AppError::conflict(
                "Someone else changed this tenant since you opened it. Reload to see their change, then edit again.",
            ));
        }
    }
    let mut after = before.clone();
    if let Some(name) = &change.name {
        after.name = name.trim().to_string();
    }
    if let Some(d) = &change.description {
        after.description = d.trim().to_string();
    }
    if let Some(p) = &change.plan {
        let p = p.trim();
        if db::catalog::plan(&mut *tx, p).await?.is_none() {
            return Err(AppError::invalid("plan", format!("There is no plan called \u{201c}{p}\u{201d}.")));
        }
        after.plan = p.to_string();
    }
    if let Some(d) = &change.domain {
        let d = d.trim().to_ascii_lowercase();
        after.domain = if d.is_empty() { None } else { Some(d) };
    }
    if let Some(f) = &change.features {
        let mut f = f.clone();
        f.sort();
        f.dedup();
        after.features = f;
    }
    if let Some(b) = &change.branding {
        after.branding = b.clone();
        if after.branding.logo_url != before.branding.logo_url {
            super::logos::follow(&mut *tx, id, after.branding.logo_url.as_deref()).await?;
        }
    }
    if let Some(s) = &change.settings {
        after.settings = s.clone();
    }
    if let Some(m) = &change.metadata {
        after.metadata = m.clone();
    }
    if after.domain != before.domain {
        // The primary domain changes: the old one's claim goes, the new one is claimed and
        // waits for verification (C4).
        if let Some(old) = before.domain.as_deref() {
            super::domains::release_in(&mut *tx, id, old).await?;
        }
        if let Some(d) = after.domain.as_deref() {
            let plan = db::catalog::plan(&mut *tx, &after.plan).await?.ok_or_else(not_found)?;
            let had = db::domains::get(&mut *tx, id, d).await?.is_some();
            if !had {
                super::domains::claim_in(&mut *tx, state, id, &plan, d, &caller.actor().label).await?;
            }
        }
    }
    if !caller.is_platform_admin()
        && (after.plan != before.plan || after.features != before.features || after.metadata != before.metadata)
    {
        return Err(AppError::forbidden(
            "Only platform administrators can change a tenant's plan, features or metadata.",
        ));
    }
    let (old, new) = (snapshot(&before), snapshot(&after));
    if old == new {
        // Nothing changed: no write and no audit event.
        return Ok(before);
    }
    db::tenants::update(&mut *tx, &after).await?;
    if after.features != before.features {
        super::flags::match_list(&mut *tx, id, &after.features, &caller.actor().label).await?;
    }
    NewEvent::new("tenant.updated", "tenant", id)
        .in_tenant(id)
        .before(only_changed(&old, &new))
        .after(only_changed(&new, &old))
        .record(&mut *tx, &caller.actor())
        .await?;
    db::tenants::by_id(&mut *tx, id).await?.ok_or_else(not_found)
}

/// The keys of `a` whose values differ in `b`.
fn only_changed(a: &serde_json::Value, b: &serde_json::Value) -> serde_json::Value {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else { return a.clone() };
    a.iter().filter(|(k, v)| b.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// How long a lifecycle request waits for its workflow before answering with the
/// tenant as it stands (the workflow carries on in the background either way).
const WAIT_FOR_WORKFLOW: std::time::Duration = std::time::Duration::from_secs(20);

/// Takes a lifecycle action as a durable workflow (PRODUCT.md P3, P6): activate runs (or
/// retries) provisioning, suspend and resume block and restore access, delete moves the
/// tenant to terminating at once and then exports, revokes, deletes and verifies. The
/// request waits for the workflow (up to 20 s) and answers with the tenant as it then is.
/// An action the tenant's status does not allow, or a second action while one runs, is 409.
pub async fn transition(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    action: LifecycleAction,
    reason: Option<&str>,
) -> Result<Tenant, AppError> {
    caller.require_on(id, Permission::TenantLifecycle)?;
    let actor = &caller.actor();
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if action.needs_reason() {
        check_reason(reason.unwrap_or("")).map_err(|m| AppError::invalid("reason", m))?;
    } else if let Some(r) = reason {
        check_reason(r).map_err(|m| AppError::invalid("reason", m))?;
    }
    let mut tx = state.pool.begin().await?;
    if !db::tenants::lock(&mut *tx, id).await? {
        return Err(not_found());
    }
    let current = db::tenants::by_id(&mut *tx, id).await?.ok_or_else(not_found)?;
    if action.path_from(current.status).is_none() {
        return Err(AppError::conflict(format!(
            "A tenant that is {} can't be {}.",
            current.status,
            action.past_tense()
        )));
    }
    let kind = match action {
        LifecycleAction::Activate => WorkflowKind::Provision,
        LifecycleAction::Suspend => WorkflowKind::Suspend,
        LifecycleAction::Resume => WorkflowKind::Resume,
        LifecycleAction::Terminate => WorkflowKind::Terminate,
    };
    let open = match db::workflows::open_for_tenant(&mut *tx, id).await? {
        // Deleting a tenant whose provisioning is queued but not started cancels it (a run
        // some worker holds right now is under way: that one must finish or fail first).
        Some((run, WorkflowKind::Provision)) if kind == WorkflowKind::Terminate => {
            if db::workflows::cancel_unstarted(&mut *tx, run).await? {
                None
            } else {
                Some((run, WorkflowKind::Provision))
            }
        }
        other => other,
    };
    let run = match open {
        // Activating a tenant whose provisioning is already under way joins it.
        Some((run, k)) if k == kind && kind == WorkflowKind::Provision => run,
        Some(_) => return Err(AppError::conflict(messages::RUN_OPEN)),
        None => {
            let input = match kind {
                // A retry keeps what the first attempt was asked to do (first admin, resources).
                WorkflowKind::Provision => {
                    db::workflows::last_provision_input(&mut *tx, id).await?.unwrap_or_else(|| json!({}))
                }
                _ => json!({ "reason": reason }),
            };
            if kind == WorkflowKind::Terminate && current.status != TenantStatus::Terminating {
                // Terminating is immediate: access ends now, the clean-up follows.
                let change = lifecycle::Change {
                    tenant: id,
                    from: current.status,
                    to: TenantStatus::Terminating,
                    reason,
                    retention_days: 0,
                    kept: None,
                };
                lifecycle::change_status(&mut tx, actor, change).await?;
            }
            db::workflows::enqueue(&mut tx, actor, kind, id, input).await?
        }
    };
    tx.commit().await?;
    let outcome = state.drive(run, WAIT_FOR_WORKFLOW).await?;
    let tenant = db::tenants::by_id(&state.pool, id).await?.ok_or_else(not_found)?;
    if outcome == RunStatus::Failed {
        let error = db::workflows::error_of(&state.pool, run).await?;
        return Err(AppError::conflict(format!(
            "The {} workflow failed: {}",
            kind.label().to_lowercase(),
            error.unwrap_or_else(|| "see the Workflows tab".into())
        )));
    }
    tracing::info!(tenant = %tenant.slug, action = action.as_str(), status = %tenant.status, "tenant lifecycle");
    Ok(tenant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_keeps_the_differing_keys() {
        let a = json!({"name": "A", "plan": "free", "x": 1});
        let b = json!({"name": "B", "plan": "free", "x": 1});
        assert_eq!(only_changed(&a, &b), json!({"name": "A"}));
    }
}
