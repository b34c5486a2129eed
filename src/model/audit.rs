//! Audit events (PRODUCT.md E1): append-only records of every change.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// `system`, `user` or `api_key`.
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub tenant_id: Option<Uuid>,
    pub tenant_slug: Option<String>,
    /// e.g. `tenant.created`, `tenant.suspended`.
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
    pub source_ip: Option<String>,
}

impl AuditEvent {
    /// A short sentence for timelines.
    pub fn summary(&self) -> String {
        let what = match self.action.as_str() {
            "tenant.created" => "created the tenant",
            "tenant.updated" => "edited the tenant",
            "tenant.provisioning" => "started provisioning",
            "tenant.activated" => "activated the tenant",
            "tenant.suspended" => "suspended the tenant",
            "tenant.resumed" => "resumed the tenant",
            "tenant.failed" => "marked the tenant failed",
            "tenant.terminating" => "started termination",
            "tenant.terminated" => "terminated the tenant",
            "tenant.provisioned" => "provisioned the tenant's storage and template",
            "tenant.access_revoked" => "revoked the tenant's memberships, keys and invitations",
            "workflow.failed" => "saw a workflow fail",
            "workflow.retried" => "retried a workflow",
            "plan.updated" => "edited a plan",
            other => other,
        };
        format!("{} {}", self.actor_label, what)
    }

    /// Names of the fields that differ between `before` and `after`.
    pub fn changed_fields(&self) -> Vec<String> {
        match (&self.before, &self.after) {
            (Some(serde_json::Value::Object(b)), Some(serde_json::Value::Object(a))) => {
                let mut keys: Vec<String> =
                    a.iter().filter(|(k, v)| b.get(*k) != Some(*v)).map(|(k, _)| k.clone()).collect();
                keys.sort();
                keys
            }
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub tenant_id: Option<Uuid>,
    /// Exact action (`tenant.suspended`) or a prefix ending in `.` (`tenant.`).
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
    /// The id of the last event seen; the next page holds older events.
    pub cursor: Option<String>,
}
