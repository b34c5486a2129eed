//! Health monitoring of the tenants' own services (PRODUCT.md H2–H4): the checks a tenant
//! defines, what one probe found, the state machine that turns probes into a state
//! without false alarms, incidents, and the response-time histogram the hourly rollups
//! keep. Shared by the server and the client (the form validates with the same rules).
//!
//! Not the portal's own health (H1): that is `rest::health` and the status page.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const MIN_INTERVAL_SECS: i32 = 10;
pub const MAX_INTERVAL_SECS: i32 = 86_400;
pub const MIN_TIMEOUT_MS: i32 = 100;
pub const MAX_TIMEOUT_MS: i32 = 60_000;
pub const MAX_NAME: usize = 80;
pub const MAX_URL: usize = 2048;
pub const MAX_BODY_TEXT: usize = 200;
/// Checks a tenant may have.
pub const MAX_CHECKS: i64 = 100;
/// Consecutive results at most for confirming down (N) or up (M).
pub const MAX_CONFIRM: i32 = 10;

/// A check's state, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    /// Not probed often enough yet to say.
    Pending,
    Up,
    /// Answering, but slow, without the expected text, or with a certificate near expiry.
    Degraded,
    Down,
}

impl CheckState {
    pub const ALL: [CheckState; 4] = [CheckState::Down, CheckState::Degraded, CheckState::Up, CheckState::Pending];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckState::Pending => "pending",
            CheckState::Up => "up",
            CheckState::Degraded => "degraded",
            CheckState::Down => "down",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CheckState::Pending => "Pending",
            CheckState::Up => "Up",
            CheckState::Degraded => "Degraded",
            CheckState::Down => "Down",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// Down or degraded.
    pub fn is_bad(self) -> bool {
        matches!(self, CheckState::Degraded | CheckState::Down)
    }
}

/// What one probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
// The usage API has an `Outcome` schema of its own.
#[cfg_attr(feature = "ssr", schema(as = ProbeOutcome))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Up,
    Degraded,
    Down,
}

impl Outcome {
    pub fn state(self) -> CheckState {
        match self {
            Outcome::Up => CheckState::Up,
            Outcome::Degraded => CheckState::Degraded,
            Outcome::Down => CheckState::Down,
        }
    }
}

/// Why a probe was not up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// An HTTP status the check doesn't expect.
    Status,
    Timeout,
    /// Connection refused (nothing listens there).
    Refused,
    /// The TLS handshake failed (untrusted, expired or mismatched certificate).
    Tls,
    /// The body lacks the text the check expects.
    Text,
    /// Slower than the check's response-time target.
    Slow,
    /// The certificate expires within the check's warning days.
    Certificate,
    /// More redirects than allowed (or a loop).
    Redirects,
    /// The outbound policy refused the address.
    Blocked,
    /// Any other network failure (DNS, reset, protocol).
    Network,
}

impl Cause {
    pub fn label(self) -> &'static str {
        match self {
            Cause::Status => "Unexpected status",
            Cause::Timeout => "Timeout",
            Cause::Refused => "Connection refused",
            Cause::Tls => "TLS error",
            Cause::Text => "Text missing",
            Cause::Slow => "Slow response",
            Cause::Certificate => "Certificate expiring",
            Cause::Redirects => "Too many redirects",
            Cause::Blocked => "Address not allowed",
            Cause::Network => "Network error",
        }
    }

    /// Whether a probe with this cause still got an answer (degraded, not down).
    pub fn is_degraded(self) -> bool {
        matches!(self, Cause::Text | Cause::Slow | Cause::Certificate)
    }
}

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
    super::validate::check_http_url(url, "the URL to probe", "https://api.example.com/health")
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

/// One probe's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProbeResult {
    pub at: DateTime<Utc>,
    pub outcome: Outcome,
    /// The HTTP status, when an answer came.
    pub status: Option<i32>,
    /// Response time in milliseconds (until the body was read, up to its cap).
    pub ms: i32,
    pub cause: Option<Cause>,
    /// What happened, for a person ("Expected 200-299, got 503.").
    pub detail: Option<String>,
    /// Days until the served certificate expires (https only).
    pub cert_days_left: Option<i32>,
}

/// What the state machine keeps per check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracker {
    pub state: CheckState,
    /// Consecutive results that were not up.
    pub failures: i32,
    /// Consecutive results that were down.
    pub downs: i32,
    /// Consecutive results that were up.
    pub successes: i32,
}

impl Tracker {
    pub fn new(state: CheckState) -> Self {
        Self { state, failures: 0, downs: 0, successes: 0 }
    }

