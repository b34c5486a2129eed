//! Validation rules that both the browser and the server run, so a form shows the same
//! message before and after it is sent.

use crate::error::FieldErrors;

pub const SLUG_MIN: usize = 3;
pub const SLUG_MAX: usize = 63;
pub const NAME_MAX: usize = 120;
pub const DESCRIPTION_MAX: usize = 2000;
pub const REASON_MAX: usize = 500;

/// Names that would collide with portal routes or well-known subdomains.
const RESERVED_SLUGS: &[&str] = &[
    "admin",
    "api",
    "app",
    "assets",
    "auth",
    "console",
    "dashboard",
    "docs",
    "help",
    "login",
    "logout",
    "mail",
    "new",
    "pkg",
    "portal",
    "root",
    "static",
    "status",
    "support",
    "system",
    "tenantry",
    "www",
];

/// Derives a URL-safe slug from a display name: lowercase ASCII letters, digits and single
/// hyphens, starting with a letter, at most 63 characters. Accented Latin letters lose
/// their accent; anything else becomes a separator.
pub fn slugify(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_hyphen = false;
    for ch in name.chars().flat_map(fold_accent) {
        if ch.is_ascii_alphanumeric() {
            if pending_hyphen && !out.is_empty() {
                out.push('-');
            }
            pending_hyphen = false;
            out.push(ch.to_ascii_lowercase());
        } else {
            pending_hyphen = true;
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "t-");
    }
    if out.len() > SLUG_MAX {
        out.truncate(SLUG_MAX);
        while out.ends_with('-') {
            out.pop();
        }
    }
    out
}

fn fold_accent(c: char) -> impl Iterator<Item = char> {
    let folded: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ß' => "ss",
        '&' => "-and-",
        _ => "",
    };
    let own = if folded.is_empty() { Some(c) } else { None };
    folded.chars().chain(own)
}

/// The slug a tenant gets when none is given: the name's, made valid. A name with too few
/// letters gets `-tenant` added (`A` → `a-tenant`), and so does one whose slug is reserved
/// (`Admin` → `admin-tenant`), so every name yields a usable slug.
pub fn derived_slug(name: &str) -> String {
    let slug = slugify(name);
    if slug.is_empty() {
        return "tenant".into();
    }
    if slug.len() < SLUG_MIN || is_reserved_slug(&slug) {
        let mut s = slug;
        s.truncate(SLUG_MAX - "-tenant".len());
        return format!("{}-tenant", s.trim_end_matches('-'));
    }
    slug
}

/// A slug the portal keeps for itself (routes and well-known subdomains).
pub fn is_reserved_slug(slug: &str) -> bool {
    RESERVED_SLUGS.contains(&slug)
}

/// Checks a slug; the error is a sentence for the person who typed it.
pub fn check_slug(slug: &str) -> Result<(), String> {
    if slug.len() < SLUG_MIN || slug.len() > SLUG_MAX {
        return Err(format!("Use {SLUG_MIN} to {SLUG_MAX} characters."));
    }
    if !slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err("Use only lowercase letters, digits and hyphens.".into());
    }
    if !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("Start with a letter.".into());
    }
    if slug.ends_with('-') || slug.contains("--") {
        return Err("Hyphens go between letters or digits, one at a time.".into());
    }
    if RESERVED_SLUGS.contains(&slug) {
        return Err(format!("\u{201c}{slug}\u{201d} is reserved. Choose another."));
    }
    Ok(())
}

pub fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("Enter a name.".into());
    }
    if name.chars().count() > NAME_MAX {
        return Err(format!("Keep it under {NAME_MAX} characters."));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err("Remove control characters.".into());
    }
    Ok(())
}

pub fn check_description(text: &str) -> Result<(), String> {
    if text.chars().count() > DESCRIPTION_MAX {
        return Err(format!("Keep it under {DESCRIPTION_MAX} characters."));
    }
    Ok(())
}

/// A custom domain: lowercase host name with at least two labels.
pub fn check_domain(domain: &str) -> Result<(), String> {
    let msg = "Enter a host name such as app.example.com.";
    if domain.len() > 253 || !domain.contains('.') {
        return Err(msg.into());
    }
    for label in domain.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(msg.into());
        }
    }
    if domain.rsplit('.').next().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit())) {
        return Err(msg.into());
    }
    Ok(())
}

/// `#rrggbb`.
pub fn check_color(color: &str) -> Result<(), String> {
    let ok = color.len() == 7 && color.starts_with('#') && color[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err("Use a colour like #4f46e5.".into())
    }
}

/// An http(s) URL someone enters for the portal to call (a webhook endpoint, a probe
/// target): a host, no spaces, at most 2,048 characters. Where it points is the server's
/// check (`server::outbound`). `what` and `example` complete the messages.
pub fn check_http_url(url: &str, what: &str, example: &str) -> Result<(), String> {
    const MAX: usize = 2048;
    let u = url.trim();
    if u.is_empty() {
        return Err(format!("Enter {what}, e.g. {example}."));
    }
    if u.len() > MAX {
        return Err(format!("At most {MAX} characters."));
    }
    if u.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("A URL has no spaces or control characters.".into());
    }
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .ok_or("The URL must start with https:// (or http://).")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err(format!("The URL needs a host, e.g. {example}."));
    }
    Ok(())
}

pub fn check_url(url: &str) -> Result<(), String> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2048
        && !url.contains(char::is_whitespace)
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if ok {
        Ok(())
    } else {
        Err("Enter a full http(s):// address.".into())
    }
}

