//! Platform statistics (PRODUCT.md T6).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Count {
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayCount {
    pub day: NaiveDate,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TenantStats {
    pub total: i64,
    pub by_status: Vec<Count>,
    pub by_plan: Vec<Count>,
    pub by_region: Vec<Count>,
    /// Tenants created per day over the last 30 days (every day present, oldest first).
    pub created_per_day: Vec<DayCount>,
    /// Suspensions per day over the last 30 days.
    pub suspended_per_day: Vec<DayCount>,
}

impl TenantStats {
    pub fn status_count(&self, status: &str) -> i64 {
        self.by_status.iter().find(|c| c.key == status).map_or(0, |c| c.count)
    }
}
