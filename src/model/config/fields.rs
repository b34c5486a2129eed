//! The settings of each category: the one place a setting is declared.

use super::{Category, Field, Kind, Pattern};

const TIMEZONES: &[(&str, &str)] = &[
    ("UTC", "UTC"),
    ("Europe/London", "London"),
    ("Europe/Berlin", "Berlin"),
    ("Europe/Paris", "Paris"),
    ("America/New_York", "New York"),
    ("America/Chicago", "Chicago"),
    ("America/Denver", "Denver"),
    ("America/Los_Angeles", "Los Angeles"),
    ("America/Sao_Paulo", "São Paulo"),
    ("Asia/Kolkata", "Kolkata"),
    ("Asia/Singapore", "Singapore"),
    ("Asia/Tokyo", "Tokyo"),
    ("Australia/Sydney", "Sydney"),
];

const LOCALES: &[(&str, &str)] = &[
    ("en-US", "English (United States)"),
    ("en-GB", "English (United Kingdom)"),
    ("de-DE", "Deutsch (Deutschland)"),
    ("fr-FR", "Français (France)"),
    ("es-ES", "Español (España)"),
    ("ja-JP", "日本語 (日本)"),
];

fn invoice_prefix(s: &str) -> bool {
    s.len() <= 12 && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

fn analytics_id(s: &str) -> bool {
    s.len() <= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub const FIELDS: [(Category, &[Field]); 5] = [
    (
        Category::General,
        &[
            Field {
                key: "timezone",
                label: "Time zone",
                help: "Days in charts and invoices start at midnight here.",
                kind: Kind::Choice { options: TIMEZONES, default: "UTC" },
            },
            Field {
                key: "locale",
                label: "Language and region",
                help: "How dates and numbers are written for members.",
                kind: Kind::Choice { options: LOCALES, default: "en-US" },
            },
            Field {
                key: "week_starts_on",
                label: "Weeks start on",
                help: "For weekly charts and reports.",
                kind: Kind::Choice { options: &[("monday", "Monday"), ("sunday", "Sunday")], default: "monday" },
            },
            Field {
                key: "support_email",
                label: "Support email",
                help: "Shown to members who need help; empty for the platform's.",
                kind: Kind::Email,
            },
            Field {
                key: "data_retention_days",
                label: "Keep activity for",
                help: "Usage events and health results older than this are deleted.",
                kind: Kind::Int { min: 30, max: 3650, default: 365, unit: "days" },
            },
        ],
    ),
    (
        Category::Auth,
        &[
            Field {
                key: "mfa_required",
                label: "Require two-factor sign-in",
                help: "Members without a second factor are asked to add one.",
                kind: Kind::Bool { default: false },
            },
            Field {
                key: "session_timeout_minutes",
                label: "Sign members out after",
                help: "Of inactivity.",
                kind: Kind::Int { min: 5, max: 43200, default: 720, unit: "minutes" },
            },
            Field {
                key: "password_min_length",
                label: "Shortest password",
                help: "For members who sign in with a password.",
                kind: Kind::Int { min: 8, max: 128, default: 12, unit: "characters" },
            },
            Field {
                key: "allowed_email_domains",
                label: "Invite only from these domains",
                help: "One per line, e.g. example.com; empty allows any.",
                kind: Kind::Domains { max: 20 },
            },
        ],
    ),
    (
        Category::Billing,
        &[
            Field {
                key: "billing_email",
                label: "Billing email",
                help: "Invoices and cost alerts go here as well as to the owners.",
                kind: Kind::Email,
            },
            Field {
                key: "currency",
                label: "Currency shown",
                help: "Amounts are converted for display; invoices stay in the plan's currency.",
                kind: Kind::Choice {
                    options: &[("USD", "US dollar"), ("EUR", "Euro"), ("GBP", "Pound sterling")],
                    default: "USD",
                },
            },
            Field {
                key: "invoice_prefix",
                label: "Invoice number prefix",
                help: "e.g. ACME-; capital letters, digits and hyphens.",
                kind: Kind::Text {
                    max: 12,
                    pattern: Some(Pattern {
                        regex: "^[A-Z0-9-]{0,12}$",
                        check: invoice_prefix,
                        says: "Use capital letters, digits and hyphens (at most 12).",
                    }),
                },
            },
            Field {
                key: "tax_id",
                label: "Tax ID",
                help: "Printed on invoices.",
                kind: Kind::Text { max: 32, pattern: None },
            },
        ],
    ),
    (
        Category::Features,
        &[
            Field {
                key: "beta_opt_in",
                label: "Try features early",
                help: "Members see features before they are generally available.",
                kind: Kind::Bool { default: false },
            },
            Field {
                key: "landing_page",
                label: "Members land on",
                help: "The page members see after signing in.",
                kind: Kind::Choice {
                    options: &[("overview", "Overview"), ("usage", "Usage"), ("health", "Health")],
                    default: "overview",
                },
            },
            Field {
                key: "max_projects_per_member",
                label: "Projects per member",
                help: "Within the plan's projects.",
                kind: Kind::Int { min: 1, max: 1000, default: 10, unit: "" },
            },
        ],
    ),
    (
        Category::Integrations,
        &[
            Field {
                key: "slack_webhook_url",
                label: "Slack incoming webhook",
                help: "Alerts are posted here too; empty for none.",
                kind: Kind::Url,
            },
            Field {
                key: "allowed_origins",
                label: "Your apps' domains",
                help: "Domains whose pages may call the API from a browser, one per line.",
                kind: Kind::Domains { max: 20 },
            },
            Field {
                key: "analytics_id",
                label: "Analytics property",
                help: "Letters, digits and hyphens.",
                kind: Kind::Text {
                    max: 32,
                    pattern: Some(Pattern {
                        regex: "^[A-Za-z0-9-]{0,32}$",
                        check: analytics_id,
                        says: "Use letters, digits and hyphens (at most 32).",
                    }),
                },
            },
        ],
    ),
];
