//! Plans (PRODUCT.md P2): default limits, features, isolation model and price.

use super::tenant::Isolation;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub description: String,
    pub monthly_price_cents: i64,
    pub default_isolation: Isolation,
    pub max_users: i64,
    pub storage_gb: i64,
    pub bandwidth_gb: i64,
    pub api_calls_per_month: i64,
    pub custom_domains: i64,
    pub projects: i64,
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

/// The choices the tenant forms and filters offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Catalog {
    pub plans: Vec<Plan>,
    pub regions: Vec<Region>,
}
