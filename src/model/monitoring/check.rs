//! A check as stored and as entered, with the rules its fields follow.

use super::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The HTTP methods a check may use.
pub const METHODS: [&str; 3] = ["GET", "HEAD", "POST"];

/// A check as stored, with its current state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Check {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub url: String,
    pub method: String,
    /// Expected statuses: codes and ranges, e.g. `200-299, 304`.
    pub expected_status: String,
    pub timeout_ms: i32,
    pub interval_secs: i32,
    pub body_contains: Option<String>,
    pub slow_ms: Option<i32>,
    pub cert_expiry_days: i32,
    pub down_after: i32,
    pub up_after: i32,
    pub enabled: bool,
    pub state: CheckState,
    pub state_since: DateTime<Utc>,
    pub last_checked_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_ms: Option<i32>,
    pub last_cause: Option<Cause>,
    pub last_detail: Option<String>,
    pub next_due_at: DateTime<Utc>,
    pub silenced_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A check to create or replace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 80, example = "API"))]
    pub name: String,
    /// http(s); probes go only to public addresses unless the operator's `[outbound] allow`
    /// list names the host or its address.
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 2048, example = "https://api.example.com/health"))]
    pub url: String,
    #[serde(default = "default_method")]
    #[cfg_attr(feature = "ssr", schema(pattern = "^(GET|HEAD|POST)$", example = "GET"))]
    pub method: String,
    /// Codes and ranges from 100 to 599, comma-separated.
    #[serde(default = "default_expected")]
    #[cfg_attr(feature = "ssr", schema(min_length = 3, max_length = 100, example = "200-299"))]
    pub expected_status: String,
    #[serde(default = "default_timeout")]
    #[cfg_attr(feature = "ssr", schema(minimum = 100, maximum = 60000))]
    pub timeout_ms: i32,
    #[serde(default = "default_interval")]
    #[cfg_attr(feature = "ssr", schema(minimum = 10, maximum = 86400))]
    pub interval_secs: i32,
    /// Text the body must contain (in its first 64 KiB), or null.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 200))]
    pub body_contains: Option<String>,
    /// Slower than this many milliseconds counts as degraded, or null.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 60000))]
    pub slow_ms: Option<i32>,
    /// For https: a certificate expiring within this many days counts as degraded (0: never).
    #[serde(default = "default_cert_days")]
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 365))]
    pub cert_expiry_days: i32,
    /// Consecutive failures (the last confirmed by an immediate re-check) before the
    /// service counts as down or degraded.
    #[serde(default = "default_down_after")]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 10))]
    pub down_after: i32,
    /// Consecutive successes before it counts as up again.
    #[serde(default = "default_up_after")]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 10))]
    pub up_after: i32,
    #[serde(default = "default_enabled")]
    pub enabled: bool,
}

fn default_method() -> String {
    "GET".into()
}
fn default_expected() -> String {
    "200-299".into()
}
fn default_timeout() -> i32 {
    5_000
}
fn default_interval() -> i32 {
    60
}
fn default_cert_days() -> i32 {
    14
}
fn default_down_after() -> i32 {
    3
}
fn default_up_after() -> i32 {
    2
}
fn default_enabled() -> bool {
    true
}

impl Default for CheckInput {
    fn default() -> Self {
        Self {
            name: String::new(),
            url: String::new(),
            method: default_method(),
            expected_status: default_expected(),
            timeout_ms: default_timeout(),
            interval_secs: default_interval(),
            body_contains: None,
            slow_ms: None,
            cert_expiry_days: default_cert_days(),
            down_after: default_down_after(),
            up_after: default_up_after(),
            enabled: true,
        }
    }
}

