//! The steps of each workflow and their compensations. Every step is idempotent: it looks
//! at what exists and does only what is missing, so a retry after a crash (or running it
//! twice on purpose) ends in the same state as running it once.

use super::{plan_change, Cx, Output, Run, StepError};
use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::plan::{check_allocations, plan_allocations};
use crate::model::validate::{check_email, normalize_email};
use crate::model::{Actor, Isolation, Plan, ProvisionInput, Role, Step, Tenant, TenantStatus, WorkflowKind};
use crate::server::auth;
use crate::server::mail::InvitationMail;
use crate::server::services::lifecycle::{self, Change};
use crate::server::state::AppState;
use crate::server::{export, storage};
use serde_json::{json, Value};
use sqlx::PgConnection;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Settings every new tenant starts with (kept where the tenant already set a value).
pub fn default_settings() -> Value {
    json!({
        "locale": "en",
        "timezone": "UTC",
        "session_timeout_mins": 60,
        "password_min_length": 12,
        "mfa_required": false,
    })
}

pub(super) async fn run(cx: &mut Cx<'_>, step: Step) -> Result<Output, StepError> {
    let why = reason(cx.run);
    match step {
        Step::Validate => validate(cx).await,
        Step::CreateStorage => create_storage(cx).await,
        Step::ApplyTemplate => apply_template(cx).await,
        Step::ConfigureDefaults => configure_defaults(cx).await,
        Step::FirstAdmin => first_admin(cx).await,
        Step::Notify => notify(cx).await,
        Step::Activate => move_status(cx, &[TenantStatus::Provisioning], TenantStatus::Active, None, None).await,
        Step::BlockAccess => move_status(cx, &[TenantStatus::Active], TenantStatus::Suspended, why, None).await,
        Step::RestoreAccess => move_status(cx, &[TenantStatus::Suspended], TenantStatus::Active, None, None).await,
        Step::ExportData => export_data(cx).await,
        Step::RevokeAccess => Ok(Some(lifecycle::revoke_access(cx.db, &cx.run.actor(), cx.run.tenant_id).await?)),
        Step::DropStorage => {
            storage::drop_storage(cx.db, cx.run.tenant_id).await?;
            Ok(None)
        }
        Step::VerifyRemoved => verify_removed(cx).await,
        Step::MarkTerminated => {
            // The terminated tenant's record names the one copy of its data that is kept.
            let kept = db::exports::kept(&mut *cx.db, cx.run.tenant_id).await?;
            move_status(cx, &[TenantStatus::Terminating], TenantStatus::Terminated, why, Some(kept)).await
        }
        Step::CheckFit => plan_change::check_fit(cx).await,
        Step::SnapshotPlan => plan_change::snapshot(cx).await,
        Step::ApplyPlan => plan_change::apply(cx).await,
        Step::VerifyPlan => plan_change::verify(cx).await,
    }
}

/// Undoes a completed step (only provisioning's steps and a plan change's apply have
/// anything to undo).
pub(super) async fn compensate(cx: &mut Cx<'_>, step: Step) -> Result<(), StepError> {
    let tenant = cx.run.tenant_id;
    match step {
        Step::CreateStorage | Step::ApplyTemplate => storage::drop_storage(cx.db, tenant).await?,
        Step::ConfigureDefaults => {
            db::allocations::delete_all(&mut *cx.db, tenant).await?;
        }
        Step::FirstAdmin => {
            // The invitation goes (its link, if mailed, stops working).
            db::invitations::delete_pending(&mut *cx.db, tenant).await?;
        }
        Step::ApplyPlan => plan_change::restore(cx).await?,
        Step::Validate
        | Step::Notify
        | Step::Activate
        | Step::BlockAccess
        | Step::RestoreAccess
        | Step::ExportData
        | Step::RevokeAccess
        | Step::DropStorage
        | Step::VerifyRemoved
        | Step::MarkTerminated
        | Step::CheckFit
        | Step::SnapshotPlan
        | Step::VerifyPlan => {}
    }
    Ok(())
}

/// After every compensation: provisioning leaves the tenant failed, with the reason.
pub(super) async fn on_failed(state: &AppState, db: &mut PgConnection, run: &Run, error: &str) -> Result<(), AppError> {
    let reason: String = error.chars().take(500).collect();
    if run.kind == WorkflowKind::Provision {
        let mut now = current_status(db, run.tenant_id).await?;
        let actor = run.actor();
        if now == TenantStatus::Pending {
            // Failed before it started (validation): pending → provisioning → failed.
            change(state, db, &actor, run.tenant_id, now, TenantStatus::Provisioning, None, None).await?;
            now = TenantStatus::Provisioning;
        }
        if now == TenantStatus::Provisioning {
            change(state, db, &actor, run.tenant_id, now, TenantStatus::Failed, Some(&reason), None).await?;
        }
    }
    NewEvent::new("workflow.failed", "workflow", run.id)
        .in_tenant(run.tenant_id)
        .after(json!({ "kind": run.kind, "error": reason }))
        .record(&mut *db, &Actor::system(None))
        .await?;
    Ok(())
}

