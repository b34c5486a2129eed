//! Platform statistics (PRODUCT.md T6).

use crate::model::audit::TimelineEntry;
use crate::model::{TenantStatus, TenantSummary};
use chrono::{DateTime, NaiveDate, Utc};
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
    #[serde(deserialize_with = "crate::model::timestamp::date")]
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

/// Everything the dashboard shows, in one answer: one request, and one decoder in the
/// client's main bundle instead of three.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub stats: TenantStats,
    /// The six newest tenants the caller may see.
    pub newest: Vec<NewestTenant>,
    /// The eight latest events the caller may read; `None` when their roles include no
    /// audit trail at all.
    pub activity: Option<Vec<TimelineEntry>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewestTenant {
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    #[serde(deserialize_with = "crate::model::timestamp::utc")]
    pub created_at: DateTime<Utc>,
}

impl From<TenantSummary> for NewestTenant {
    fn from(t: TenantSummary) -> Self {
        NewestTenant { slug: t.slug, name: t.name, status: t.status, created_at: t.created_at }
    }
}

impl TenantStats {
    pub fn status_count(&self, status: &str) -> i64 {
        self.by_status.iter().find(|c| c.key == status).map_or(0, |c| c.count)
    }
}
