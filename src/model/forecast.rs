//! When a resource runs out at its current trend, and whether it is over-allocated
//! (PRODUCT.md R5). A least-squares line through the last days' values, with a range from
//! the line's uncertainty (about 95 %), computed where it is shown (server and browser).

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// Use under this share of the allocation for the whole window suggests shrinking it.
pub const SHRINK_BELOW: f64 = 0.3;
/// Days of data needed before anything is forecast.
pub const MIN_DAYS: usize = 7;
/// Days of data needed before shrinking is suggested.
pub const SHRINK_DAYS: usize = 30;
/// z for a two-sided 95 % range.
const Z: f64 = 1.96;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Forecast {
    /// The day use reaches the hard limit at the current trend (None: not within the horizon).
    pub runs_out: Option<NaiveDate>,
    /// The range of that day: the earliest and the latest day the trend allows.
    pub earliest: Option<NaiveDate>,
    pub latest: Option<NaiveDate>,
    /// The trend: units per day (per-period resources: the expected use per day).
    pub per_day: f64,
    /// An allocation to shrink to, when use stayed under 30 % of it over the whole window.
    pub shrink_to: Option<i64>,
}

/// A fitted line y = a + b·x over x = 0, 1, … with the standard errors of a prediction at
/// x and of the slope.
struct Line {
    a: f64,
    b: f64,
    n: f64,
    mean_x: f64,
    sxx: f64,
    sigma: f64,
}

impl Line {
    fn fit(ys: &[f64]) -> Option<Line> {
        let n = ys.len();
        if n < 3 {
            return None;
        }
        let nf = n as f64;
        let mean_x = (nf - 1.0) / 2.0;
        let mean_y = ys.iter().sum::<f64>() / nf;
        let sxx: f64 = (0..n).map(|i| (i as f64 - mean_x).powi(2)).sum();
        let sxy: f64 = ys.iter().enumerate().map(|(i, y)| (i as f64 - mean_x) * (y - mean_y)).sum();
        let b = sxy / sxx;
        let a = mean_y - b * mean_x;
        let sse: f64 = ys.iter().enumerate().map(|(i, y)| (y - (a + b * i as f64)).powi(2)).sum();
        let sigma = (sse / (nf - 2.0)).sqrt();
        Some(Line { a, b, n: nf, mean_x, sxx, sigma })
    }

    fn at(&self, x: f64) -> f64 {
        self.a + self.b * x
    }

    fn slope_se(&self) -> f64 {
        self.sigma / self.sxx.sqrt()
    }

    fn mean_se(&self, x: f64) -> f64 {
        self.sigma * (1.0 / self.n + (x - self.mean_x).powi(2) / self.sxx).sqrt()
    }
}

/// `daily`: one value per day, oldest first, the last one today's. A level resource
/// (members, storage) runs out when the line reaches `hard`; a per-period resource when
/// `used` plus the line's expected use per remaining day reaches it before `period_end`
/// (the first day after the period).
pub fn forecast(
    daily: &[f64],
    per_period: bool,
    used: f64,
    allocated: i64,
    hard: i64,
    today: NaiveDate,
    period_end: NaiveDate,
) -> Option<Forecast> {
    if daily.len() < MIN_DAYS {
        return None;
    }
    // Today's total of a per-period resource is only part of a day: the line is fitted to
    // the days before it. `now` is today's x either way.
    let fit_on = if per_period { &daily[..daily.len() - 1] } else { daily };
    let line = Line::fit(fit_on)?;
    let now = (daily.len() - 1) as f64;
    let shrink_to = shrink(daily, per_period, allocated);
    let hard = hard as f64;
    let (runs_out, earliest, latest, per_day) = if per_period {
        // Expected use per remaining day (never negative), and its range.
        let days_left = (period_end - today).num_days().max(0);
        let day_when = |rate_shift: f64| -> Option<NaiveDate> {
            let mut total = used;
            for d in 1..=days_left {
                let x = now + d as f64;
                total += (line.at(x) + rate_shift * line.mean_se(x)).max(0.0);
                if total >= hard {
                    return Some(today + Duration::days(d));
                }
            }
            None
        };
        let per_day = line.at(now + 1.0).max(0.0);
        if used >= hard {
            (Some(today), Some(today), Some(today), per_day)
        } else {
            (day_when(0.0), day_when(Z), day_when(-Z), per_day)
        }
    } else {
        let level = line.at(now);
        let when = |slope: f64| -> Option<NaiveDate> {
            if daily[daily.len() - 1] >= hard {
                return Some(today);
            }
            if slope <= 1e-12 {
                return None;
            }
            let days = ((hard - level) / slope).ceil().max(0.0);
            // Beyond ten years is "not in sight".
            (days <= 3650.0).then(|| today + Duration::days(days as i64))
        };
        let se = line.slope_se();
        (when(line.b), when(line.b + Z * se), when(line.b - Z * se), line.b)
    };
    Some(Forecast { runs_out, earliest, latest, per_day, shrink_to })
}

