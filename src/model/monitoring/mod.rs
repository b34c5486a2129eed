//! Health monitoring of the tenants' own services (PRODUCT.md H2–H4): the checks a tenant
//! defines, what one probe found, the state machine that turns probes into a state
//! without false alarms, incidents, and the response-time histogram the hourly rollups
//! keep. Shared by the server and the client (the form validates with the same rules).
//!
//! Not the portal's own health (H1): that is `rest::health` and the status page.

mod check;
mod period;
mod views;

pub use check::*;
pub use period::*;
pub use views::*;

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
