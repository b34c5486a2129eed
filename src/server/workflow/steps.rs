//! The steps of each workflow and their compensations. Every step is idempotent: it looks
//! at what exists and does only what is missing, so a retry after a crash (or running it
//! twice on purpose) ends in the same state as running it once.

use super::{Cx, Run, StepError};
use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::plan::{check_allocations, plan_allocations};
use crate::model::validate::{check_email, normalize_email};
use crate::model::{Isolation, Plan, Role, TenantStatus};
use crate::server::access::Actor;
use crate::server::auth;
use crate::server::mail::InvitationMail;
use crate::server::state::AppState;
use crate::server::{export, storage};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::PgConnection;
use std::collections::BTreeMap;
use uuid::Uuid;

/// What provisioning needs beyond the tenant row: the wizard's first admin and resources.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProvisionInput {
    #[serde(default)]
    pub first_admin_email: Option<String>,
    /// Resource → amount, overriding the plan's defaults (within its bounds).
    #[serde(default)]
    pub allocations: BTreeMap<String, i64>,
}

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

pub(super) async fn run(cx: &mut Cx<'_>, step: &str) -> Result<Option<Value>, StepError> {
    let why = reason(cx.run);
    match step {
        "validate" => validate(cx).await,
        "create_storage" => create_storage(cx).await,
        "apply_template" => apply_template(cx).await,
        "configure_defaults" => configure_defaults(cx).await,
        "first_admin" => first_admin(cx).await,
        "notify" => notify(cx).await,
        "activate" => move_status(cx, &[TenantStatus::Provisioning], TenantStatus::Active, None).await,
        "block_access" => move_status(cx, &[TenantStatus::Active], TenantStatus::Suspended, why).await,
        "restore_access" => move_status(cx, &[TenantStatus::Suspended], TenantStatus::Active, None).await,
        "export_data" => export_data(cx).await,
        "revoke_access" => revoke_access(cx).await,
        "drop_storage" => {
            storage::drop_storage(cx.db, cx.run.tenant_id).await?;
            Ok(None)
        }
        "verify_removed" => verify_removed(cx).await,
        "mark_terminated" => {
            // The terminated tenant's record names the one copy of its data that is kept.
            let kept = export::kept(cx.db, cx.run.tenant_id).await?;
            move_status_noting(cx, &[TenantStatus::Terminating], TenantStatus::Terminated, why, Some(kept)).await
        }
        other => Err(StepError::Permanent(format!("Unknown workflow step {other}."))),
    }
}