/// When use stayed under `SHRINK_BELOW` of the allocation on every day (per-period
/// resources: the month's pace, 30 × the day's use), an allocation with room to spare: twice
/// the highest use, rounded up.
fn shrink(daily: &[f64], per_period: bool, allocated: i64) -> Option<i64> {
    let peak = daily.iter().map(|v| if per_period { v * 30.0 } else { *v }).fold(0.0, f64::max);
    // A whole window of data, and some use in it (a tenant that has not started yet is no
    // reason to shrink).
    if allocated <= 0 || daily.len() < SHRINK_DAYS || peak <= 0.0 {
        return None;
    }
    (peak < SHRINK_BELOW * allocated as f64).then(|| ((peak * 2.0).ceil() as i64).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_straight_rising_level_runs_out_when_the_line_reaches_the_limit() {
        // 10, 11, … 39 over 30 days; the limit 50 is 11 days after today's 39.
        let daily: Vec<f64> = (10..40).map(f64::from).collect();
        let f = forecast(&daily, false, 39.0, 60, 50, day("2026-12-04"), day("2027-01-01")).unwrap();
        assert_eq!(f.runs_out, Some(day("2026-12-15")));
        assert_eq!((f.earliest, f.latest), (f.runs_out, f.runs_out), "an exact line has no spread");
        assert!((f.per_day - 1.0).abs() < 1e-9);
        assert_eq!(f.shrink_to, None);
    }

    #[test]
    fn a_noisy_level_has_a_range_around_the_day() {
        let daily: Vec<f64> = (0..30).map(|i| 100.0 + 2.0 * i as f64 + if i % 2 == 0 { 3.0 } else { -3.0 }).collect();
        let f = forecast(&daily, false, 158.0, 300, 300, day("2026-12-04"), day("2027-01-01")).unwrap();
        let (e, r, l) = (f.earliest.unwrap(), f.runs_out.unwrap(), f.latest.unwrap());
        assert!(e < r && r < l, "{e} {r} {l}");
        // About (300 - 158) / 2 = 71 days ahead.
        assert!((r - day("2026-12-04")).num_days().abs_diff(71) <= 2, "{r}");
    }

    #[test]
    fn a_flat_or_falling_level_never_runs_out() {
        let daily = vec![5.0; 30];
        let f = forecast(&daily, false, 5.0, 25, 25, day("2026-12-04"), day("2027-01-01")).unwrap();
        assert_eq!((f.runs_out, f.latest), (None, None));
        assert_eq!(f.shrink_to, Some(10), "5 of 25 is under 30 %: twice the peak");
    }

    #[test]
    fn a_monthly_resource_runs_out_when_the_pace_uses_up_the_rest() {
        // 10 a day; 100 used by the 10th; 150 left of 250 → 15 more days.
        let daily = vec![10.0; 10];
        let f = forecast(&daily, true, 100.0, 250, 250, day("2026-12-10"), day("2027-01-01")).unwrap();
        assert_eq!(f.runs_out, Some(day("2026-12-25")));
        assert_eq!(f.shrink_to, None, "ten days are too few to judge");
        // The same pace for 30 days with a limit the month can't reach.
        let daily = vec![10.0; 30];
        let f = forecast(&daily, true, 100.0, 10_000, 10_000, day("2026-12-10"), day("2027-01-01")).unwrap();
        assert_eq!(f.runs_out, None);
        assert_eq!(f.shrink_to, Some(600), "300 a month of 10,000 is under 30 %: twice the pace");
        // Nothing used at all (a tenant that has not started) is no reason to shrink.
        let f = forecast(&[0.0; 30], true, 0.0, 10_000, 10_000, day("2026-12-10"), day("2027-01-01")).unwrap();
        assert_eq!(f.shrink_to, None);
    }

    #[test]
    fn too_few_days_forecast_nothing() {
        assert!(forecast(&[1.0, 2.0, 3.0], false, 3.0, 10, 10, day("2026-12-04"), day("2027-01-01")).is_none());
    }
}
