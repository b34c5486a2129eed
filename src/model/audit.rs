//! Audit events (PRODUCT.md E1): append-only records of every change.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    System,
    User,
    ApiKey,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::ApiKey => "api_key",
        }
    }
}

/// Who an audit event is attributed to: the person or key behind a request, or the
/// system. Kept with a workflow run (as JSON) so its steps' events name who asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub kind: ActorKind,
    #[serde(default)]
    pub id: Option<Uuid>,
    pub label: String,
    #[serde(default, rename = "ip")]
    pub source_ip: Option<IpAddr>,
}

impl Actor {
    pub fn system(source_ip: Option<IpAddr>) -> Self {
        Self { kind: ActorKind::System, id: None, label: "System".into(), source_ip }
    }

    pub fn user(id: Uuid, email: &str, source_ip: Option<IpAddr>) -> Self {
        Self { kind: ActorKind::User, id: Some(id), label: email.to_string(), source_ip }
    }

    /// An actor stored as JSON; anything unreadable is the system.
    pub fn from_json(v: &serde_json::Value) -> Self {
        serde_json::from_value(v.clone()).unwrap_or_else(|_| Self::system(None))
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

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
            "config.updated" => "changed the tenant's settings",
            "config.restored" => "restored an earlier version of the tenant's settings",
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
            "tenant.plan_changed" => "changed the tenant's plan",
            "tenant.plan_change_requested" => "asked for a plan change",
            "tenant.plan_change_rolled_back" => "rolled back a plan change",
            "user.signed_in" => "signed in",
            "user.signed_out" => "signed out",
            "user.created" => "created an account",
            "user.disabled" => "disabled an account",
            "user.enabled" => "re-enabled an account",
            "user.password_changed" => "changed a password",
            "api_key.created" => "issued an API key",
            "api_key.revoked" => "revoked an API key",
            "member.added" => "added a member",
            "member.joined" => "joined the tenant",
            "member.removed" => "removed a member",
            "member.role_changed" => "changed a member's role",
            "invitation.created" => "sent an invitation",
            "invitation.resent" => "resent an invitation",
            "invitation.revoked" => "revoked an invitation",
            "invitation.accepted" => "accepted an invitation",
            "domain.added" => "added a custom domain",
            "domain.verified" => "verified a custom domain",
            "domain.removed" => "removed a custom domain",
            "webhook.created" => "added a webhook endpoint",
            "webhook.deleted" => "deleted a webhook endpoint",
            "webhook.enabled" => "enabled a webhook endpoint",
            "webhook.disabled" => "disabled a webhook endpoint",
            "webhook.secret_rotated" => "rotated a webhook signing secret",
            "webhook.replayed" => "replayed webhook deliveries",
            "webhook.test" => "sent a test webhook",
            "policy.created" => "added an auto-scaling policy",
            "policy.updated" => "edited an auto-scaling policy",
            "policy.deleted" => "deleted an auto-scaling policy",
            "resource.scaled" => "changed a resource allocation",
            "alert.opened" => "opened an alert",
            "alert.acknowledged" => "acknowledged an alert",
            "alert.resolved" => "resolved an alert",
            "health_check.created" => "added a health check",
            "health_check.updated" => "edited a health check",
            "health_check.deleted" => "deleted a health check",
            "health_incident.acknowledged" => "acknowledged an incident",
            "invoice.issued" => "issued an invoice",
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

/// An audit event as a timeline shows it: its sentence and what changed, worked out once
/// (on the server for the dashboard, whose bundle then needs no JSON-value code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub summary: String,
    pub action: String,
    pub tenant_slug: Option<String>,
    #[serde(deserialize_with = "crate::model::timestamp::utc")]
    pub occurred_at: DateTime<Utc>,
    pub source_ip: Option<String>,
    pub reason: Option<String>,
    pub diff: Option<Diff>,
}

/// The fields an event changed, behind a disclosure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// "Changed: name, plan", or "Details" when nothing compares.
    pub label: String,
    /// `{"before": ..., "after": ...}`, indented.
    pub text: String,
}

