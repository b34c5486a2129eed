//! Periods read from the rollups: which hours and whole days cover `[from, to)`, and what
//! a check did over one period.

use super::{quantile, Uptime};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The longest period one question may cover: the rollups' retention by default.
pub const MAX_PERIOD_DAYS: i64 = 400;

/// How `[from, to)` is read: whole UTC days from the daily rollups, the partial days at
/// its edges from the hourly ones (`head` and `tail`, `[a, b)` on the hour's start). The
/// hour `from` falls in counts whole, and so does the hour `to` falls in. 30 days of a
/// check are then at most 24 + 30 + 24 rows instead of 720.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cover {
    pub head: (DateTime<Utc>, DateTime<Utc>),
    pub tail: (DateTime<Utc>, DateTime<Utc>),
    /// Whole days `[first, end)`; empty when `first >= end`.
    pub days: (NaiveDate, NaiveDate),
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

impl Cover {
    pub fn of(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        let from = DateTime::from_timestamp(from.timestamp().div_euclid(3600) * 3600, 0).unwrap_or(from);
        let none = (from, from);
        let day = from.date_naive();
        if to <= from {
            return Cover { head: none, tail: none, days: (day, day) };
        }
        let first = if midnight(day) == from { day } else { day.succ_opt().unwrap_or(day) };
        let end = to.date_naive();
        if first >= end {
            return Cover { head: (from, to), tail: none, days: (first, first) };
        }
        Cover { head: (from, midnight(first)), tail: (midnight(end), to), days: (first, end) }
    }
}

/// The start of the last `n` hours up to `now`: the current hour and the `n - 1` before
/// it (what "24 h", "7 d" and "30 d" mean on the rollups).
pub fn last_hours(now: DateTime<Utc>, n: i32) -> DateTime<Utc> {
    let hour = now.timestamp().div_euclid(3600) * 3600;
    DateTime::from_timestamp(hour - 3600 * i64::from(n.max(1) - 1), 0).unwrap_or(now)
}

/// The period a chart shows: the last `hours` (per hour up to a week, per day beyond), or
/// the UTC days `from` to `to`, both included (per day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChartPeriod {
    Last(i32),
    Days(NaiveDate, NaiveDate),
}

impl ChartPeriod {
    /// The most hours `Last` may ask for (30 days), and the most drawn per hour (a week).
    pub const MAX_HOURS: i32 = 720;
    pub const MAX_HOURLY: i32 = 168;

    /// Checks it: a person's mistake is a sentence saying what is allowed.
    pub fn validate(self) -> Result<Self, String> {
        match self {
            ChartPeriod::Last(h) if !(1..=Self::MAX_HOURS).contains(&h) => {
                Err(format!("hours is from 1 to {}.", Self::MAX_HOURS))
            }
            ChartPeriod::Days(from, to) if from > to => Err("The period's first day is after its last.".into()),
            ChartPeriod::Days(from, to) if (to - from).num_days() >= MAX_PERIOD_DAYS => {
                Err(format!("A period is at most {MAX_PERIOD_DAYS} days."))
            }
            p => Ok(p),
        }
    }

    /// `[from, to)` as of `now` (never past it), and whether its points are days.
    pub fn bounds(self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>, bool) {
        match self {
            ChartPeriod::Last(h) => (last_hours(now, h), now, h > Self::MAX_HOURLY),
            ChartPeriod::Days(from, to) => {
                let end = to.succ_opt().map_or(now, midnight).min(now);
                (midnight(from), end.max(midnight(from)), true)
            }
        }
    }
}

/// What one check did over a period, from the rollups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PeriodSummary {
    /// The period asked for, `[from, to)` (counted on whole hours: the hours `from` and
    /// `to` fall in count whole).
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Probes and failed (down) probes; uptime is the share answered.
    pub uptime: Uptime,
    /// Answered, but slow, without the text or with a certificate near expiry.
    pub degraded: i64,
    pub p50_ms: Option<i32>,
    pub p95_ms: Option<i32>,
}

