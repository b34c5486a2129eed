//! Reading the dates and times the server writes, without chrono's general parser.
//!
//! chrono's own `Deserialize` goes through its format parser, which understands RFC 2822,
//! week dates and every strftime item: about 15 KB of the client's main bundle for reading
//! the timestamps our own server writes in one shape (RFC 3339 in UTC, `Z` or an offset,
//! and `YYYY-MM-DD` dates). The types the first page reads (the dashboard's and the
//! session's) use these instead (`#[serde(deserialize_with = ...)]`); what they write is
//! unchanged. Anything that is not such a timestamp is refused, never misread.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::{de::Error, Deserialize, Deserializer};

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, as chrono writes a `DateTime<Utc>`.
pub fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if !s.is_ascii() || b.len() < 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = parse_date(&s[..10])?;
    let (hour, min, sec) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    let mut rest = &b[19..];
    let mut nanos = 0;
    if let [b'.', tail @ ..] = rest {
        let n = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        nanos = digits(&tail[..n])? * 10u32.pow(9 - n as u32);
        rest = &tail[n..];
    }
    let offset_secs = match rest {
        [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let secs = i64::from(digits(&[*h1, *h2])? * 3600 + digits(&[*m1, *m2])? * 60);
            if *sign == b'+' {
                secs
            } else {
                -secs
            }
        }
        _ => return None,
    };
    let local = date.and_time(NaiveTime::from_hms_nano_opt(hour, min, sec, nanos)?);
    Some(local.checked_sub_signed(TimeDelta::seconds(offset_secs))?.and_utc())
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if !s.is_ascii() || b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(&b[..4])? as i32, digits(&b[5..7])?, digits(&b[8..10])?)
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

fn read<'de, D: Deserializer<'de>, T>(d: D, parse: fn(&str) -> Option<T>, what: &str) -> Result<T, D::Error> {
    let s = String::deserialize(d)?;
    parse(&s).ok_or_else(|| D::Error::custom(format!("not {what}: {s}")))
}

/// For `#[serde(deserialize_with = "...")]` on a `DateTime<Utc>`.
pub fn utc<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    read(d, parse_utc, "an RFC 3339 timestamp")
}

/// For `#[serde(deserialize_with = "...")]` on a `NaiveDate`.
pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    read(d, parse_date, "a YYYY-MM-DD date")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_chrono_writes() {
        // Every precision chrono picks (none, milli, micro, nano), across days and years.
        let start = NaiveDate::from_ymd_opt(1999, 12, 31).unwrap().and_hms_opt(23, 59, 58).unwrap().and_utc();
        let mut t = start;
        for i in 0..5000i64 {
            let nanos = match i % 4 {
                0 => 0,
                1 => (i % 1000) * 1_000_000,
                2 => (i % 1_000_000) * 1000 + 1000,
                _ => i * 7919 % 1_000_000_000,
            };
            let v = t + TimeDelta::nanoseconds(nanos);
            let written = serde_json::to_value(v).unwrap();
            assert_eq!(parse_utc(written.as_str().unwrap()), Some(v), "{written}");
            assert_eq!(parse_date(&v.date_naive().to_string()), Some(v.date_naive()));
            t += TimeDelta::seconds(86_400 * 3 + 3_607 * (i % 13));
        }
    }

    #[test]
    fn applies_offsets_like_chrono() {
        for s in ["2026-03-01T00:30:00+01:00", "2026-02-28T23:30:00-05:30", "2026-12-05T10:00:00.5z"] {
            let chrono: DateTime<Utc> = s.parse::<DateTime<chrono::FixedOffset>>().unwrap().into();
            assert_eq!(parse_utc(s), Some(chrono), "{s}");
        }
    }

    #[test]
    fn refuses_anything_else() {
        for s in [
            "",
            "2026-12-05",
            "2026-12-05 10:00:00Z",
            "2026-12-05T10:00:00",
            "2026-12-05T10:00:00.Z",
            "2026-12-05T10:00:00.1234567890Z",
            "2026-12-05T25:00:00Z",
            "2026-02-30T10:00:00Z",
            "2026-12-05T10:00:00+0100",
            "2026-12-05T10:00:00Zjunk",
            "+2026-12-05T10:00:00Z",
            "２０２６-12-05T10:00:00Z",
        ] {
            assert_eq!(parse_utc(s), None, "{s}");
        }
        for s in ["2026-1-05", "2026-13-01", "2026-12-5 ", "26-12-05", "2026/12/05"] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn deserializes_through_serde() {
        #[derive(Deserialize)]
        struct T {
            #[serde(deserialize_with = "utc")]
            at: DateTime<Utc>,
            #[serde(deserialize_with = "date")]
            day: NaiveDate,
        }
        let t: T = serde_json::from_slice(br#"{"at": "2026-12-05T23:16:06.123Z", "day": "2026-12-05"}"#).unwrap();
        assert_eq!(t.at.timestamp_millis(), 1_796_512_566_123);
        assert_eq!(t.day, NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
        let err = serde_json::from_slice::<T>(br#"{"at": "yesterday", "day": "2026-12-05"}"#).err().unwrap();
        assert!(err.to_string().contains("not an RFC 3339 timestamp: yesterday"), "{err}");
        assert!(serde_json::from_slice::<T>(br#"{"at": 5, "day": "2026-12-05"}"#).is_err());
    }
}
