//! Formatting that renders the same on the server and in the browser (hydration must
//! match), so times are shown in UTC rather than the browser's zone.
//!
//! The common shapes are written out here rather than with chrono's `format`: its
//! `strftime` parser and formatter (about 10 KB of wasm) then stay out of the main bundle.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "2026-12-05 14:03 UTC".
pub fn time(t: &DateTime<Utc>) -> String {
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", t.year(), t.month(), t.day(), t.hour(), t.minute())
}

/// "Dec 5, 2026".
pub fn date(t: &DateTime<Utc>) -> String {
    format!("{}, {}", day_month(t.date_naive()), t.year())
}

/// "Dec 5" (chart labels).
pub fn day_month(d: NaiveDate) -> String {
    format!("{} {}", MONTHS[d.month0() as usize], d.day())
}

pub fn opt_time(t: &Option<DateTime<Utc>>) -> String {
    t.as_ref().map(time).unwrap_or_else(|| "—".into())
}

pub use crate::model::units::{amount, money, number};

/// A formatter for amounts of a metric's unit (charts take a plain function).
pub fn amount_in(unit: &str) -> fn(f64) -> String {
    match unit {
        "calls" => |v| amount(v, "calls"),
        "GB" => |v| amount(v, "GB"),
        "bytes" => |v| amount(v, "bytes"),
        "people" => |v| amount(v, "people"),
        "domains" => |v| amount(v, "domains"),
        "projects" => |v| amount(v, "projects"),
        "connections" => |v| amount(v, "connections"),
        _ => |v| amount(v, ""),
    }
}

/// `part` as a whole percentage of `whole`, rounded half up; 0 of nothing is 0.
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    (part * 200 + whole) / (whole * 2)
}

pub fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// How long before `now` `t` was, as people say it: "just now", "42 s ago", "10 min ago",
/// "3 h ago", "2 d ago". Pass the server's `now` (views carry it), so the server's render and
/// the browser's agree.
pub fn ago(t: &DateTime<Utc>, now: &DateTime<Utc>) -> String {
    let secs = (*now - *t).num_seconds();
    match secs {
        ..=1 => "just now".into(),
        2..=119 => format!("{secs} s ago"),
        120..=7_199 => format!("{} min ago", secs / 60),
        7_200..=172_799 => format!("{} h ago", secs / 3600),
        _ => format!("{} d ago", secs / 86_400),
    }
}

/// A length of time in seconds, to two units at most: "45 s", "12 min", "3 h 5 min", "2 d 4 h".
pub fn span(secs: i64) -> String {
    let s = secs.max(0);
    let two = |big: i64, big_unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            format!("{big} {big_unit}")
        } else {
            format!("{big} {big_unit} {small} {small_unit}")
        }
    };
    match s {
        ..=59 => format!("{s} s"),
        60..=599 => two(s / 60, "min", s % 60, "s"),
        600..=3_599 => format!("{} min", s / 60),
        3_600..=86_399 => two(s / 3600, "h", s % 3600 / 60, "min"),
        _ => two(s / 86_400, "d", s % 86_400 / 3600, "h"),
    }
}

/// Uptime with one decimal, rounded down (99.96 % is not 100 %), or "—" without probes.
pub fn uptime(u: &crate::model::monitoring::Uptime) -> String {
    if u.total <= 0 {
        return "—".into();
    }
    let tenths = (u.total - u.down.clamp(0, u.total)) * 1000 / u.total;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// What an uptime is made of, for its tooltip.
pub fn uptime_title(u: &crate::model::monitoring::Uptime) -> String {
    match u.total {
        ..=0 => "No probes yet".into(),
        1 => format!("1 probe, {} failed", u.down),
        n => format!("{} probes, {} failed", number(n), number(u.down)),
    }
}

/// A response time: "45 ms", "2.5 s", "12 s", or "—".
pub fn ms(ms: Option<i32>) -> String {
    match ms {
        None => "—".into(),
        Some(m) if m >= 10_000 => format!("{:.0} s", m as f64 / 1000.0),
        Some(m) if m >= 1_000 => format!("{:.1} s", m as f64 / 1000.0),
        Some(m) => format!("{m} ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn percent_rounds_half_up() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(3, 0), 0);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(1, 8), 13);
        assert_eq!(percent(7, 7), 100);
    }

    #[test]
    fn dates_and_times_read_as_chrono_would_write_them() {
        // Every day of a leap year and the next, at varied times of day: the same text as
        // chrono's strftime patterns these helpers replace.
        let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc();
        for d in 0..731 {
            let t = start + chrono::Duration::days(d) + chrono::Duration::minutes(d * 97 % 1440);
            assert_eq!(time(&t), t.format("%Y-%m-%d %H:%M UTC").to_string());
            assert_eq!(date(&t), t.format("%b %-d, %Y").to_string());
            assert_eq!(day_month(t.date_naive()), t.format("%b %-d").to_string());
        }
    }

    #[test]
    fn relative_times_and_spans_read_as_people_say_them() {
        let now = Utc.with_ymd_and_hms(2026, 12, 8, 12, 0, 0).unwrap();
        let before = |s: i64| now - chrono::Duration::seconds(s);
        assert_eq!(ago(&before(0), &now), "just now");
        assert_eq!(ago(&before(-5), &now), "just now");
        assert_eq!(ago(&before(42), &now), "42 s ago");
        assert_eq!(ago(&before(600), &now), "10 min ago");
        assert_eq!(ago(&before(3 * 3600), &now), "3 h ago");
        assert_eq!(ago(&before(3 * 86_400), &now), "3 d ago");
        assert_eq!(span(45), "45 s");
        assert_eq!(span(252), "4 min 12 s");
        assert_eq!(span(720), "12 min");
        assert_eq!(span(3600 + 300), "1 h 5 min");
        assert_eq!(span(2 * 86_400 + 4 * 3600 + 59), "2 d 4 h");
        assert_eq!(span(-3), "0 s");
    }

    #[test]
    fn uptime_reads_with_one_decimal_rounded_down_and_times_in_ms_or_s() {
        use crate::model::monitoring::Uptime;
        assert_eq!(uptime(&Uptime { total: 0, down: 0 }), "—");
        assert_eq!(uptime(&Uptime { total: 10, down: 0 }), "100.0%");
        assert_eq!(uptime(&Uptime { total: 1000, down: 1 }), "99.9%");
        assert_eq!(uptime(&Uptime { total: 10_000, down: 4 }), "99.9%");
        assert_eq!(uptime(&Uptime { total: 3, down: 1 }), "66.6%");
        assert_eq!(uptime(&Uptime { total: 4, down: 4 }), "0.0%");
        assert_eq!(uptime_title(&Uptime { total: 2880, down: 3 }), "2,880 probes, 3 failed");
        assert_eq!(ms(None), "—");
        assert_eq!(ms(Some(45)), "45 ms");
        assert_eq!(ms(Some(2_500)), "2.5 s");
        assert_eq!(ms(Some(12_000)), "12 s");
    }
}
