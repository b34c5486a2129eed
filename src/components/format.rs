//! Formatting that renders the same on the server and in the browser (hydration must
//! match), so times are shown in UTC rather than the browser's zone.

use chrono::{DateTime, Utc};

pub fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn date(t: &DateTime<Utc>) -> String {
    t.format("%b %-d, %Y").to_string()
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

pub fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
