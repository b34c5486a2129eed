//! The provisioning wizard's draft, kept per person on the server (PRODUCT.md P1), so it
//! survives a reload or another browser; checked with the same rules as in the browser.

use crate::db;
use crate::error::AppError;
use crate::model::wizard::REVIEW;
use crate::model::{Permission, WizardDraft};
use crate::server::access::Caller;
use crate::server::services::tenants;
use crate::server::state::AppState;
use sqlx::PgPool;
use uuid::Uuid;

fn who(caller: &Caller) -> Result<Uuid, AppError> {
    caller.require(Permission::TenantsCreate)?;
    caller.user_id().ok_or_else(|| AppError::forbidden("Only a signed-in person has a wizard draft."))
}

pub async fn get(pool: &PgPool, caller: &Caller) -> Result<Option<WizardDraft>, AppError> {
    let user = who(caller)?;
    let row = db::drafts::get(pool, user).await?;
    Ok(row.map(|(step, data, updated_at)| WizardDraft {
        step: (step.max(0) as usize).min(REVIEW),
        data: serde_json::from_value(data).unwrap_or_default(),
        updated_at: Some(updated_at),
    }))
}

/// Stores what was typed (always: nothing is lost), then checks every step before
/// `draft.step`; the first step with errors is where the draft stays, and its errors are
/// the answer (422).
pub async fn save(pool: &PgPool, caller: &Caller, draft: WizardDraft) -> Result<WizardDraft, AppError> {
    let user = who(caller)?;
    let plans = db::catalog::plans(pool).await?;
    let target = draft.step.min(REVIEW);
    let mut step = target;
    let mut errors = Default::default();
    for s in 0..target {
        let e = draft.data.check_step(s, &plans);
        if !e.is_empty() {
            step = s;
            errors = e;
            break;
        }
    }
    let data = serde_json::to_value(&draft.data).map_err(|e| AppError::internal("draft", e))?;
    if data.to_string().len() > 16_384 {
        return Err(AppError::bad_request("The draft is too large."));
    }
    let updated_at = db::drafts::save(pool, user, step as i32, &data).await?;
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    Ok(WizardDraft { step, data: draft.data, updated_at: Some(updated_at) })
}

pub async fn discard(pool: &PgPool, caller: &Caller) -> Result<(), AppError> {
    let user = who(caller)?;
    db::drafts::discard(pool, user).await?;
    Ok(())
}

/// Creates the tenant from the stored draft and starts provisioning; answers its slug.
pub async fn submit(state: &AppState, caller: &Caller) -> Result<String, AppError> {
    let user = who(caller)?;
    let draft = get(&state.pool, caller)
        .await?
        .ok_or_else(|| AppError::conflict("There is no draft to create; start the wizard again."))?;
    let plans = db::catalog::plans(&state.pool).await?;
    let errors = draft.data.check_step(REVIEW, &plans);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let tenant = tenants::create(state, caller, draft.data.to_new_tenant()).await?;
    db::drafts::discard(&state.pool, user).await?;
    Ok(tenant.slug)
}