impl CheckInput {
    /// Checks every field (the URL's shape only: where it points is the server's check)
    /// and answers the input trimmed, or a message per field.
    pub fn validate(&self) -> Result<CheckInput, crate::error::FieldErrors> {
        let mut errors = crate::error::FieldErrors::new();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.insert("name".into(), "Give the check a name, e.g. API or Checkout.".into());
        } else if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
            errors.insert("name".into(), format!("At most {MAX_NAME} characters, on one line."));
        }
        let url = self.url.trim().to_string();
        if let Err(m) = check_url_shape(&url) {
            errors.insert("url".into(), m);
        }
        let method = self.method.trim().to_ascii_uppercase();
        if !METHODS.contains(&method.as_str()) {
            errors.insert("method".into(), "The method is GET, HEAD or POST.".into());
        }
        let expected_status = match parse_statuses(&self.expected_status) {
            Ok(r) => format_statuses(&r),
            Err(m) => {
                errors.insert("expected_status".into(), m);
                String::new()
            }
        };
        if !(MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS).contains(&self.interval_secs) {
            errors.insert(
                "interval_secs".into(),
                format!("Check every {MIN_INTERVAL_SECS} seconds at the most often, and at least once a day."),
            );
        }
        if !(MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&self.timeout_ms) {
            errors.insert("timeout_ms".into(), "The timeout is from 100 ms to 60 s.".into());
        } else if i64::from(self.timeout_ms) > i64::from(self.interval_secs) * 1000 {
            errors.insert("timeout_ms".into(), "The timeout must not be longer than the interval.".into());
        }
        let body_contains = self.body_contains.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        if body_contains.as_ref().is_some_and(|t| t.chars().count() > MAX_BODY_TEXT || t.chars().any(char::is_control))
        {
            errors.insert("body_contains".into(), format!("At most {MAX_BODY_TEXT} characters, on one line."));
        }
        if let Some(s) = self.slow_ms {
            if !(1..=MAX_TIMEOUT_MS).contains(&s) {
                errors.insert("slow_ms".into(), "The response-time target is from 1 ms to 60 s.".into());
            } else if s >= self.timeout_ms && !errors.contains_key("timeout_ms") {
                errors.insert("slow_ms".into(), "The response-time target must be shorter than the timeout.".into());
            }
        }
        if !(0..=365).contains(&self.cert_expiry_days) {
            errors.insert("cert_expiry_days".into(), "From 0 (never warn) to 365 days.".into());
        }
        for (field, v) in [("down_after", self.down_after), ("up_after", self.up_after)] {
            if !(1..=MAX_CONFIRM).contains(&v) {
                errors.insert(field.into(), format!("From 1 to {MAX_CONFIRM} consecutive results."));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CheckInput { name, url, method, expected_status, body_contains, ..self.clone() })
    }
}

/// The shape of a check's URL: http(s), a host, no spaces, at most 2,048 characters.
pub fn check_url_shape(url: &str) -> Result<(), String> {
    crate::model::validate::check_http_url(url, "the URL to probe", "https://api.example.com/health")
}

/// Parses `200-299, 304` into ranges.
pub fn parse_statuses(s: &str) -> Result<Vec<(u16, u16)>, String> {
    const HINT: &str = "Codes or ranges from 100 to 599, separated by commas, e.g. 200-299, 304.";
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').map_or((part, part), |(a, b)| (a.trim(), b.trim()));
        let (Ok(a), Ok(b)) = (a.parse::<u16>(), b.parse::<u16>()) else { return Err(HINT.into()) };
        if !(100..=599).contains(&a) || !(100..=599).contains(&b) || a > b {
            return Err(HINT.into());
        }
        out.push((a, b));
    }
    if out.is_empty() || out.len() > 20 {
        return Err(HINT.into());
    }
    Ok(out)
}

pub fn format_statuses(r: &[(u16, u16)]) -> String {
    r.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect::<Vec<_>>().join(", ")
}

/// Whether `code` is one of `ranges`.
pub fn status_expected(ranges: &[(u16, u16)], code: u16) -> bool {
    ranges.iter().any(|(a, b)| (*a..=*b).contains(&code))
}
