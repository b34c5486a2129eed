//! Signed webhooks (PRODUCT.md E2): the endpoints a tenant registers, the topics they can
//! subscribe to, the delivery log and the retry schedule. Shared by the server and the
//! client (the form checks topics and URLs with the same rules).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// Every event the portal sends, with what it means (the form lists them).
pub const TOPICS: [(&str, &str); 21] = [
    ("tenant.provisioning", "A tenant's provisioning started"),
    ("tenant.provisioned", "A tenant finished provisioning"),
    ("tenant.activated", "A tenant became active"),
    ("tenant.suspended", "A tenant was suspended"),
    ("tenant.resumed", "A suspended tenant was resumed"),
    ("tenant.terminating", "A tenant's termination started"),
    ("tenant.terminated", "A tenant was terminated"),
    ("tenant.failed", "A tenant's provisioning failed"),
    ("tenant.plan_changed", "A tenant moved to another plan"),
    ("member.joined", "Someone joined the tenant (accepted an invitation)"),
    ("member.removed", "Someone was removed from the tenant"),
    ("member.role_changed", "A member's role changed"),
    ("quota.exceeded", "A resource reached its hard limit"),
    ("alert.opened", "An alert opened (soft or hard limit, cost)"),
    ("alert.acknowledged", "Someone acknowledged an alert"),
    ("alert.resolved", "An alert resolved (use dropped back)"),
    ("policy.scaled", "An auto-scaling policy changed an allocation"),
    ("policy.notified", "A notify-only policy's condition held"),
    ("health.down", "A monitored service went down (confirmed)"),
    ("health.degraded", "A monitored service is slow, lacks its text or has an expiring certificate"),
    ("health.recovered", "A service whose incident was announced is up again"),
];

/// The topic of the event "Send test" sends (to that endpoint only, whatever it
/// subscribed to).
pub const TEST_TOPIC: &str = "webhook.test";

/// Endpoints a tenant may have.
pub const MAX_ENDPOINTS: i64 = 20;
pub const MAX_URL: usize = 2048;
pub const MAX_DESCRIPTION: usize = 200;
pub const MAX_TOPICS: usize = 50;

/// The waits before each retry: attempt 1 is immediate, attempt 2 comes 5 s after the
/// first failure, … attempt 8 (the last) 10 h after the seventh. Published in the README
/// and the OpenAPI document.
pub const RETRY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// Attempts a delivery gets in all.
pub const MAX_ATTEMPTS: i32 = RETRY_SCHEDULE.len() as i32 + 1;

/// An endpoint failing (every attempt, no success in between) this long is disabled.
pub const DISABLE_AFTER_DAYS: i64 = 5;

/// The wait before the attempt after `failed` attempts (1-based), or `None` when that was
/// the last one.
pub fn retry_after(failed: i32) -> Option<Duration> {
    usize::try_from(failed).ok().and_then(|n| n.checked_sub(1)).and_then(|i| RETRY_SCHEDULE.get(i)).copied()
}

/// The topic families a pattern may name (`alert.*`).
fn families() -> impl Iterator<Item = &'static str> {
    let mut seen: Vec<&'static str> = Vec::new();
    TOPICS.iter().filter_map(move |(t, _)| {
        let family = &t[..t.find('.')?];
        (!seen.contains(&family)).then(|| {
            seen.push(family);
            family
        })
    })
}

/// Whether `topic` is one an endpoint can subscribe to: a topic, a family (`alert.*`) or
/// every topic (`*`).
pub fn valid_pattern(pattern: &str) -> bool {
    pattern == "*"
        || TOPICS.iter().any(|(t, _)| *t == pattern)
        || pattern.strip_suffix(".*").is_some_and(|f| families().any(|x| x == f))
}

/// Whether an endpoint subscribed to `patterns` receives `topic` (the same rule as the
/// SQL function `webhook_topic_matches`).
pub fn matches(patterns: &[String], topic: &str) -> bool {
    patterns.iter().any(|p| {
        p == topic
            || p == "*"
            || p.strip_suffix('*').is_some_and(|prefix| prefix.ends_with('.') && topic.starts_with(prefix))
    })
}

/// Checks an endpoint's topics: trimmed, known, at least one, no duplicates.
pub fn check_topics(topics: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for t in topics {
        let t = t.trim();
        if !valid_pattern(t) {
            return Err(format!(
                "\u{201c}{}\u{201d} is not a topic. Use one of the listed topics, a family such as alert.*, or * for all.",
                t.chars().take(60).collect::<String>()
            ));
        }
        if !out.iter().any(|x| x == t) {
            out.push(t.to_string());
        }
    }
    if out.is_empty() {
        return Err("Choose at least one topic.".into());
    }
    if out.len() > MAX_TOPICS {
        return Err(format!("At most {MAX_TOPICS} topics."));
    }
    Ok(out)
}