impl PeriodSummary {
    /// From the period's sums: probes, degraded and down ones, and the histogram.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>, total: i64, degraded: i64, down: i64, hist: &[i64]) -> Self {
        PeriodSummary {
            from,
            to,
            uptime: Uptime { total, down },
            degraded,
            p50_ms: quantile(hist, 0.5),
            p95_ms: quantile(hist, 0.95),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_period_within_a_day_is_hours_only() {
        let c = Cover::of(at("2026-12-04T03:20:00Z"), at("2026-12-04T09:10:00Z"));
        assert_eq!(c.head, (at("2026-12-04T03:00:00Z"), at("2026-12-04T09:10:00Z")));
        assert_eq!(c.tail.0, c.tail.1);
        assert!(c.days.0 >= c.days.1);
    }

    #[test]
    fn a_long_period_is_whole_days_between_partial_ones() {
        let c = Cover::of(at("2026-11-04T23:59:59Z"), at("2026-12-04T09:10:00Z"));
        assert_eq!(c.head, (at("2026-11-04T23:00:00Z"), at("2026-11-05T00:00:00Z")));
        assert_eq!(c.days, (date("2026-11-05"), date("2026-12-04")));
        assert_eq!(c.tail, (at("2026-12-04T00:00:00Z"), at("2026-12-04T09:10:00Z")));
    }

    #[test]
    fn edges_on_midnight_have_no_partial_days() {
        let c = Cover::of(at("2026-11-01T00:00:00Z"), at("2026-11-08T00:00:00Z"));
        assert_eq!(c.head.0, c.head.1);
        assert_eq!(c.tail.0, c.tail.1);
        assert_eq!(c.days, (date("2026-11-01"), date("2026-11-08")));
    }

    #[test]
    fn an_empty_or_reversed_period_covers_nothing() {
        for (from, to) in
            [("2026-12-04T05:00:00Z", "2026-12-04T05:00:00Z"), ("2026-12-04T06:00:00Z", "2026-12-01T00:00:00Z")]
        {
            let c = Cover::of(at(from), at(to));
            assert_eq!(c.head.0, c.head.1, "{from} {to}");
            assert_eq!(c.tail.0, c.tail.1, "{from} {to}");
            assert!(c.days.0 >= c.days.1, "{from} {to}");
        }
    }

    #[test]
    fn the_last_hours_end_with_the_current_one() {
        let now = at("2026-12-04T09:10:00Z");
        assert_eq!(last_hours(now, 1), at("2026-12-04T09:00:00Z"));
        assert_eq!(last_hours(now, 24), at("2026-12-03T10:00:00Z"));
        assert_eq!(ChartPeriod::Last(720).bounds(now), (at("2026-11-04T10:00:00Z"), now, true));
        assert!(!ChartPeriod::Last(168).bounds(now).2);
    }

    #[test]
    fn chart_periods_are_checked_and_bounded() {
        let now = at("2026-12-04T09:10:00Z");
        assert!(ChartPeriod::Last(0).validate().is_err());
        assert!(ChartPeriod::Last(721).validate().is_err());
        assert!(ChartPeriod::Days(date("2026-12-02"), date("2026-12-01")).validate().is_err());
        assert!(ChartPeriod::Days(date("2025-01-01"), date("2026-12-01")).validate().is_err());
        let p = ChartPeriod::Days(date("2026-11-01"), date("2026-11-30")).validate().unwrap();
        assert_eq!(p.bounds(now), (at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"), true));
        // A period reaching today ends now; one wholly ahead is empty.
        let p = ChartPeriod::Days(date("2026-12-01"), date("2026-12-31"));
        assert_eq!(p.bounds(now).1, now);
        let (from, to, _) = ChartPeriod::Days(date("2027-01-01"), date("2027-01-02")).bounds(now);
        assert_eq!(from, to);
    }

    #[test]
    fn a_summary_reads_its_histogram() {
        let mut hist = vec![0i64; 12];
        hist[1] = 90; // 25–50 ms
        hist[4] = 10; // 200–300 ms
        let s = PeriodSummary::new(at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z"), 100, 4, 2, &hist);
        assert_eq!(s.uptime.percent(), Some(98.0));
        assert!(s.p50_ms.is_some_and(|p| (25..=50).contains(&p)), "{:?}", s.p50_ms);
        assert!(s.p95_ms.is_some_and(|p| (200..=300).contains(&p)), "{:?}", s.p95_ms);
        assert_eq!(PeriodSummary::new(s.from, s.to, 0, 0, 0, &[0; 12]).p95_ms, None);
    }
}
