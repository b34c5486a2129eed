//! Plans (PRODUCT.md P2): default limits, features, isolation model and price.

use super::tenant::Isolation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Plan {
    /// Ignored in a PUT: the path names the plan.
    pub id: String,
    #[cfg_attr(
        feature = "ssr",
        schema(min_length = 1, max_length = 60, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$")
    )]
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(max_length = 300))]
    pub description: String,
    #[serde(deserialize_with = "super::whole::i64")]
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 100_000_000_i64))]
    pub monthly_price_cents: i64,
    pub default_isolation: Isolation,
    #[serde(deserialize_with = "super::whole::i64")]
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1_000_000_000_000_i64))]
    pub max_users: i64,
    #[serde(deserialize_with = "super::whole::i64")]
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1_000_000_000_000_i64))]
    pub storage_gb: i64,
    #[serde(deserialize_with = "super::whole::i64")]
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1_000_000_000_000_i64))]
    pub bandwidth_gb: i64,
    #[serde(deserialize_with = "super::whole::i64")]
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1_000_000_000_000_i64))]
    pub api_calls_per_month: i64,
    #[serde(deserialize_with = "super::whole::i64")]
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1_000_000_000_000_i64))]
    pub custom_domains: i64,
    #[serde(deserialize_with = "super::whole::i64")]
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1_000_000_000_000_i64))]
    pub projects: i64,
    /// Feature flag keys (`validate::check_feature`).
    #[cfg_attr(feature = "ssr", schema(inline, value_type = Vec<super::tenant::FeatureKey>))]
    pub features: Vec<String>,
}

impl Plan {
    pub fn price_label(&self) -> String {
        let cents = self.monthly_price_cents % 100;
        if cents == 0 {
            format!("${}/mo", self.monthly_price_cents / 100)
        } else {
            format!("${}.{cents:02}/mo", self.monthly_price_cents / 100)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct Region {
    pub id: String,
    pub name: String,
}

impl Plan {
    /// Checks a plan as an operator edits it; the same rules run in the browser and on
    /// the server. Field name → message.
    pub fn check(&self) -> crate::error::FieldErrors {
        let mut errors = crate::error::FieldErrors::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            errors.insert("name".into(), "Give the plan a name of up to 60 characters.".into());
        }
        if self.description.chars().count() > 300 {
            errors.insert("description".into(), "Keep the description under 300 characters.".into());
        }
        if !(0..=100_000_000).contains(&self.monthly_price_cents) {
            errors.insert("monthly_price_cents".into(), "The price must be between $0 and $1,000,000 a month.".into());
        }
        for (field, value) in [
            ("max_users", self.max_users),
            ("storage_gb", self.storage_gb),
            ("bandwidth_gb", self.bandwidth_gb),
            ("api_calls_per_month", self.api_calls_per_month),
            ("custom_domains", self.custom_domains),
            ("projects", self.projects),
        ] {
            if !(0..=1_000_000_000_000).contains(&value) {
                errors.insert(field.into(), "Use a whole number from 0 up.".into());
            }
        }
        // The same keys a tenant's list and the flags table take.
        for f in &self.features {
            if let Err(e) = super::validate::check_feature(f) {
                errors.insert("features".into(), e);
            }
        }
        errors
    }
}

/// The choices the tenant forms and filters offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Catalog {
    pub plans: Vec<Plan>,
    pub regions: Vec<Region>,
}

/// The resources a plan allocates, with the plan's amount (the most a tenant on it gets).
pub fn plan_allocations(plan: &Plan) -> Vec<(&'static str, i64)> {
    vec![
        ("users", plan.max_users),
        ("storage_gb", plan.storage_gb),
        ("bandwidth_gb", plan.bandwidth_gb),
        ("api_calls_per_month", plan.api_calls_per_month),
        ("custom_domains", plan.custom_domains),
        ("projects", plan.projects),
    ]
}

/// The first requested resource that no plan has, as a message.
pub fn unknown_resource(requested: &BTreeMap<String, i64>) -> Option<String> {
    const KNOWN: [&str; 6] =
        ["users", "storage_gb", "bandwidth_gb", "api_calls_per_month", "custom_domains", "projects"];
    requested
        .keys()
        .find(|r| !KNOWN.contains(&r.as_str()))
        .map(|r| format!("There is no resource called \u{201c}{r}\u{201d}."))
}

/// Checks requested allocations against the plan: known resources, 0 ≤ amount ≤ plan's.
pub fn check_allocations(plan: &Plan, requested: &BTreeMap<String, i64>) -> Result<(), String> {
    let known = plan_allocations(plan);
    for (resource, amount) in requested {
        let Some((_, max)) = known.iter().find(|(r, _)| r == resource) else {
            return Err(format!("There is no resource called \u{201c}{resource}\u{201d}."));
        };
        if *amount < 0 || amount > max {
            return Err(format!("{resource} must be between 0 and {max} on the {} plan.", plan.name));
        }
    }
    Ok(())
}

/// A person-readable name for an allocated resource.
pub fn resource_label(resource: &str) -> &'static str {
    match resource {
        "users" => "Users",
        "storage_gb" => "Storage (GB)",
        "bandwidth_gb" => "Bandwidth (GB/month)",
        "api_calls_per_month" => "API calls per month",
        "custom_domains" => "Custom domains",
        "projects" => "Projects",
        _ => "Resource",
    }
}

/// A plan for tests (the seeded Starter plan).
#[cfg(test)]
pub(crate) fn sample_plan() -> Plan {
    Plan {
        id: "starter".into(),
        name: "Starter".into(),
        description: String::new(),
        monthly_price_cents: 2900,
        default_isolation: Isolation::Row,
        max_users: 25,
        storage_gb: 20,
        bandwidth_gb: 100,
        api_calls_per_month: 250_000,
        custom_domains: 1,
        projects: 10,
        features: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_stay_within_the_plan() {
        let p = sample_plan();
        let ok: BTreeMap<String, i64> = [("storage_gb".to_string(), 20), ("users".to_string(), 0)].into();
        assert!(check_allocations(&p, &ok).is_ok());
        let over: BTreeMap<String, i64> = [("storage_gb".to_string(), 21)].into();
        assert!(check_allocations(&p, &over).unwrap_err().contains("between 0 and 20"));
        let negative: BTreeMap<String, i64> = [("projects".to_string(), -1)].into();
        assert!(check_allocations(&p, &negative).is_err());
        let unknown: BTreeMap<String, i64> = [("gpus".to_string(), 1)].into();
        assert!(check_allocations(&p, &unknown).unwrap_err().contains("gpus"));
    }

    #[test]
    fn feature_keys_follow_the_flag_rule() {
        let mut p = sample_plan();
        p.features = vec!["webhooks".into(), "beta.dashboard".into()];
        assert!(!p.check().contains_key("features"), "{:?}", p.check());
        // A key must start with a letter: the flags table holds nothing else.
        for bad in ["000000", "Upper", "with space", ""] {
            p.features = vec![bad.into()];
            assert!(p.check().contains_key("features"), "{bad:?}");
        }
    }
}
