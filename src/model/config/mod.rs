//! A tenant's configuration (PRODUCT.md C1): five categories, each a typed document whose
//! fields are declared once here. From the declarations come the defaults, the server's
//! validation (per-field messages, the same in the browser), the JSON Schema services read
//! (`schema.rs`), the form the Settings tab draws, and the diff between two versions.

mod fields;
mod schema;

pub use fields::FIELDS;
pub use schema::json_schema;

use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A category of settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Category {
    General,
    Auth,
    Billing,
    Features,
    Integrations,
}

impl Category {
    pub const ALL: [Category; 5] =
        [Category::General, Category::Auth, Category::Billing, Category::Features, Category::Integrations];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::General => "general",
            Category::Auth => "auth",
            Category::Billing => "billing",
            Category::Features => "features",
            Category::Integrations => "integrations",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::General => "General",
            Category::Auth => "Sign-in",
            Category::Billing => "Billing",
            Category::Features => "Features",
            Category::Integrations => "Integrations",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Category::General => "Time zone, language and how long data is kept.",
            Category::Auth => "How members sign in and who may be invited.",
            Category::Billing => "Where invoices go and how they are numbered.",
            Category::Features => "How the tenant's features behave for its members.",
            Category::Integrations => "The services this tenant connects to.",
        }
    }

    /// Its fields, in form order.
    pub fn fields(self) -> &'static [Field] {
        FIELDS.iter().find(|(c, _)| *c == self).map_or(&[], |(_, f)| f)
    }
}

/// One setting: its key in the document, what a person reads, and its type.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub kind: Kind,
}

/// The type of a setting, with its bounds and default.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Bool {
        default: bool,
    },
    Int {
        min: i64,
        max: i64,
        default: i64,
        unit: &'static str,
    },
    /// One of `options` (value, label).
    Choice {
        options: &'static [(&'static str, &'static str)],
        default: &'static str,
    },
    /// Free text up to `max` characters; `pattern` (a JSON Schema regex) with the check
    /// that implements it and how to say it.
    Text {
        max: usize,
        pattern: Option<Pattern>,
    },
    /// An email address, or empty.
    Email,
    /// An https:// address, or empty.
    Url,
    /// Up to `max` domain names (`example.com`).
    Domains {
        max: usize,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct Pattern {
    pub regex: &'static str,
    pub check: fn(&str) -> bool,
    pub says: &'static str,
}

impl Field {
    pub fn default_value(&self) -> Value {
        match self.kind {
            Kind::Bool { default } => Value::Bool(default),
            Kind::Int { default, .. } => Value::from(default),
            Kind::Choice { default, .. } => Value::from(default),
            Kind::Text { .. } | Kind::Email | Kind::Url => Value::from(""),
            Kind::Domains { .. } => Value::Array(Vec::new()),
        }
    }

    /// The value in its stored form, or what is wrong with it.
    pub fn check(&self, v: &Value) -> Result<Value, String> {
        use super::validate::{check_domain, check_email, check_http_url};
        match self.kind {
            Kind::Bool { .. } => v.as_bool().map(Value::Bool).ok_or_else(|| "Choose on or off.".into()),
            Kind::Int { min, max, unit, .. } => match v.as_i64() {
                Some(n) if (min..=max).contains(&n) => Ok(Value::from(n)),
                _ => Err(format!("Enter a whole number from {min} to {max}{}.", unit_suffix(unit))),
            },
            Kind::Choice { options, .. } => {
                v.as_str().filter(|s| options.iter().any(|(o, _)| o == s)).map(Value::from).ok_or_else(|| {
                    format!("Choose one of: {}.", options.iter().map(|(o, _)| *o).collect::<Vec<_>>().join(", "))
                })
            }
            Kind::Text { max, pattern } => {
                let s = v.as_str().ok_or("Enter text.")?.trim();
                if s.chars().count() > max {
                    return Err(format!("Keep it to {max} characters."));
                }
                if let Some(p) = pattern.filter(|p| !s.is_empty() && !(p.check)(s)) {
                    return Err(p.says.into());
                }
                Ok(Value::from(s))
            }
            Kind::Email => {
                let s = v.as_str().ok_or("Enter an email address.")?.trim().to_lowercase();
                if !s.is_empty() {
                    check_email(&s)?;
                }
                Ok(Value::from(s))
            }
            Kind::Url => {
                let s = v.as_str().ok_or("Enter an address.")?.trim();
                if !s.is_empty() {
                    check_http_url(s, "an https:// address", "https://hooks.example.com/…")?;
                    if !s.starts_with("https://") {
                        return Err("Use an https:// address.".into());
                    }
                }
                Ok(Value::from(s))
            }
            Kind::Domains { max } => {
                let items = v.as_array().ok_or("Give a list of domains.")?;
                if items.len() > max {
                    return Err(format!("At most {max} domains."));
                }
                let mut out = Vec::new();
                for item in items {
                    let d = item.as_str().ok_or("Each domain is text.")?.trim().to_lowercase();
                    check_domain(&d).map_err(|e| format!("{d}: {e}"))?;
                    if !out.contains(&Value::from(d.as_str())) {
                        out.push(Value::from(d));
                    }
                }
                Ok(Value::Array(out))
            }
        }
    }
}

fn unit_suffix(unit: &str) -> String {
    if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    }
}

/// A category's document with every field at its default.
pub fn defaults(category: Category) -> Map<String, Value> {
    category.fields().iter().map(|f| (f.key.to_string(), f.default_value())).collect()
}