    /// Counts one result (no state change).
    pub fn count(mut self, o: Outcome) -> Self {
        match o {
            Outcome::Up => {
                self.successes = self.successes.saturating_add(1);
                self.failures = 0;
                self.downs = 0;
            }
            Outcome::Degraded => {
                self.successes = 0;
                self.failures = self.failures.saturating_add(1);
                self.downs = 0;
            }
            Outcome::Down => {
                self.successes = 0;
                self.failures = self.failures.saturating_add(1);
                self.downs = self.downs.saturating_add(1);
            }
        }
        self
    }

    /// The state the counts call for with thresholds N (`down_after`) and M (`up_after`),
    /// or `None` to stay. Going worse needs N consecutive bad results; a pending check
    /// becomes up at its first success; recovering needs M successes.
    pub fn wants(&self, down_after: i32, up_after: i32) -> Option<CheckState> {
        let want = if self.downs >= down_after {
            CheckState::Down
        } else if self.failures >= down_after {
            CheckState::Degraded
        } else if self.successes > 0 {
            if self.state == CheckState::Pending || (self.state.is_bad() && self.successes >= up_after) {
                CheckState::Up
            } else {
                return None;
            }
        } else {
            return None;
        };
        (want != self.state).then_some(want)
    }

    /// Whether the wanted state is a worsening, which a re-check must confirm first.
    pub fn needs_confirmation(&self, down_after: i32, up_after: i32) -> bool {
        self.wants(down_after, up_after).is_some_and(|w| w.is_bad())
    }
}

/// An incident: a check was down or degraded from `started_at` to `ended_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Incident {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub check_id: Uuid,
    pub check_name: String,
    /// The worst state it reached.
    pub state: CheckState,
    pub cause: Option<Cause>,
    pub detail: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Whether its alerts were sent (not while the check was silenced).
    pub announced: bool,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub ack_note: Option<String>,
    /// The failing results that opened it (at most 5).
    pub responses: Vec<ProbeResult>,
}

impl Incident {
    /// Its duration in seconds (until now while it is open).
    pub fn duration_secs(&self, now: DateTime<Utc>) -> i64 {
        (self.ended_at.unwrap_or(now) - self.started_at).num_seconds().max(0)
    }
}

/// Acknowledging an incident.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Acknowledge {
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 500))]
    pub note: String,
    /// Silences the check's alerts for this many minutes (0 or absent: not silenced).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 10080))]
    pub silence_minutes: i32,
}

pub const MAX_NOTE: usize = 500;
pub const MAX_SILENCE_MINUTES: i32 = 7 * 24 * 60;

/// Upper bounds (ms) of the response-time histogram's buckets; the last is open.
pub const BUCKETS: [i32; 12] = [25, 50, 100, 200, 300, 500, 750, 1000, 2000, 5000, 10000, i32::MAX];

/// The bucket a response time falls in.
pub fn bucket(ms: i32) -> usize {
    BUCKETS.iter().position(|b| ms <= *b).unwrap_or(BUCKETS.len() - 1)
}

/// The `q`-quantile (0..1) of a histogram, interpolated inside its bucket; `None` when
/// it is empty.
pub fn quantile(hist: &[i64], q: f64) -> Option<i32> {
    let total: i64 = hist.iter().sum();
    if total <= 0 {
        return None;
    }
    let rank = (q.clamp(0.0, 1.0) * total as f64).max(1.0);
    let mut seen = 0i64;
    for (i, n) in hist.iter().enumerate() {
        if *n <= 0 {
            continue;
        }
        if (seen + n) as f64 >= rank {
            let lo = if i == 0 { 0 } else { BUCKETS[i - 1] };
            let hi = if BUCKETS[i] == i32::MAX { lo * 2 } else { BUCKETS[i] };
            let within = (rank - seen as f64) / *n as f64;
            return Some(lo + ((hi - lo) as f64 * within).round() as i32);
        }
        seen += n;
    }
    None
}

/// Uptime over a period: probes that got an answer (up or degraded) out of all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Uptime {
    pub total: i64,
    pub down: i64,
}

impl Uptime {
    /// Percent, or `None` without probes.
    pub fn percent(&self) -> Option<f64> {
        (self.total > 0).then(|| 100.0 * (self.total - self.down) as f64 / self.total as f64)
    }
}

/// One hour of one check: probes, down ones, p50 and p95.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HourPoint {
    pub hour: DateTime<Utc>,
    pub total: i64,
    pub down: i64,
    pub p50_ms: Option<i32>,
    pub p95_ms: Option<i32>,
}

/// A check with what its views show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckSummary {
    pub check: Check,
    pub uptime_24h: Uptime,
    pub uptime_7d: Uptime,
    pub uptime_30d: Uptime,
    pub p95_ms_24h: Option<i32>,
}

