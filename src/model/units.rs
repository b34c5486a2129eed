//! Numbers, money and metered amounts as people read them. Shared by the pages, the
//! server's emails and invoices, and rendered the same on both sides (hydration matches).

/// 12345 → "12,345".
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Cents as money: 123456 → "$1,234.56".
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}${}.{:02}", number((c / 100) as i64), c % 100)
}

/// A metered amount: whole numbers with separators, small fractions with two or three
/// significant decimals, bytes in KB/MB/GB.
pub fn amount(v: f64, unit: &str) -> String {
    if unit == "bytes" {
        let units = ["bytes", "KB", "MB", "GB", "TB"];
        let mut x = v;
        let mut i = 0;
        while x >= 1024.0 && i < units.len() - 1 {
            x /= 1024.0;
            i += 1;
        }
        return if i == 0 {
            format!("{} {}", number(x.round() as i64), one_or_many(x, "bytes"))
        } else {
            format!("{x:.1} {}", units[i])
        };
    }
    let n = if v.fract() == 0.0 || v.abs() >= 100.0 {
        number(v.round() as i64)
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    };
    format!("{n} {}", one_or_many(v, unit))
}

/// The unit for exactly one: "1 domain", "1 person", not "1 domains". Units that are not
/// a plain English plural (GB, status) stay as they are.
fn one_or_many(v: f64, unit: &str) -> &str {
    if v != 1.0 {
        return unit;
    }
    match unit {
        "people" => "person",
        u if u.len() > 2
            && u.bytes().all(|b| b.is_ascii_lowercase())
            && u.ends_with('s')
            && !u.ends_with("ss")
            && !u.ends_with("us") =>
        {
            &u[..u.len() - 1]
        }
        u => u,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(1000), "1,000");
        assert_eq!(number(-1234567), "-1,234,567");
    }

    #[test]
    fn money_groups_thousands_and_keeps_cents() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(5), "$0.05");
        assert_eq!(money(123_456), "$1,234.56");
        assert_eq!(money(-250), "-$2.50");
        assert_eq!(money(100_000_000), "$1,000,000.00");
    }

    #[test]
    fn amounts_read_naturally() {
        assert_eq!(amount(12345.0, "calls"), "12,345 calls");
        assert_eq!(amount(1.5, "GB"), "1.50 GB");
        assert_eq!(amount(0.0042, "GB"), "0.004 GB");
        assert_eq!(amount(2048.0, "bytes"), "2.0 KB");
        assert_eq!(amount(512.0, "bytes"), "512 bytes");
        assert_eq!(amount(1.0, "domains"), "1 domain");
        assert_eq!(amount(1.0, "people"), "1 person");
        assert_eq!(amount(1.0, "bytes"), "1 byte");
        assert_eq!(amount(1.0, "GB"), "1 GB");
        assert_eq!(amount(1.0, "status"), "1 status");
        assert_eq!(amount(2.0, "domains"), "2 domains");
    }
}