/// Checks a whole document for `category`: every field its type, no unknown ones; a field
/// left out keeps `current`'s value (so a service may send only what it changes). Answers
/// the document to store, or a message per field.
pub fn validate(
    category: Category,
    input: &Value,
    current: &Map<String, Value>,
) -> Result<Map<String, Value>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let Some(given) = input.as_object() else {
        errors.insert("values".into(), "Send the settings as a JSON object.".into());
        return Err(errors);
    };
    for key in given.keys() {
        if !category.fields().iter().any(|f| f.key == key) {
            errors.insert(key.clone(), format!("{} has no setting called \u{201c}{key}\u{201d}.", category.label()));
        }
    }
    let mut out = Map::new();
    for f in category.fields() {
        let value = given.get(f.key).or_else(|| current.get(f.key)).cloned().unwrap_or_else(|| f.default_value());
        match f.check(&value) {
            Ok(v) => {
                out.insert(f.key.to_string(), v);
            }
            Err(e) => {
                errors.insert(f.key.to_string(), e);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One field that differs between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Change {
    pub field: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub before: Value,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub after: Value,
}

/// What changed from `before` to `after`, in the category's field order.
pub fn diff(category: Category, before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<Change> {
    category
        .fields()
        .iter()
        .filter_map(|f| {
            let (b, a) =
                (before.get(f.key).cloned().unwrap_or(Value::Null), after.get(f.key).cloned().unwrap_or(Value::Null));
            (b != a).then(|| Change { field: f.key.to_string(), before: b, after: a })
        })
        .collect()
}

/// A value as a person reads it ("on", "720 minutes", "a.com, b.com", "(empty)").
pub fn show(field: &Field, v: &Value) -> String {
    match (field.kind, v) {
        (_, Value::Bool(b)) => if *b { "on" } else { "off" }.into(),
        (Kind::Int { unit, .. }, Value::Number(n)) => format!("{n}{}", unit_suffix(unit)),
        (Kind::Choice { options, .. }, Value::String(s)) => {
            options.iter().find(|(o, _)| o == s).map_or(s.clone(), |(_, l)| (*l).to_string())
        }
        (_, Value::String(s)) if s.is_empty() => "(empty)".into(),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Array(a)) if a.is_empty() => "(none)".into(),
        (_, Value::Array(a)) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "),
        (_, other) => other.to_string(),
    }
}

/// The field of `category` called `key`.
pub fn field(category: Category, key: &str) -> Option<&'static Field> {
    category.fields().iter().find(|f| f.key == key)
}

/// One saved version of a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConfigVersion {
    pub version: i32,
    /// Who saved it (their email, or the API key's name).
    pub author: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The version this one restored, if it was a restore.
    pub restored_from: Option<i32>,
    /// What it changed from the version before it.
    pub changes: Vec<Change>,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub values: Map<String, Value>,
}

/// A category as it stands: its current version (0 until the first save: the defaults)
/// and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConfigDocument {
    pub category: Category,
    pub version: i32,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub values: Map<String, Value>,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub updated_by: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_default_passes_its_own_check() {
        for c in Category::ALL {
            assert!(!c.fields().is_empty(), "{c:?} has fields");
            let d = defaults(c);
            assert_eq!(validate(c, &json!({}), &Map::new()), Ok(d.clone()), "{c:?}");
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn each_kind_refuses_what_it_should_with_a_message() {
        let cases = [
            (
                Category::Auth,
                json!({ "session_timeout_minutes": 1 }),
                "session_timeout_minutes",
                "from 5 to 43200 minutes",
            ),
            (Category::Auth, json!({ "mfa_required": "yes" }), "mfa_required", "on or off"),
            (
                Category::Auth,
                json!({ "allowed_email_domains": ["ok.com", "not a domain"] }),
                "allowed_email_domains",
                "not a domain",
            ),
            (Category::General, json!({ "locale": "xx-YY" }), "locale", "Choose one of"),
            (Category::General, json!({ "support_email": "nope" }), "support_email", "email"),
            (Category::Billing, json!({ "invoice_prefix": "inv 01" }), "invoice_prefix", "capital letters"),
            (
                Category::Integrations,
                json!({ "slack_webhook_url": "http://hooks.example.com/x" }),
                "slack_webhook_url",
                "https://",
            ),
            (Category::Billing, json!({ "colour": "red" }), "colour", "no setting called"),
        ];
        for (c, input, key, says) in cases {
            let e = validate(c, &input, &Map::new()).unwrap_err();
            assert!(e.get(key).is_some_and(|m| m.contains(says)), "{key}: {says:?} in {e:?}");
        }
        assert!(validate(Category::General, &json!([1]), &Map::new()).unwrap_err().contains_key("values"));
    }

    #[test]
    fn values_are_normalised_and_missing_ones_kept() {
        let current = validate(Category::Auth, &json!({ "password_min_length": 16 }), &Map::new()).unwrap();
        let next = validate(Category::Auth, &json!({ "allowed_email_domains": [" Acme.COM ", "acme.com"] }), &current)
            .unwrap();
        assert_eq!(next["password_min_length"], json!(16), "kept from current");
        assert_eq!(next["allowed_email_domains"], json!(["acme.com"]));
        let changes = diff(Category::Auth, &current, &next);
        assert_eq!(
            changes,
            vec![Change { field: "allowed_email_domains".into(), before: json!([]), after: json!(["acme.com"]) }]
        );
        let f = field(Category::Auth, "session_timeout_minutes").unwrap();
        assert_eq!(show(f, &json!(720)), "720 minutes");
        assert_eq!(show(field(Category::General, "locale").unwrap(), &json!("de-DE")), "Deutsch (Deutschland)");
    }
}
