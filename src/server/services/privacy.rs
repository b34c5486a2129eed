//! What a tenant's members and viewers may not read about other people (PRODUCT.md A2,
//! E1): the audit trail and the workflow runs carry invitees' emails, the platform
//! operators' emails and everyone's source addresses. One place decides what each caller
//! sees, for every list, page and CSV export.
//!
//! - Platform admins see everything.
//! - Owners and admins (and the tenant's API keys, which only they can create) see their
//!   tenant's events in full, except where platform operators acted from.
//! - Members and viewers see no source address at all, operators only as "Platform
//!   administrator", and no invitee's email (pending invitations are for managers).

use crate::db;
use crate::error::AppError;
use crate::model::{AuditEvent, Role, WorkflowRun};
use crate::server::access::{Caller, Principal};
use serde_json::Value;
use sqlx::PgPool;
use std::collections::HashSet;
use uuid::Uuid;

pub const OPERATOR: &str = "Platform administrator";
pub const HIDDEN: &str = "(hidden)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sight {
    Full,
    Managers,
    Limited,
}

fn sight(caller: &Caller, tenant: Option<Uuid>) -> Sight {
    if caller.is_platform_admin() {
        return Sight::Full;
    }
    if let Principal::ApiKey(k) = &caller.principal {
        return if Some(k.tenant_id) == tenant { Sight::Managers } else { Sight::Limited };
    }
    match tenant.and_then(|t| caller.role_in(t)) {
        Some(Role::Owner | Role::Admin) => Sight::Managers,
        _ => Sight::Limited,
    }
}

/// The platform admins among `ids` (one query, only when someone needs hiding).
async fn operators(pool: &PgPool, ids: impl Iterator<Item = Uuid>) -> Result<HashSet<Uuid>, AppError> {
    let ids: Vec<Uuid> = ids.collect::<HashSet<_>>().into_iter().collect();
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    db::users::platform_admins_among(pool, &ids).await
}

/// Hides what the caller may not read in a page of audit events.
pub async fn audit_events(pool: &PgPool, caller: &Caller, events: &mut [AuditEvent]) -> Result<(), AppError> {
    if caller.is_platform_admin() || events.is_empty() {
        return Ok(());
    }
    let ops = operators(pool, events.iter().filter(|e| e.actor_type == "user").filter_map(|e| e.actor_id)).await?;
    for e in events.iter_mut() {
        let by_operator = e.actor_id.is_some_and(|id| ops.contains(&id));
        match sight(caller, e.tenant_id) {
            Sight::Full => {}
            Sight::Managers => {
                if by_operator {
                    e.source_ip = None;
                }
            }
            Sight::Limited => {
                e.source_ip = None;
                if by_operator {
                    e.actor_label = OPERATOR.into();
                }
                if e.target_type == "invitation" {
                    hide_email(&mut e.before);
                    hide_email(&mut e.after);
                }
            }
        }
    }
    Ok(())
}

fn hide_email(v: &mut Option<Value>) {
    if let Some(Value::Object(map)) = v {
        if let Some(email) = map.get_mut("email") {
            *email = Value::String(HIDDEN.into());
        }
    }
}

/// Hides operators' identities from members and viewers in workflow runs.
pub async fn workflow_runs(pool: &PgPool, caller: &Caller, runs: &mut [WorkflowRun]) -> Result<(), AppError> {
    if caller.is_platform_admin() || runs.is_empty() {
        return Ok(());
    }
    let limited = |r: &WorkflowRun| sight(caller, Some(r.tenant_id)) == Sight::Limited;
    if !runs.iter().any(limited) {
        return Ok(());
    }
    let ops = operators(pool, runs.iter().filter_map(|r| r.requested_by_id)).await?;
    for r in runs.iter_mut() {
        if limited(r) && r.requested_by_id.is_some_and(|id| ops.contains(&id)) {
            r.requested_by = OPERATOR.into();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_email_of_an_invitation_is_hidden() {
        let mut v = Some(json!({ "email": "a@b.example", "role": "viewer" }));
        hide_email(&mut v);
        assert_eq!(v, Some(json!({ "email": HIDDEN, "role": "viewer" })));
        let mut none = None;
        hide_email(&mut none);
        assert_eq!(none, None);
    }
}
