//! Server functions for the audit trail.

use crate::error::AppError;
use crate::model::{AuditEvent, AuditQuery, Page};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::{fns::respond, server::access::Caller, server::services::audit as svc, server::state::AppState};

#[server(input = Json)]
pub async fn list_audit(query: AuditQuery) -> Result<Page<AuditEvent>, AppError> {
    respond(async { svc::list(&AppState::from_context()?.pool, &Caller::current(), &query).await }.await)
}

#[server]
pub async fn audit_actions() -> Result<Vec<String>, AppError> {
    respond(async { svc::actions(&AppState::from_context()?.pool, &Caller::current()).await }.await)
}
