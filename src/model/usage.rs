//! Usage metering (PRODUCT.md U1-U4): the metric catalog, reported events and their
//! outcomes, what the dashboards and the REST API read (current period, series, trends,
//! top tenants) and invoices.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Events in one `POST /api/v1/usage`.
pub const MAX_BATCH_EVENTS: usize = 1000;
/// Events may be this old (and idempotency keys are remembered this long).
pub const DEDUP_WINDOW_DAYS: i64 = 35;
/// Events may be this far ahead of the server's clock (clock skew).
pub const MAX_AHEAD_SECS: i64 = 300;
pub const KEY_MAX: usize = 128;
pub const DIMENSIONS_MAX: usize = 16;
pub const DIMENSION_TEXT_MAX: usize = 100;
/// Plan prices and invoices are in cents of this currency.
pub const CURRENCY: &str = "USD";

/// How a metric's values combine over an hour, a day or a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Added up (API calls, bandwidth).
    Sum,
    /// The highest value (storage at its peak).
    Max,
    /// The latest value (members now).
    Last,
}

/// Who supplies a metric's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum MetricSource {
    /// Tenants' services report it (`POST /api/v1/usage`).
    Reported,
    /// The portal measures it itself (the sampler); it cannot be reported.
    Measured,
}

/// A metric of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Metric {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub aggregation: Aggregation,
    pub source: MetricSource,
    /// The allocation it is compared with (a resource of the tenant's plan), if any.
    pub resource: Option<String>,
}

/// One reported event as the server checked it.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageEvent {
    pub metric: String,
    pub value: f64,
    pub time: DateTime<Utc>,
    pub idempotency_key: String,
    pub dimensions: Option<serde_json::Map<String, serde_json::Value>>,
}

/// What became of one event of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Counted now.
    Accepted,
    /// Counted before (same key, same payload): not counted again.
    Duplicate,
    /// The key was used before for a different payload: not counted.
    Conflict,
    /// Refused: see `error`.
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventResult {
    /// The event's position in `events`, from 0.
    pub index: usize,
    pub idempotency_key: Option<String>,
    pub outcome: Outcome,
    /// For `invalid`: the field at fault.
    pub field: Option<String>,
    /// For `invalid` and `conflict`: what is wrong, for a person.
    pub error: Option<String>,
}

/// The answer to a batch: counts and each event's outcome, in the order sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BatchResult {
    pub tenant_id: Uuid,
    pub accepted: usize,
    pub duplicates: usize,
    pub conflicts: usize,
    pub invalid: usize,
    pub results: Vec<EventResult>,
}

/// Buckets of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Period {
    #[default]
    Day,
    Week,
    Month,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    pub fn parse(s: &str) -> Option<Period> {
        [Period::Day, Period::Week, Period::Month].into_iter().find(|p| p.as_str() == s.trim())
    }
}

/// One metric in the tenant's current period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MetricUsage {
    pub metric: String,
    pub name: String,
    pub unit: String,
    pub aggregation: Aggregation,
    pub source: MetricSource,
    /// Used so far this period (sum metrics: the total; max: the peak; last: the latest).
    pub used: f64,
    /// The tenant's allocation for it, when it has one.
    pub allocated: Option<f64>,
    /// Cost of the use beyond the allocation so far, in cents.
    pub overage_cents: i64,
}

/// A tenant's current billing period (the calendar month, UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TenantUsage {
    pub tenant_id: Uuid,
    pub period_start: NaiveDate,
    /// The first day after the period.
    pub period_end: NaiveDate,
    pub currency: String,
    pub plan_price_cents: i64,
    /// Plan price plus overage so far.
    pub cost_cents: i64,
    /// The tenant's alert threshold for the period's cost, if set.
    pub cost_alert_cents: Option<i64>,
    pub metrics: Vec<MetricUsage>,
    /// When this was read.
    pub as_of: DateTime<Utc>,
    /// How long the newest reported events may have waited for the rollups, in seconds (0:
    /// none waiting); at most about one rollup interval while the worker keeps up.
    pub rollup_lag_seconds: f64,
}

/// One point of a series: the bucket's start and its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Point {
    pub at: DateTime<Utc>,
    pub value: f64,
}

/// A metric over time, with the bucket before it for comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Trend {
    pub metric: String,
    pub period: Period,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// One bucket per day, week or month in [from, to), oldest first.
    pub points: Vec<Point>,
    /// The same number of buckets just before `from`.
    pub previous: Vec<Point>,
    pub total: f64,
    pub previous_total: f64,
    /// Change against the previous buckets in percent (none when those were 0).
    pub change_percent: Option<f64>,
}

