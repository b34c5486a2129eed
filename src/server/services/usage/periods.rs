//! Calendar arithmetic for usage buckets (UTC): days, ISO weeks starting on Monday, and
//! calendar months (the billing period).

use crate::model::usage::Period;
use chrono::{Datelike, Duration, NaiveDate};

/// The start of the bucket `d` falls in.
pub fn align(p: Period, d: NaiveDate) -> NaiveDate {
    match p {
        Period::Day => d,
        Period::Week => d - Duration::days(d.weekday().num_days_from_monday() as i64),
        Period::Month => d.with_day(1).unwrap_or(d),
    }
}

/// `n` buckets after (or before, when negative) the bucket starting at `d`.
pub fn step(p: Period, d: NaiveDate, n: i64) -> NaiveDate {
    match p {
        Period::Day => d + Duration::days(n),
        Period::Week => d + Duration::weeks(n),
        Period::Month => {
            let months = d.year() as i64 * 12 + d.month0() as i64 + n;
            NaiveDate::from_ymd_opt(months.div_euclid(12) as i32, months.rem_euclid(12) as u32 + 1, 1).unwrap_or(d)
        }
    }
}

/// Bucket starts in [from, to), `from` aligned first.
pub fn bucket_starts(p: Period, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut d = align(p, from);
    while d < to {
        out.push(d);
        d = step(p, d, 1);
    }
    out
}

/// The calendar month `d` is in, as [first day, first day of the next month).
pub fn month_bounds(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let start = align(Period::Month, d);
    (start, step(Period::Month, start, 1))
}

pub use crate::model::usage::day_start as midnight;

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        assert_eq!(align(Period::Week, day("2026-12-03")), day("2026-11-30"));
        assert_eq!(align(Period::Week, day("2026-11-30")), day("2026-11-30"));
        assert_eq!(align(Period::Month, day("2026-12-31")), day("2026-12-01"));
    }

    #[test]
    fn months_step_across_years_both_ways() {
        assert_eq!(step(Period::Month, day("2026-12-01"), 1), day("2027-01-01"));
        assert_eq!(step(Period::Month, day("2026-01-01"), -1), day("2025-12-01"));
        assert_eq!(step(Period::Month, day("2026-03-01"), -15), day("2024-12-01"));
        assert_eq!(month_bounds(day("2028-02-29")), (day("2028-02-01"), day("2028-03-01")));
    }

    #[test]
    fn buckets_cover_the_range_once() {
        let b = bucket_starts(Period::Week, day("2026-11-04"), day("2026-12-01"));
        assert_eq!(
            b,
            vec![day("2026-11-02"), day("2026-11-09"), day("2026-11-16"), day("2026-11-23"), day("2026-11-30")]
        );
        assert!(bucket_starts(Period::Day, day("2026-12-01"), day("2026-12-01")).is_empty());
    }
}