fn reason(run: &Run) -> Option<String> {
    run.input["reason"].as_str().map(str::to_string)
}

fn input(run: &Run) -> ProvisionInput {
    serde_json::from_value(run.input.clone()).unwrap_or_default()
}

async fn current_status(db: &mut PgConnection, tenant: Uuid) -> Result<TenantStatus, AppError> {
    db::tenants::status_for_update(&mut *db, tenant)
        .await?
        .ok_or_else(|| AppError::not_found("The tenant no longer exists."))
}

/// One checked, audited status change (the rule every lifecycle change follows).
#[allow(clippy::too_many_arguments)]
async fn change(
    state: &AppState,
    db: &mut PgConnection,
    actor: &Actor,
    tenant: Uuid,
    from: TenantStatus,
    to: TenantStatus,
    reason: Option<&str>,
    kept: Option<Value>,
) -> Result<(), AppError> {
    let retention_days = state.config.tenants.retention_days.min(3650) as i32;
    lifecycle::change_status(db, actor, Change { tenant, from, to, reason, retention_days, kept }).await
}

/// Moves the tenant to `to` when it is in one of `from`; already there: nothing to do.
async fn move_status(
    cx: &mut Cx<'_>,
    from: &[TenantStatus],
    to: TenantStatus,
    reason: Option<String>,
    kept: Option<Value>,
) -> Result<Output, StepError> {
    let now = current_status(cx.db, cx.run.tenant_id).await?;
    if now == to {
        return Ok(None);
    }
    if !from.contains(&now) {
        return Err(StepError::Permanent(format!("The tenant is {now}, so it can't become {to}.")));
    }
    change(cx.state, cx.db, &cx.run.actor(), cx.run.tenant_id, now, to, reason.as_deref(), kept).await?;
    Ok(None)
}

async fn tenant_and_plan(db: &mut PgConnection, tenant: Uuid) -> Result<(Tenant, Plan), AppError> {
    let t = db::tenants::by_id(&mut *db, tenant)
        .await?
        .ok_or_else(|| AppError::not_found("The tenant no longer exists."))?;
    let plan = db::catalog::plan(&mut *db, &t.plan)
        .await?
        .ok_or_else(|| AppError::invalid("plan", format!("There is no plan called {}.", t.plan)))?;
    Ok((t, plan))
}

/// Checks everything the later steps rely on, then marks the tenant provisioning.
async fn validate(cx: &mut Cx<'_>) -> Result<Output, StepError> {
    let tenant = cx.run.tenant_id;
    let status = current_status(cx.db, tenant).await?;
    let (t, plan) = tenant_and_plan(cx.db, tenant).await?;
    let input = input(cx.run);
    if let Some(email) = &input.first_admin_email {
        check_email(&normalize_email(email)).map_err(StepError::Permanent)?;
    }
    check_allocations(&plan, &input.allocations).map_err(StepError::Permanent)?;
    if t.isolation == Isolation::Schema && !storage::can_create_roles(cx.db).await? {
        return Err(StepError::Permanent(
            "The database user may not create roles, which schema isolation needs (grant it CREATEROLE).".into(),
        ));
    }
    match status {
        TenantStatus::Pending | TenantStatus::Failed => {
            change(cx.state, cx.db, &cx.run.actor(), tenant, status, TenantStatus::Provisioning, None, None).await?;
        }
        TenantStatus::Provisioning => {}
        other => return Err(StepError::Permanent(format!("A tenant that is {other} can't be provisioned."))),
    }
    Ok(Some(json!({ "plan": plan.id, "isolation": t.isolation })))
}

async fn create_storage(cx: &mut Cx<'_>) -> Result<Output, StepError> {
    let tenant = cx.run.tenant_id;
    let (t, _) = tenant_and_plan(cx.db, tenant).await?;
    match t.isolation {
        Isolation::Schema => storage::create_schema_storage(cx.db, tenant).await?,
        Isolation::Row => storage::create_row_storage(cx.db, tenant).await?,
    }
    let schema =
        if t.isolation == Isolation::Schema { storage::schema_name(tenant) } else { storage::SHARED_SCHEMA.into() };
    Ok(Some(json!({ "isolation": t.isolation, "schema": schema })))
}

async fn apply_template(cx: &mut Cx<'_>) -> Result<Output, StepError> {
    let version = storage::apply_template(cx.db, cx.run.tenant_id, None).await?;
    Ok(Some(json!({ "template_version": version })))
}

/// Allocations from the plan (or the wizard's, within the plan) and default settings.
async fn configure_defaults(cx: &mut Cx<'_>) -> Result<Output, StepError> {
    let tenant = cx.run.tenant_id;
    let (_, plan) = tenant_and_plan(cx.db, tenant).await?;
    let requested = input(cx.run).allocations;
    let mut given = BTreeMap::new();
    for (resource, plan_amount) in plan_allocations(&plan) {
        let amount = requested.get(resource).copied().unwrap_or(plan_amount);
        given.insert(resource, amount);
        db::allocations::set(&mut *cx.db, tenant, resource, amount).await?;
    }
    db::tenants::merge_default_settings(&mut *cx.db, tenant, &default_settings()).await?;
    Ok(Some(json!({ "allocations": given })))
}