/// Undoes a completed step (only provisioning's steps create anything to undo).
pub(super) async fn compensate(cx: &mut Cx<'_>, step: &str) -> Result<(), StepError> {
    let tenant = cx.run.tenant_id;
    match step {
        "create_storage" | "apply_template" => storage::drop_storage(cx.db, tenant).await?,
        "configure_defaults" => {
            sqlx::query("delete from tenant_allocations where tenant_id = $1")
                .bind(tenant)
                .execute(&mut *cx.db)
                .await?;
        }
        "first_admin" => {
            // The invitation goes (its link, if mailed, stops working).
            sqlx::query("delete from invitations where tenant_id = $1 and status = 'pending'")
                .bind(tenant)
                .execute(&mut *cx.db)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// After every compensation: provisioning leaves the tenant failed, with the reason.
pub(super) async fn on_failed(
    _state: &AppState,
    db: &mut PgConnection,
    run: &Run,
    error: &str,
) -> Result<(), AppError> {
    let reason: String = error.chars().take(500).collect();
    if run.kind() == crate::model::WorkflowKind::Provision {
        let mut cx_status = current_status(db, run.tenant_id).await?;
        if cx_status == TenantStatus::Pending {
            // Failed before it started (validation): pending → provisioning → failed.
            transition(db, &run.actor(), run.tenant_id, cx_status, TenantStatus::Provisioning, None, 0, None).await?;
            cx_status = TenantStatus::Provisioning;
        }
        if cx_status == TenantStatus::Provisioning {
            transition(db, &run.actor(), run.tenant_id, cx_status, TenantStatus::Failed, Some(&reason), 0, None)
                .await?;
        }
    }
    db::audit::record(
        &mut *db,
        &Actor::system(None),
        NewEvent {
            tenant_id: Some(run.tenant_id),
            action: "workflow.failed",
            target_type: "workflow",
            target_id: Some(run.id.to_string()),
            before: None,
            after: Some(json!({ "kind": run.kind, "error": reason })),
            reason: None,
        },
    )
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
    let s: String = sqlx::query_scalar("select status from tenants where id = $1 for update")
        .bind(tenant)
        .fetch_optional(&mut *db)
        .await?
        .ok_or_else(|| AppError::not_found("The tenant no longer exists."))?;
    TenantStatus::parse(&s).ok_or_else(|| AppError::internal("tenant status", s))
}

/// One checked, audited status change (the same rule and audit action as the lifecycle
/// service).
#[allow(clippy::too_many_arguments)]
async fn transition(
    db: &mut PgConnection,
    actor: &Actor,
    tenant: Uuid,
    from: TenantStatus,
    to: TenantStatus,
    reason: Option<&str>,
    retention_days: i32,
    kept: Option<Value>,
) -> Result<(), AppError> {
    if !from.can_transition_to(to) {
        return Err(AppError::conflict(format!("A tenant that is {from} can't become {to}.")));
    }
    if !db::tenants::set_status(&mut *db, tenant, from, to, reason, retention_days).await? {
        return Err(AppError::conflict("The tenant changed while the workflow ran."));
    }
    db::audit::record(
        &mut *db,
        actor,
        NewEvent {
            tenant_id: Some(tenant),
            action: crate::server::services::tenants::action_name(from, to),
            target_type: "tenant",
            target_id: Some(tenant.to_string()),
            before: Some(json!({ "status": from })),
            after: Some(match kept {
                Some(kept) => json!({ "status": to, "kept": kept }),
                None => json!({ "status": to }),
            }),
            reason,
        },
    )
    .await?;
    Ok(())
}

/// Moves the tenant to `to` when it is in one of `from`; already there: nothing to do.
async fn move_status(
    cx: &mut Cx<'_>,
    from: &[TenantStatus],
    to: TenantStatus,
    reason: Option<String>,
) -> Result<Option<Value>, StepError> {
    move_status_noting(cx, from, to, reason, None).await
}

/// `move_status`, with what is deliberately kept of the tenant noted in its audit event.
async fn move_status_noting(
    cx: &mut Cx<'_>,
    from: &[TenantStatus],
    to: TenantStatus,
    reason: Option<String>,
    kept: Option<Value>,
) -> Result<Option<Value>, StepError> {
    let now = current_status(cx.db, cx.run.tenant_id).await?;
    if now == to {
        return Ok(None);
    }
    if !from.contains(&now) {
        return Err(StepError::Permanent(format!("The tenant is {now}, so it can't become {to}.")));
    }
    let days = cx.state.config.tenants.retention_days.min(3650) as i32;
    transition(cx.db, &cx.run.actor(), cx.run.tenant_id, now, to, reason.as_deref(), days, kept).await?;
    Ok(None)
}

async fn tenant_plan(db: &mut PgConnection, tenant: Uuid) -> Result<(Plan, Isolation, String), AppError> {
    let (plan_id, isolation, name): (String, String, String) =
        sqlx::query_as("select plan_id, isolation, name from tenants where id = $1")
            .bind(tenant)
            .fetch_optional(&mut *db)
            .await?
            .ok_or_else(|| AppError::not_found("The tenant no longer exists."))?;
    let plan = db::catalog::plan(&mut *db, &plan_id)
        .await?
        .ok_or_else(|| AppError::invalid("plan", format!("There is no plan called {plan_id}.")))?;
    let isolation = if isolation == "schema" { Isolation::Schema } else { Isolation::Row };
    Ok((plan, isolation, name))
}

/// Checks everything the later steps rely on, then marks the tenant provisioning.
async fn validate(cx: &mut Cx<'_>) -> Result<Option<Value>, StepError> {
    let tenant = cx.run.tenant_id;
    let status = current_status(cx.db, tenant).await?;
    let (plan, isolation, _) = tenant_plan(cx.db, tenant).await?;
    let input = input(cx.run);
    if let Some(email) = &input.first_admin_email {
        check_email(&normalize_email(email)).map_err(StepError::Permanent)?;
    }
    check_allocations(&plan, &input.allocations).map_err(StepError::Permanent)?;
    if isolation == Isolation::Schema && !storage::can_create_roles(cx.db).await? {
        return Err(StepError::Permanent(
            "The database user may not create roles, which schema isolation needs (grant it CREATEROLE).".into(),
        ));
    }
    match status {
        TenantStatus::Pending | TenantStatus::Failed => {
            transition(cx.db, &cx.run.actor(), tenant, status, TenantStatus::Provisioning, None, 0, None).await?;
        }
        TenantStatus::Provisioning => {}
        other => return Err(StepError::Permanent(format!("A tenant that is {other} can't be provisioned."))),
    }
    Ok(Some(json!({ "plan": plan.id, "isolation": isolation })))
}

async fn create_storage(cx: &mut Cx<'_>) -> Result<Option<Value>, StepError> {
    let tenant = cx.run.tenant_id;
    let (_, isolation, _) = tenant_plan(cx.db, tenant).await?;
    match isolation {
        Isolation::Schema => storage::create_schema_storage(cx.db, tenant).await?,
        Isolation::Row => storage::create_row_storage(cx.db, tenant).await?,
    }
    let schema =
        if isolation == Isolation::Schema { storage::schema_name(tenant) } else { storage::SHARED_SCHEMA.into() };
    Ok(Some(json!({ "isolation": isolation, "schema": schema })))
}

async fn apply_template(cx: &mut Cx<'_>) -> Result<Option<Value>, StepError> {
    let version = storage::apply_template(cx.db, cx.run.tenant_id, None).await?;
    Ok(Some(json!({ "template_version": version })))
}

/// Allocations from the plan (or the wizard's, within the plan) and default settings.
async fn configure_defaults(cx: &mut Cx<'_>) -> Result<Option<Value>, StepError> {
    let tenant = cx.run.tenant_id;
    let (plan, _, _) = tenant_plan(cx.db, tenant).await?;
    let requested = input(cx.run).allocations;
    let mut given = BTreeMap::new();
    for (resource, plan_amount) in plan_allocations(&plan) {
        let amount = requested.get(resource).copied().unwrap_or(plan_amount);
        given.insert(resource, amount);
        sqlx::query(
            "insert into tenant_allocations (tenant_id, resource, amount) values ($1, $2, $3)
             on conflict (tenant_id, resource) do update set amount = excluded.amount, updated_at = now()",
        )
        .bind(tenant)
        .bind(resource)
        .bind(amount)
        .execute(&mut *cx.db)
        .await?;
    }
    // Defaults first, the tenant's own values win: `a || b` keeps b's keys.
    sqlx::query("update tenants set settings = $2::jsonb || settings where id = $1 and not (settings @> $2::jsonb)")
        .bind(tenant)
        .bind(default_settings())
        .execute(&mut *cx.db)
        .await?;
    Ok(Some(json!({ "allocations": given })))
}

/// The first admin's invitation (owner), created once; the email goes out in `notify`.
async fn first_admin(cx: &mut Cx<'_>) -> Result<Option<Value>, StepError> {
    let tenant = cx.run.tenant_id;
    let Some(email) = input(cx.run).first_admin_email.map(|e| normalize_email(&e)) else {
        return Ok(Some(json!({ "invitation": null })));
    };
    let existing: Option<Uuid> =
        sqlx::query_scalar("select id from invitations where tenant_id = $1 and email = $2 and status = 'pending'")
            .bind(tenant)
            .bind(&email)
            .fetch_optional(&mut *cx.db)
            .await?;
    let id = match existing {
        Some(id) => id,
        None => {
            // The token is replaced when the email is sent, so this one is never mailed.
            let placeholder = auth::sha256(&auth::random_token(32));
            let expires = chrono::Utc::now()
                + chrono::Duration::days(cx.state.config.auth.invitation_expiry_days.clamp(1, 90) as i64);
            let id =
                db::invitations::insert(&mut *cx.db, tenant, &email, Role::Owner, &placeholder, None, expires).await?;
            db::audit::record(
                &mut *cx.db,
                &cx.run.actor(),
                NewEvent {
                    tenant_id: Some(tenant),
                    action: "invitation.created",
                    target_type: "invitation",
                    target_id: Some(id.to_string()),
                    before: None,
                    after: Some(json!({ "email": email, "role": Role::Owner })),
                    reason: None,
                },
            )
            .await?;
            id
        }
    };
    Ok(Some(json!({ "invitation": id, "email": email })))
}

/// Mails the first admin's invitation (once: never when it was already sent), and writes
/// the `tenant.provisioned` outbox event and audit event (once, keyed by the run).
async fn notify(cx: &mut Cx<'_>) -> Result<Option<Value>, StepError> {
    let tenant = cx.run.tenant_id;
    let (_, isolation, tenant_name) = tenant_plan(cx.db, tenant).await?;
    let mut mailed = false;
    if let Some(email) = input(cx.run).first_admin_email.map(|e| normalize_email(&e)) {
        let unsent: Option<Uuid> = sqlx::query_scalar(
            "select id from invitations where tenant_id = $1 and email = $2 and status = 'pending' and sent_count = 0
               for update",
        )
        .bind(tenant)
        .bind(&email)
        .fetch_optional(&mut *cx.db)
        .await?;
        if let Some(id) = unsent {
            let token = auth::random_token(32);
            let expires = chrono::Utc::now()
                + chrono::Duration::days(cx.state.config.auth.invitation_expiry_days.clamp(1, 90) as i64);
            db::invitations::renew(&mut *cx.db, id, &auth::sha256(&token), expires).await?;
            let inviter = format!("{} (platform operator)", cx.run.actor().label);
            let mail = InvitationMail {
                to: &email,
                tenant: &tenant_name,
                inviter: &inviter,
                role: Role::Owner.as_str(),
                token: &token,
                expires,
            };
            // A failed send is kept on the invitation (shown, and resendable from the
            // Members tab); it does not fail provisioning.
            let outcome = cx.state.mailer.send_invitation(&mail).await;
            mailed = outcome.is_ok();
            db::invitations::mark_sent(&mut *cx.db, id, outcome.err().as_deref()).await?;
        }
    }
    let key = format!("tenant.provisioned:{}", cx.run.id);
    let payload = json!({ "tenant_id": tenant, "isolation": isolation, "run_id": cx.run.id });
    let inserted: Option<i64> = sqlx::query_scalar(
        "insert into outbox (key, tenant_id, topic, payload) values ($1, $2, 'tenant.provisioned', $3)
         on conflict (key) do nothing returning id",
    )
    .bind(&key)
    .bind(tenant)
    .bind(&payload)
    .fetch_optional(&mut *cx.db)
    .await?;
    if inserted.is_some() {
        db::audit::record(
            &mut *cx.db,
            &cx.run.actor(),
            NewEvent {
                tenant_id: Some(tenant),
                action: "tenant.provisioned",
                target_type: "tenant",
                target_id: Some(tenant.to_string()),
                before: None,
                after: Some(payload),
                reason: None,
            },
        )
        .await?;
    }
    Ok(Some(json!({ "invitation_mailed": mailed })))
}

async fn export_data(cx: &mut Cx<'_>) -> Result<Option<Value>, StepError> {
    let existing: Option<Uuid> = sqlx::query_scalar("select id from tenant_exports where run_id = $1")
        .bind(cx.run.id)
        .fetch_optional(&mut *cx.db)
        .await?;
    if let Some(id) = existing {
        return Ok(Some(json!({ "export": id })));
    }
    let days = cx.state.config.tenants.retention_days.min(3650) as i64;
    let (id, manifest) = export::export_tenant(cx.db, cx.run.tenant_id, Some(cx.run.id), days).await?;
    Ok(Some(json!({ "export": id, "files": manifest["files"].as_array().map(|f| f.len()) })))
}

async fn revoke_access(cx: &mut Cx<'_>) -> Result<Option<Value>, StepError> {
    let counts = crate::server::services::tenants::revoke_access(cx.db, &cx.run.actor(), cx.run.tenant_id).await?;
    Ok(Some(counts))
}

async fn verify_removed(cx: &mut Cx<'_>) -> Result<Option<Value>, StepError> {
    let (schemas, roles, rows) = storage::remains(cx.db, cx.run.tenant_id).await?;
    let storage_rows: i64 = sqlx::query_scalar("select count(*) from tenant_storage where tenant_id = $1")
        .bind(cx.run.tenant_id)
        .fetch_one(&mut *cx.db)
        .await?;
    if schemas + roles + rows + storage_rows > 0 {
        return Err(StepError::Retry(format!(
            "The tenant's data is still there: {schemas} schema(s), {roles} role(s), {rows} shared row(s)."
        )));
    }
    // Everything is gone but the export, kept on purpose until its expiry (then a worker
    // deletes its bytes): say so, so the record shows what remains and until when.
    let kept = export::kept(cx.db, cx.run.tenant_id).await?;
    Ok(Some(json!({ "schemas": 0, "roles": 0, "rows": 0, "kept": kept })))
}