/// The tenant Health tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantHealth {
    pub checks: Vec<CheckSummary>,
    /// Open incidents first, then the latest closed ones.
    pub incidents: Vec<Incident>,
    pub can_manage: bool,
    pub now: DateTime<Utc>,
    /// The check the response-time chart shows (the one asked for, else the first), and
    /// its hours.
    pub chart_check: Option<Uuid>,
    pub chart: Vec<HourPoint>,
}

/// One check in the platform overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OverviewRow {
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub tenant_slug: String,
    pub check_id: Uuid,
    pub name: String,
    pub url: String,
    pub state: CheckState,
    pub state_since: DateTime<Utc>,
    pub enabled: bool,
    pub uptime_24h: Uptime,
    pub p95_ms_24h: Option<i32>,
    /// When its open incident started.
    pub incident_since: Option<DateTime<Utc>>,
}

/// Every check of every tenant (platform admins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Overview {
    pub up: i64,
    pub degraded: i64,
    pub down: i64,
    pub pending: i64,
    pub open_incidents: i64,
    /// Down first, then degraded, pending and up; within each, the longest first.
    pub rows: Vec<OverviewRow>,
    pub now: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(t: Tracker, outcomes: &[Outcome]) -> Tracker {
        let mut t = t;
        for o in outcomes {
            t = t.count(*o);
            if let Some(s) = t.wants(3, 2) {
                t.state = s;
            }
        }
        t
    }

    #[test]
    fn one_blip_changes_nothing_and_n_failures_go_down() {
        use Outcome::*;
        let up = Tracker::new(CheckState::Up);
        assert_eq!(run(up, &[Down, Up, Down, Down, Up]).state, CheckState::Up);
        let t = run(up, &[Down, Down]);
        assert_eq!(t.wants(3, 2), None);
        let t = t.count(Down);
        assert_eq!(t.wants(3, 2), Some(CheckState::Down));
        assert!(t.needs_confirmation(3, 2));
        // Slow and failing mixed: bad, but not down three times in a row → degraded.
        assert_eq!(run(up, &[Down, Degraded, Down]).state, CheckState::Degraded);
        // Degraded escalates to down after N downs.
        assert_eq!(run(up, &[Degraded, Degraded, Degraded, Down, Down, Down]).state, CheckState::Down);
    }

    #[test]
    fn recovery_needs_m_successes_and_pending_becomes_up_at_once() {
        use Outcome::*;
        let down = Tracker::new(CheckState::Down);
        assert_eq!(run(down, &[Up]).state, CheckState::Down);
        let t = run(down, &[Up, Up]);
        assert_eq!(t.state, CheckState::Up);
        assert!(!down.count(Up).count(Up).needs_confirmation(3, 2));
        assert_eq!(run(Tracker::new(CheckState::Pending), &[Up]).state, CheckState::Up);
        assert_eq!(run(Tracker::new(CheckState::Pending), &[Down, Down]).state, CheckState::Pending);
    }

    #[test]
    fn input_is_checked_per_field() {
        let ok =
            CheckInput { name: " API ".into(), url: "https://api.example.com/health".into(), ..Default::default() };
        let v = ok.validate().unwrap();
        assert_eq!(v.name, "API");
        let bad = CheckInput {
            name: "".into(),
            url: "ftp://x".into(),
            method: "DELETE".into(),
            expected_status: "2xx".into(),
            interval_secs: 5,
            timeout_ms: 30_000,
            down_after: 0,
            ..Default::default()
        };
        let e = bad.validate().unwrap_err();
        for f in ["name", "url", "method", "expected_status", "interval_secs", "down_after"] {
            assert!(e.contains_key(f), "{f} in {e:?}");
        }
        let slow = CheckInput { interval_secs: 10, timeout_ms: 20_000, ..ok.clone() };
        assert!(slow.validate().unwrap_err().contains_key("timeout_ms"));
        let target = CheckInput { slow_ms: Some(6_000), ..ok };
        assert!(target.validate().unwrap_err().contains_key("slow_ms"));
    }

    #[test]
    fn statuses_parse_and_match() {
        let r = parse_statuses("200-299, 304").unwrap();
        assert!(status_expected(&r, 204) && status_expected(&r, 304) && !status_expected(&r, 301));
        assert_eq!(format_statuses(&r), "200-299, 304");
        for bad in ["", "abc", "99", "300-200", "600"] {
            assert!(parse_statuses(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quantiles_come_from_the_histogram() {
        let mut h = [0i64; 12];
        assert_eq!(quantile(&h, 0.5), None);
        h[bucket(40)] += 90; // 25..50
        h[bucket(900)] += 10; // 750..1000
        let p50 = quantile(&h, 0.5).unwrap();
        assert!((25..=50).contains(&p50), "{p50}");
        let p95 = quantile(&h, 0.95).unwrap();
        assert!((750..=1000).contains(&p95), "{p95}");
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(1_000_000), 11);
    }
}
