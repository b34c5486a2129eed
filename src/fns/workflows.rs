//! Server functions for workflow runs, exports, plans and the provisioning wizard's draft.

use crate::error::AppError;
use crate::model::{ExportInfo, Plan, Rollout, TemplateStatus, WizardDraft, WorkflowRun};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{
    fns::respond,
    server::access::Caller,
    server::services::{drafts, plans, workflows},
    server::state::AppState,
};

#[server]
pub async fn list_tenant_workflows(tenant: Uuid) -> Result<Vec<WorkflowRun>, AppError> {
    respond(async { workflows::for_tenant(&AppState::from_context()?.pool, &Caller::current(), tenant).await }.await)
}

#[server]
pub async fn list_workflows(status: Option<String>) -> Result<Vec<WorkflowRun>, AppError> {
    respond(
        async { workflows::list(&AppState::from_context()?.pool, &Caller::current(), status.as_deref()).await }.await,
    )
}

#[server]
pub async fn get_workflow(id: Uuid) -> Result<WorkflowRun, AppError> {
    respond(async { workflows::get(&AppState::from_context()?.pool, &Caller::current(), id).await }.await)
}

#[server]
pub async fn retry_workflow(id: Uuid) -> Result<WorkflowRun, AppError> {
    respond(async { workflows::retry(&AppState::from_context()?, &Caller::current(), id).await }.await)
}

#[server]
pub async fn discard_workflow(id: Uuid) -> Result<WorkflowRun, AppError> {
    respond(async { workflows::discard(&AppState::from_context()?, &Caller::current(), id).await }.await)
}

#[server]
pub async fn list_exports(tenant: Uuid) -> Result<Vec<ExportInfo>, AppError> {
    respond(async { workflows::exports(&AppState::from_context()?.pool, &Caller::current(), tenant).await }.await)
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn update_plan(plan: Plan) -> Result<Plan, AppError> {
    respond(
        async {
            let id = plan.id.clone();
            plans::update(&AppState::from_context()?.pool, &Caller::current(), &id, plan).await
        }
        .await,
    )
}

/// The signed-in person's wizard draft, if any.
#[server]
pub async fn get_draft() -> Result<Option<WizardDraft>, AppError> {
    respond(async { drafts::get(&AppState::from_context()?.pool, &Caller::current()).await }.await)
}

/// Keeps the draft after checking the steps up to `draft.step` (the same rules as the
/// browser); answers the field errors of the first failing step as 422.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn save_draft(draft: WizardDraft) -> Result<WizardDraft, AppError> {
    respond(async { drafts::save(&AppState::from_context()?.pool, &Caller::current(), draft).await }.await)
}

#[server]
pub async fn discard_draft() -> Result<(), AppError> {
    respond(async { drafts::discard(&AppState::from_context()?.pool, &Caller::current()).await }.await)
}

/// Creates the tenant from the draft (checked once more) and starts provisioning; the
/// draft is gone afterwards. Answers the new tenant's slug.
#[server]
pub async fn submit_draft() -> Result<String, AppError> {
    respond(async { drafts::submit(&AppState::from_context()?, &Caller::current()).await }.await)
}

#[server]
pub async fn get_template_status() -> Result<TemplateStatus, AppError> {
    respond(async { workflows::template_status(&AppState::from_context()?, &Caller::current()).await }.await)
}

/// Starts (or resumes) rolling the newest template version out; answers at once.
#[server]
pub async fn start_template_rollout() -> Result<Rollout, AppError> {
    respond(async { workflows::begin_rollout(&AppState::from_context()?, &Caller::current()).await }.await)
}