pub fn check_reason(reason: &str) -> Result<(), String> {
    let len = reason.trim().chars().count();
    if len == 0 {
        return Err("Say why; the reason is kept in the audit trail.".into());
    }
    if len > REASON_MAX {
        return Err(format!("Keep it under {REASON_MAX} characters."));
    }
    Ok(())
}

/// A feature flag key: lowercase words joined by `_`, `-` or `.`.
pub fn check_feature(key: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!("\u{201c}{key}\u{201d} is not a valid feature key (lowercase letters, digits, _ - .)."))
    }
}

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 200;
/// The longest email address SMTP allows.
pub const EMAIL_MAX: usize = 254;

/// An email address, already trimmed and lower-cased by `normalize_email`.
pub fn check_email(email: &str) -> Result<(), String> {
    let msg = "Enter an email address such as ada@example.com.";
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(msg.into());
    };
    let ok = !local.is_empty()
        && local.len() <= 64
        && email.len() <= EMAIL_MAX
        && !email.contains(|c: char| c.is_whitespace() || c.is_control() || "<>,;\"\\()[]".contains(c))
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..");
    if ok {
        Ok(())
    } else {
        Err(msg.into())
    }
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn check_password(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        return Err(format!("Use at least {PASSWORD_MIN} characters."));
    }
    if len > PASSWORD_MAX {
        return Err(format!("Keep it under {PASSWORD_MAX} characters."));
    }
    Ok(())
}

/// Collects field errors: `check(&mut errors, "name", check_name(&name))`.
pub fn check(errors: &mut FieldErrors, field: &str, result: Result<(), String>) {
    if let Err(msg) = result {
        errors.entry(field.to_string()).or_insert(msg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_derives_url_safe_slugs() {
        assert_eq!(slugify("Acme Corporation"), "acme-corporation");
        assert_eq!(slugify("  Café Déjà-Vu!! "), "cafe-deja-vu");
        assert_eq!(slugify("Smith & Sons"), "smith-and-sons");
        assert_eq!(slugify("42 Labs"), "t-42-labs");
        assert_eq!(slugify("Ünïcødé ß"), "unicode-ss");
        assert_eq!(slugify("日本"), "");
        let long = slugify(&"word ".repeat(40));
        assert!(long.len() <= SLUG_MAX && !long.ends_with('-'));
        assert!(check_slug(&long).is_ok());
    }

    #[test]
    fn every_name_derives_a_usable_slug() {
        assert_eq!(derived_slug("A"), "a-tenant");
        assert_eq!(derived_slug("!!!"), "tenant");
        assert_eq!(derived_slug("Admin"), "admin-tenant");
        assert_eq!(derived_slug("Globex Inc."), "globex-inc");
        for name in ["A", "!!", "Admin", "x y", "9", &"long name ".repeat(20), "ü"] {
            assert_eq!(check_slug(&derived_slug(name)), Ok(()), "{name}");
        }
    }

    #[test]
    fn derived_slugs_pass_the_slug_check() {
        for name in ["Acme", "Globex Inc.", "Initech LLC", "99 Problems", "A-B-C d"] {
            let s = slugify(name);
            assert_eq!(check_slug(&s), Ok(()), "{name} -> {s}");
        }
    }

    #[test]
    fn slug_check_rejects_each_bad_shape() {
        assert!(check_slug("ab").is_err());
        assert!(check_slug(&"a".repeat(64)).is_err());
        assert!(check_slug("Acme").is_err());
        assert!(check_slug("acme_corp").is_err());
        assert!(check_slug("1acme").is_err());
        assert!(check_slug("acme-").is_err());
        assert!(check_slug("ac--me").is_err());
        assert!(check_slug("admin").unwrap_err().contains("reserved"));
        assert!(check_slug("acme-2").is_ok());
    }

    #[test]
    fn names_domains_colours_urls_and_reasons() {
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(121)).is_err());
        assert!(check_name("Bell\u{7}").is_err());
        assert!(check_name("Acme").is_ok());
        assert!(check_domain("app.example.com").is_ok());
        assert!(check_domain("example").is_err());
        assert!(check_domain("-bad.example.com").is_err());
        assert!(check_domain("UPPER.example.com").is_err());
        assert!(check_domain("10.0.0.1").is_err());
        assert!(check_color("#4f46e5").is_ok());
        assert!(check_color("4f46e5").is_err());
        assert!(check_color("#4f46eg").is_err());
        assert!(check_url("https://cdn.example.com/logo.svg").is_ok());
        assert!(check_url("javascript:alert(1)").is_err());
        assert!(check_reason("  ").is_err());
        assert!(check_reason("Payment overdue").is_ok());
        assert!(check_feature("sso").is_ok());
        assert!(check_feature("Bad Key").is_err());
    }
}

#[cfg(test)]
mod identity_tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["ada@example.com", "a.b+tag@sub.example.co.uk"] {
            assert_eq!(check_email(ok), Ok(()), "{ok}");
        }
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "ada@example..com", "<a>@x.io"]
        {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert_eq!(normalize_email("  Ada@Example.COM "), "ada@example.com");
    }

    #[test]
    fn passwords() {
        assert!(check_password("short").is_err());
        assert!(check_password(&"x".repeat(PASSWORD_MAX + 1)).is_err());
        assert_eq!(check_password("correct horse"), Ok(()));
    }
}
