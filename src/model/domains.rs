//! Custom domains (PRODUCT.md C4): a tenant claims a domain, publishes a token as a DNS TXT
//! record to prove it owns it, and only then does the domain resolve to the tenant. The
//! schedule of the automatic checks is published here, once, for the worker, the UI and
//! the API description alike.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where the token is published: `_tenantry-challenge.<domain>`.
pub const CHALLENGE_LABEL: &str = "_tenantry-challenge";

/// The automatic checks stop this many days after a claim (or a retry) starts.
pub const GIVE_UP_DAYS: i64 = 7;

/// The first automatic check comes this soon after a claim; each later one waits twice
/// as long as the one before, up to [`MAX_CHECK_INTERVAL_MINS`].
pub const FIRST_CHECK_MINS: i64 = 1;
pub const MAX_CHECK_INTERVAL_MINS: i64 = 360;

/// The schedule in words (UI and API description).
pub const SCHEDULE: &str = "Checked 1 minute after it is added, then after 2, 4, 8 … minutes, at most every 6 hours, for 7 days; \u{201c}Verify now\u{201d} checks at once.";

/// How long after its `checks`-th automatic check the next one comes.
pub fn check_delay_mins(checks: i32) -> i64 {
    let doubled = FIRST_CHECK_MINS.saturating_mul(1i64 << checks.clamp(0, 20));
    doubled.min(MAX_CHECK_INTERVAL_MINS)
}

/// The TXT record's name for `domain`.
pub fn challenge_name(domain: &str) -> String {
    format!("{CHALLENGE_LABEL}.{domain}")
}

/// A claim's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum DomainStatus {
    /// Waiting for the TXT record; checked on the schedule.
    Pending,
    /// Proven: the domain resolves to the tenant.
    Verified,
    /// The checks gave up after 7 days; the name is free again. "Verify now" retries.
    Failed,
}

impl DomainStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "verified" => DomainStatus::Verified,
            "failed" => DomainStatus::Failed,
            _ => DomainStatus::Pending,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DomainStatus::Pending => "pending",
            DomainStatus::Verified => "verified",
            DomainStatus::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DomainStatus::Pending => "Waiting for DNS",
            DomainStatus::Verified => "Verified",
            DomainStatus::Failed => "Not verified",
        }
    }
}

/// One of a tenant's custom domains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Domain {
    pub domain: String,
    pub status: DomainStatus,
    /// The tenant's primary domain (shown on the tenant; the first one added).
    pub primary: bool,
    /// Publish a TXT record with this name…
    pub record_name: String,
    /// …and this value.
    pub record_value: String,
    pub created_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    /// The last check: when, and what DNS answered, in words.
    pub last_checked_at: Option<DateTime<Utc>>,
    pub last_result: String,
    /// The next automatic check (pending domains only).
    pub next_check_at: Option<DateTime<Utc>>,
    /// When the automatic checks give up (pending domains only).
    pub gives_up_at: Option<DateTime<Utc>>,
}

/// A domain to add.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewDomain {
    /// A host name such as `app.example.com` (lower-cased; not the portal's own).
    #[cfg_attr(
        feature = "ssr",
        schema(
            min_length = 3,
            max_length = 253,
            pattern = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$"
        )
    )]
    pub domain: String,
}

impl NewDomain {
    /// The domain, normalised (trimmed, lower case, no final dot), or why it isn't one.
    pub fn normalised(&self) -> Result<String, String> {
        let d = self.domain.trim().trim_end_matches('.').to_ascii_lowercase();
        if d.is_empty() {
            return Err("Enter the domain, such as app.example.com.".into());
        }
        crate::model::validate::check_domain(&d)?;
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_backs_off_to_six_hours() {
        let delays: Vec<i64> = (0..12).map(check_delay_mins).collect();
        assert_eq!(&delays[..5], &[1, 2, 4, 8, 16]);
        assert_eq!(delays[9], 360);
        assert_eq!(check_delay_mins(i32::MAX), 360);
        // Seven days hold a few dozen checks, not thousands.
        let (mut t, mut n) = (0i64, 0);
        while t < GIVE_UP_DAYS * 24 * 60 {
            t += check_delay_mins(n);
            n += 1;
        }
        assert!((20..60).contains(&n), "{n} checks in 7 days");
    }

    #[test]
    fn domains_are_normalised_and_checked() {
        let d = |s: &str| NewDomain { domain: s.into() }.normalised();
        assert_eq!(d(" App.Example.COM. ").unwrap(), "app.example.com");
        assert!(d("").is_err());
        assert!(d("nodot").is_err());
        assert!(d("10.0.0.1").is_err());
        assert!(d("bad_label.example.com").is_err());
        assert_eq!(challenge_name("a.example.com"), "_tenantry-challenge.a.example.com");
    }
}