/// The shape of an endpoint URL (the server also checks where it points): http or https,
/// a host, at most 2,048 characters, no spaces.
pub fn check_url_shape(url: &str) -> Result<(), String> {
    super::validate::check_http_url(url, "the URL that receives the events", "https://example.com/webhooks")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum EndpointStatus {
    Enabled,
    /// Not sent to: it answered 410 Gone, failed for 5 days, or was switched off.
    Disabled,
}

/// A registered endpoint (never with its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Endpoint {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub url: String,
    pub description: String,
    pub topics: Vec<String>,
    pub status: EndpointStatus,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Every attempt since then failed (null: the last one succeeded).
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub secret_rotated_at: Option<DateTime<Utc>>,
    /// Until then the previous secret signs too (a second `v1,` signature).
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
}

/// An endpoint to register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// Where events are POSTed: http(s), a public address (not loopback, private,
    /// link-local or metadata) unless the operator's `[outbound] allow` list names it.
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 2048, example = "https://example.com/webhooks"))]
    pub url: String,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 200))]
    pub description: String,
    /// Topics (`alert.opened`), families (`alert.*`) or `*`.
    #[cfg_attr(feature = "ssr", schema(min_items = 1, max_items = 50, example = json!(["alert.*", "tenant.suspended"])))]
    pub topics: Vec<String>,
}

/// An endpoint with its signing secret: answered once, when it is created or rotated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EndpointWithSecret {
    pub endpoint: Endpoint,
    /// `whsec_` and 32 random bytes in base64: the HMAC-SHA256 key is the base64 part,
    /// decoded. Shown only now.
    pub secret: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    Succeeded,
    /// Every attempt failed, the endpoint answered 410 or was disabled.
    Failed,
}

impl DeliveryStatus {
    pub fn label(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "Pending",
            DeliveryStatus::Succeeded => "Delivered",
            DeliveryStatus::Failed => "Failed",
        }
    }
}

/// One event sent (or to be sent) to one endpoint, with its latest attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    /// The `webhook-id` header: the same on every attempt and replay.
    pub msg_id: String,
    pub topic: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status of the latest attempt (none: no answer).
    pub response_status: Option<i32>,
    pub response_ms: Option<i32>,
    /// The first kilobyte of the latest answer's body.
    pub response_excerpt: Option<String>,
    /// Why the latest attempt failed, when it got no answer or was refused.
    pub error: Option<String>,
    /// The delivery this one replays.
    pub replay_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// The JSON sent.
    pub body: String,
}

/// One endpoint's delivery log, as the Webhooks tab shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointLog {
    pub endpoint: Endpoint,
    pub deliveries: Vec<Delivery>,
}

/// Replay every delivery of an endpoint created in a time range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplayRange {
    pub since: DateTime<Utc>,
    /// Default: now.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Only the failed ones (default), or every delivery in the range.
    #[serde(default = "yes")]
    pub failed_only: bool,
}

fn yes() -> bool {
    true
}

/// How many deliveries a range replay queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Replayed {
    pub replayed: i64,
}

/// Deliveries a range replay queues at most.
pub const MAX_REPLAY: i64 = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(valid_pattern("*"));
        assert!(valid_pattern("alert.opened"));
        assert!(valid_pattern("alert.*"));
        assert!(valid_pattern("tenant.*"));
        assert!(!valid_pattern("alert"));
        assert!(!valid_pattern("nope.*"));
        assert!(!valid_pattern("alert.opened.*"));
        assert!(!valid_pattern("webhook.test"));
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches(&p(&["alert.*"]), "alert.opened"));
        assert!(!matches(&p(&["alert.*"]), "alerts.opened"));
        assert!(!matches(&p(&["alert.opened"]), "alert.resolved"));
        assert!(matches(&p(&["tenant.suspended", "*"]), "quota.exceeded"));
        assert!(!matches(&p(&[]), "quota.exceeded"));
    }

    #[test]
    fn topics_are_checked_and_deduplicated() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check_topics(&v(&[" alert.* ", "alert.*", "quota.exceeded"])).unwrap(),
            v(&["alert.*", "quota.exceeded"])
        );
        assert_eq!(check_topics(&[]).unwrap_err(), "Choose at least one topic.");
        assert!(check_topics(&v(&["alert.*", "bogus"])).unwrap_err().contains("bogus"));
    }

    #[test]
    fn url_shapes() {
        assert!(check_url_shape("https://example.com/hooks").is_ok());
        assert!(check_url_shape("http://127.0.0.1:9000").is_ok());
        assert!(check_url_shape("ftp://example.com").is_err());
        assert!(check_url_shape("https://").is_err());
        assert!(check_url_shape("https://exa mple.com").is_err());
        assert!(check_url_shape("https://user@/x").is_err());
        assert!(check_url_shape(&format!("https://e.com/{}", "a".repeat(2048))).is_err());
    }

    #[test]
    fn schedule() {
        assert_eq!(MAX_ATTEMPTS, 8);
        assert_eq!(retry_after(1), Some(Duration::from_secs(5)));
        assert_eq!(retry_after(2), Some(Duration::from_secs(300)));
        assert_eq!(retry_after(7), Some(Duration::from_secs(36_000)));
        assert_eq!(retry_after(8), None);
        assert_eq!(retry_after(0), None);
    }
}