impl From<AuditEvent> for TimelineEntry {
    fn from(e: AuditEvent) -> Self {
        let changed = e.changed_fields();
        let diff = (e.before.is_some() || e.after.is_some()).then(|| Diff {
            label: if changed.is_empty() { "Details".to_string() } else { format!("Changed: {}", changed.join(", ")) },
            text: serde_json::to_string_pretty(&serde_json::json!({ "before": e.before, "after": e.after }))
                .unwrap_or_default(),
        });
        TimelineEntry {
            summary: e.summary(),
            action: e.action,
            tenant_slug: e.tenant_slug,
            occurred_at: e.occurred_at,
            source_ip: e.source_ip,
            reason: e.reason,
            diff,
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

#[cfg(test)]
mod actor_tests {
    use super::*;

    #[test]
    fn actors_round_trip_through_json() {
        let a = Actor::user(Uuid::nil(), "a@example.com", Some("10.0.0.1".parse().unwrap()));
        assert_eq!(Actor::from_json(&a.to_json()), a);
        assert_eq!(a.to_json()["ip"], "10.0.0.1");
        // Runs stored before this type existed: {"kind", "id", "label", "ip"} as strings.
        let old = serde_json::json!({ "kind": "api_key", "id": null, "label": "API key x", "ip": null });
        assert_eq!(Actor::from_json(&old).kind, ActorKind::ApiKey);
        assert_eq!(Actor::from_json(&serde_json::json!({})).kind, ActorKind::System);
    }
}

#[cfg(test)]
mod timeline_tests {
    use super::*;
    use serde_json::json;

    fn event(action: &str, before: Option<serde_json::Value>, after: Option<serde_json::Value>) -> AuditEvent {
        AuditEvent {
            id: 1,
            occurred_at: chrono::DateTime::from_timestamp(1_796_512_566, 0).unwrap(),
            actor_type: "user".into(),
            actor_id: None,
            actor_label: "ada@example.com".into(),
            tenant_id: None,
            tenant_slug: Some("acme".into()),
            action: action.into(),
            target_type: "tenant".into(),
            target_id: None,
            before,
            after,
            reason: None,
            source_ip: None,
        }
    }

    #[test]
    fn events_read_as_sentences_and_unknown_ones_as_their_name() {
        assert_eq!(event("user.signed_in", None, None).summary(), "ada@example.com signed in");
        assert_eq!(event("api_key.created", None, None).summary(), "ada@example.com issued an API key");
        assert_eq!(event("tenant.suspended", None, None).summary(), "ada@example.com suspended the tenant");
        assert_eq!(event("something.new", None, None).summary(), "ada@example.com something.new");
    }

    #[test]
    fn a_timeline_entry_names_the_changed_fields() {
        let e = event(
            "tenant.updated",
            Some(json!({ "name": "A", "plan": "free" })),
            Some(json!({ "name": "B", "plan": "free" })),
        );
        let entry = TimelineEntry::from(e);
        let diff = entry.diff.expect("a change has a diff");
        assert_eq!(diff.label, "Changed: name");
        assert!(diff.text.contains("\"before\"") && diff.text.contains("\"B\""), "{}", diff.text);
        assert_eq!(entry.summary, "ada@example.com edited the tenant");
        assert_eq!(entry.tenant_slug.as_deref(), Some("acme"));

        // Nothing to compare (only an after): the details, unnamed; no before or after: none.
        let created = TimelineEntry::from(event("tenant.created", None, Some(json!({ "name": "B" }))));
        assert_eq!(created.diff.map(|d| d.label).as_deref(), Some("Details"));
        assert_eq!(TimelineEntry::from(event("user.signed_in", None, None)).diff, None);
    }
}