/// A tenant among the top users of a metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TopTenant {
    pub tenant_id: Uuid,
    pub slug: String,
    pub name: String,
    pub value: f64,
    pub previous: f64,
    pub change_percent: Option<f64>,
}

/// The tenants using a metric most in the current day, week or month, and those whose
/// use grew most against the one before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TopUsage {
    pub metric: String,
    pub period: Period,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub top: Vec<TopTenant>,
    pub growing: Vec<TopTenant>,
}

/// The platform's usage for the Usage page: totals per metric this period and the one
/// before, daily series, the top and fastest-growing tenants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlatformUsage {
    pub metrics: Vec<Metric>,
    pub metric: Metric,
    pub trend: Trend,
    pub top: TopUsage,
    pub as_of: DateTime<Utc>,
    pub rollup_lag_seconds: f64,
}

/// The tenant Usage tab: the period's figures and a daily series per metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantUsageView {
    pub usage: TenantUsage,
    /// metric id → its daily values over the last 30 days.
    pub series: Vec<(String, Vec<Point>)>,
    pub invoices: Vec<Invoice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    Invoice,
    CreditNote,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Plan,
    Overage,
    Credit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvoiceLine {
    pub line_no: i32,
    pub kind: LineKind,
    pub description: String,
    pub metric: Option<String>,
    pub quantity: f64,
    pub unit_price_cents: i64,
    pub amount_cents: i64,
}

/// An issued invoice (never changed afterwards).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Invoice {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub number: String,
    pub kind: InvoiceKind,
    pub corrects: Option<Uuid>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub plan_id: String,
    pub currency: String,
    pub total_cents: i64,
    pub issued_at: DateTime<Utc>,
    pub lines: Vec<InvoiceLine>,
}

/// Overage cost: every started `per_units` beyond `included` costs `price_cents`.
pub fn overage_cents(used: f64, included: f64, per_units: i64, price_cents: i64) -> i64 {
    let over = used - included;
    if over.is_nan() || over <= 0.0 || per_units <= 0 {
        return 0;
    }
    let blocks = (over / per_units as f64).ceil();
    (blocks.min(i64::MAX as f64 / price_cents.max(1) as f64) as i64).saturating_mul(price_cents)
}

/// The first instant of a day (UTC).
pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// A dollar amount typed by a person ("250", "$1,200.50") in cents; empty is None.
pub fn parse_dollars(s: &str) -> Result<Option<i64>, String> {
    let t: String = s.trim().trim_start_matches('$').chars().filter(|c| *c != ',').collect();
    if t.is_empty() {
        return Ok(None);
    }
    let msg = || "Enter an amount in dollars, e.g. 250 or 1,200.50 (empty removes the alert).".to_string();
    let v: f64 = t.parse().map_err(|_| msg())?;
    if !v.is_finite() || !(0.01..=1_000_000_000.0).contains(&v) {
        return Err(msg());
    }
    Ok(Some((v * 100.0).round() as i64))
}

/// Change from `before` to `now` in percent; none when `before` is 0.
pub fn change_percent(now: f64, before: f64) -> Option<f64> {
    (before > 0.0).then(|| (now - before) / before * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overage_counts_started_blocks() {
        assert_eq!(overage_cents(900.0, 1000.0, 1000, 50), 0);
        assert_eq!(overage_cents(1000.0, 1000.0, 1000, 50), 0);
        assert_eq!(overage_cents(1001.0, 1000.0, 1000, 50), 50);
        assert_eq!(overage_cents(3000.0, 1000.0, 1000, 50), 100);
        assert_eq!(overage_cents(3000.5, 1000.0, 1000, 50), 150);
        assert_eq!(overage_cents(f64::NAN, 0.0, 1, 50), 0);
        assert!(overage_cents(f64::MAX, 0.0, 1, 50) > i64::MAX / 2, "saturates instead of overflowing");
    }

    #[test]
    fn dollars_parse_as_people_type_them() {
        assert_eq!(parse_dollars(""), Ok(None));
        assert_eq!(parse_dollars(" $1,200.50 "), Ok(Some(120_050)));
        assert_eq!(parse_dollars("250"), Ok(Some(25_000)));
        assert!(parse_dollars("-5").is_err());
        assert!(parse_dollars("0").is_err());
        assert!(parse_dollars("lots").is_err());
        assert!(parse_dollars("1e12").is_err());
    }

    #[test]
    fn change_is_none_without_a_baseline() {
        assert_eq!(change_percent(10.0, 0.0), None);
        assert_eq!(change_percent(15.0, 10.0), Some(50.0));
        assert_eq!(change_percent(5.0, 10.0), Some(-50.0));
    }

    #[test]
    fn periods_parse_their_names_only() {
        assert_eq!(Period::parse("week"), Some(Period::Week));
        assert_eq!(Period::parse("year"), None);
    }
}
