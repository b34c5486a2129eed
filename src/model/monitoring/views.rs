//! What the health views show: the response-time histogram, uptime, hourly points, the
//! tenant tab and the platform overview.

use super::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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

/// One hour (or one UTC day) of one check: probes, down ones, p50 and p95.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The hour's or the day's start.
    pub at: DateTime<Utc>,
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
    /// The check the response-time chart shows (the one asked for, else the first), its
    /// points over the period asked for (per hour, or per UTC day when `daily`), and what
    /// it did over that period.
    pub chart_check: Option<Uuid>,
    pub chart: Vec<Point>,
    pub daily: bool,
    pub period: Option<PeriodSummary>,
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