/// The first admin's invitation (owner), created once; the email goes out in `notify`.
async fn first_admin(cx: &mut Cx<'_>) -> Result<Output, StepError> {
    let tenant = cx.run.tenant_id;
    let Some(email) = input(cx.run).first_admin_email.map(|e| normalize_email(&e)) else {
        return Ok(Some(json!({ "invitation": null })));
    };
    let id = match db::invitations::pending_id(&mut *cx.db, tenant, &email).await? {
        Some(id) => id,
        None => {
            // The token is replaced when the email is sent, so this one is never mailed.
            let placeholder = auth::sha256(&auth::random_token(32));
            let expires = chrono::Utc::now()
                + chrono::Duration::days(cx.state.config.auth.invitation_expiry_days.clamp(1, 90) as i64);
            let id =
                db::invitations::insert(&mut *cx.db, tenant, &email, Role::Owner, &placeholder, None, expires).await?;
            NewEvent::new("invitation.created", "invitation", id)
                .in_tenant(tenant)
                .after(json!({ "email": email, "role": Role::Owner }))
                .record(&mut *cx.db, &cx.run.actor())
                .await?;
            id
        }
    };
    Ok(Some(json!({ "invitation": id, "email": email })))
}

/// Mails the first admin's invitation (once: never when it was already sent), and writes
/// the `tenant.provisioned` outbox event and audit event (once, keyed by the run).
/// Whether `step` of this run has an effect outside the database (the engine commits
/// before it). Notify mails only when the run names a first admin; otherwise it is
/// database-only and runs in the same transaction as its neighbours.
pub(super) fn leaves_the_database(run: &Run, step: Step) -> bool {
    step.leaves_the_database() && (step != Step::Notify || input(run).first_admin_email.is_some())
}

async fn notify(cx: &mut Cx<'_>) -> Result<Output, StepError> {
    let tenant = cx.run.tenant_id;
    let (t, _) = tenant_and_plan(cx.db, tenant).await?;
    let mut mailed = false;
    if let Some(email) = input(cx.run).first_admin_email.map(|e| normalize_email(&e)) {
        if let Some(id) = db::invitations::unsent_for_update(&mut *cx.db, tenant, &email).await? {
            let token = auth::random_token(32);
            let expires = chrono::Utc::now()
                + chrono::Duration::days(cx.state.config.auth.invitation_expiry_days.clamp(1, 90) as i64);
            db::invitations::renew(&mut *cx.db, id, &auth::sha256(&token), expires).await?;
            let inviter = format!("{} (platform operator)", cx.run.actor().label);
            let mail = InvitationMail {
                to: &email,
                tenant: &t.name,
                inviter: &inviter,
                role: Role::Owner.as_str(),
                token: &token,
                expires,
                branding: &t.branding,
            };
            // A failed send is kept on the invitation (shown, and resendable from the
            // Members tab); it does not fail provisioning.
            let outcome = cx.state.mailer.send_invitation(&mail).await;
            mailed = outcome.is_ok();
            db::invitations::mark_sent(&mut *cx.db, id, outcome.err().as_deref()).await?;
        }
    }
    let key = format!("tenant.provisioned:{}", cx.run.id);
    let payload = json!({ "tenant_id": tenant, "isolation": t.isolation, "run_id": cx.run.id });
    if db::outbox::insert_once(&mut *cx.db, &key, tenant, "tenant.provisioned", &payload).await? {
        NewEvent::about_tenant(tenant, "tenant.provisioned")
            .after(payload)
            .record(&mut *cx.db, &cx.run.actor())
            .await?;
    }
    Ok(Some(json!({ "invitation_mailed": mailed })))
}

async fn export_data(cx: &mut Cx<'_>) -> Result<Output, StepError> {
    if let Some(id) = db::exports::for_run(&mut *cx.db, cx.run.id).await? {
        return Ok(Some(json!({ "export": id })));
    }
    let days = cx.state.config.tenants.retention_days.min(3650) as i64;
    let (id, manifest) = export::export_tenant(cx.db, cx.run.tenant_id, Some(cx.run.id), days).await?;
    Ok(Some(json!({ "export": id, "files": manifest["files"].as_array().map(|f| f.len()) })))
}

async fn verify_removed(cx: &mut Cx<'_>) -> Result<Output, StepError> {
    let (schemas, roles, rows) = storage::remains(cx.db, cx.run.tenant_id).await?;
    let storage_rows = storage::storage_rows(cx.db, cx.run.tenant_id).await?;
    if schemas + roles + rows + storage_rows > 0 {
        return Err(StepError::Retry(format!(
            "The tenant's data is still there: {schemas} schema(s), {roles} role(s), {rows} shared row(s)."
        )));
    }
    // Everything is gone but the export, kept on purpose until its expiry (then a worker
    // deletes its bytes): say so, so the record shows what remains and until when.
    let kept = db::exports::kept(&mut *cx.db, cx.run.tenant_id).await?;
    Ok(Some(json!({ "schemas": 0, "roles": 0, "rows": 0, "kept": kept })))
}
