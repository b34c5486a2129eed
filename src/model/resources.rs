//! Resource allocations (PRODUCT.md R1-R3, R6): what a tenant is given of each resource
//! type, its soft and hard limits, current use, the history of changes, and the quota
//! answers services get.

use super::usage::{MetricSource, Point};
use super::validate::{check, check_reason};
use crate::error::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The largest allocation or limit accepted (a trillion units).
pub const AMOUNT_MAX: i64 = 1_000_000_000_000;

/// The soft limit an allocation gets unless one is set: 80 %, rounded up, so that a small
/// allocation (1 custom domain) doesn't get a soft limit of 0 that every use crosses. The
/// SQL writes it as `(amount * 8 + 9) / 10`.
pub fn default_soft(allocated: i64) -> i64 {
    allocated.saturating_mul(8).saturating_add(9) / 10
}

/// Where use stands against the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Below the soft limit.
    Ok,
    /// At or over the soft limit.
    Soft,
    /// At or over the hard limit.
    Hard,
}

impl Level {
    pub fn of(used: f64, soft: i64, hard: i64) -> Level {
        if hard > 0 && used >= hard as f64 || hard == 0 && used > 0.0 {
            Level::Hard
        } else if soft > 0 && used >= soft as f64 {
            Level::Soft
        } else {
            Level::Ok
        }
    }
}

/// An allocation and its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Limits {
    pub allocated: i64,
    pub soft_limit: i64,
    pub hard_limit: i64,
}

/// One resource of a tenant, as its panel shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AllocatedResource {
    pub id: String,
    pub name: String,
    pub unit: String,
    /// Whether use is reported by the tenant's services or measured by the portal.
    pub source: Option<MetricSource>,
    /// true: use adds up over the billing month; false: a level at the moment.
    pub per_period: bool,
    #[serde(flatten)]
    pub limits: Limits,
    /// What the plan includes: owners and admins may scale up to it, beyond it only a
    /// platform administrator.
    pub plan_amount: i64,
    /// Current use: metered (this month for per-period resources, the latest level for the
    /// others) plus what services consumed through the quota API this month.
    pub used: f64,
    /// The part of `used` consumed through `POST /api/v1/quota/consume` this month.
    pub consumed: i64,
    pub level: Level,
    /// The last 30 days, one value per day (days without data are absent).
    pub series: Vec<Point>,
    /// When it runs out at the current trend, and whether to shrink it (None: fewer than
    /// seven days of data).
    pub forecast: Option<super::forecast::Forecast>,
}

/// A tenant's resources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TenantResources {
    pub tenant_id: Uuid,
    pub period_start: NaiveDate,
    /// The first day after the period.
    pub period_end: NaiveDate,
    pub resources: Vec<AllocatedResource>,
    pub as_of: DateTime<Utc>,
}

/// One tenant's resource near or over its limits, on the platform Limits page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearLimit {
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub tenant_slug: String,
    pub resource: String,
    pub resource_name: String,
    pub unit: String,
    pub used: f64,
    #[serde(flatten)]
    pub limits: Limits,
    pub level: Level,
}

/// How the Limits page is sorted (`?sort=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LimitSort {
    /// Fullest first (use against the hard limit).
    #[default]
    Share,
    Tenant,
    Resource,
}

impl LimitSort {
    pub fn parse(s: &str) -> LimitSort {
        match s {
            "tenant" => LimitSort::Tenant,
            "resource" => LimitSort::Resource,
            _ => LimitSort::Share,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LimitSort::Share => "share",
            LimitSort::Tenant => "tenant",
            LimitSort::Resource => "resource",
        }
    }

    pub fn apply(self, rows: &mut [NearLimit]) {
        let share =
            |r: &NearLimit| if r.limits.hard_limit > 0 { r.used / r.limits.hard_limit as f64 } else { f64::MAX };
        match self {
            LimitSort::Share => rows.sort_by(|a, b| share(b).total_cmp(&share(a))),
            LimitSort::Tenant => rows.sort_by_key(|a| a.tenant_name.to_lowercase()),
            LimitSort::Resource => {
                rows.sort_by(|a, b| a.resource_name.cmp(&b.resource_name).then(share(b).total_cmp(&share(a))))
            }
        }
    }
}

/// A resource that runs out at its trend (the tab's forecast), for the platform list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOut {
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub tenant_slug: String,
    pub resource: String,
    pub resource_name: String,
    pub unit: String,
    pub used: f64,
    pub hard_limit: i64,
    pub forecast: crate::model::forecast::Forecast,
}

impl RunOut {
    /// The day it runs out (the list holds only those with one).
    pub fn day(&self) -> NaiveDate {
        self.forecast.runs_out.unwrap_or(NaiveDate::MAX)
    }
}

/// The platform Limits page: every active tenant's resources at or over the soft limit,
/// fullest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlatformLimits {
    pub rows: Vec<NearLimit>,
    /// Resources running out soonest at their trend, soonest first.
    pub soonest: Vec<RunOut>,
    /// Every tenant's unresolved alerts, newest first.
    pub alerts: Vec<crate::model::alerts::Alert>,
    /// Whether there were more than the page shows.
    pub truncated: bool,
    pub as_of: DateTime<Utc>,
}

/// The tenant Resources tab: the resources and their latest changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcesView {
    pub resources: TenantResources,
    pub changes: Vec<AllocationChange>,
    /// The latest alerts of any status, newest first.
    pub alerts: Vec<crate::model::alerts::Alert>,
}

/// `PUT /api/v1/tenants/{id}/resources/{resource}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScaleRequest {
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1_000_000_000_000_i64))]
    #[serde(deserialize_with = "super::whole::i64")]
    pub allocated: i64,
    /// Defaults to 80 % of `allocated`. At most `hard_limit`.
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1_000_000_000_000_i64))]
    #[serde(default, deserialize_with = "super::whole::opt_i64")]
    pub soft_limit: Option<i64>,
    /// Defaults to `allocated`. At least `allocated`.
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1_000_000_000_000_i64))]
    #[serde(default, deserialize_with = "super::whole::opt_i64")]
    pub hard_limit: Option<i64>,
    /// Why (kept in the history and the audit trail).
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 500))]
    pub reason: String,
}

impl ScaleRequest {
    /// From a form's text fields (soft and hard limits may be left empty).
    pub fn from_form(allocated: &str, soft: &str, hard: &str, reason: String) -> Result<ScaleRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut whole = |field: &str, text: &str| -> Option<i64> {
            let text = text.trim().replace([',', '_', ' '], "");
            if text.is_empty() {
                return None;
            }
            let parsed = text.parse::<i64>().ok();
            if parsed.is_none() {
                errors.insert(field.into(), "Enter a whole number.".into());
            }
            parsed
        };
        let allocated_value = whole("allocated", allocated);
        let soft_limit = whole("soft_limit", soft);
        let hard_limit = whole("hard_limit", hard);
        if allocated_value.is_none() && allocated.trim().is_empty() {
            errors.insert("allocated".into(), "Enter the allocation.".into());
        }
        match allocated_value {
            Some(allocated) if errors.is_empty() => Ok(ScaleRequest { allocated, soft_limit, hard_limit, reason }),
            _ => Err(errors),
        }
    }

    /// The limits asked for, with the defaults filled in, or per-field errors.
    pub fn limits(&self) -> Result<Limits, FieldErrors> {
        let mut errors = FieldErrors::new();
        let amount = |v: i64| {
            if (0..=AMOUNT_MAX).contains(&v) {
                Ok(())
            } else {
                Err("Enter a whole number from 0 to 1,000,000,000,000.".to_string())
            }
        };
        let limits = Limits {
            allocated: self.allocated,
            soft_limit: self.soft_limit.unwrap_or_else(|| default_soft(self.allocated)),
            hard_limit: self.hard_limit.unwrap_or(self.allocated),
        };
        check(&mut errors, "allocated", amount(limits.allocated));
        check(&mut errors, "soft_limit", amount(limits.soft_limit));
        check(&mut errors, "hard_limit", amount(limits.hard_limit));
        if limits.soft_limit > limits.hard_limit {
            check(&mut errors, "soft_limit", Err("The soft limit can't be above the hard limit.".into()));
        }
        if limits.allocated > limits.hard_limit {
            check(&mut errors, "hard_limit", Err("The hard limit can't be below the allocation.".into()));
        }
        check(&mut errors, "reason", check_reason(&self.reason));
        if errors.is_empty() {
            Ok(limits)
        } else {
            Err(errors)
        }
    }
}

/// What made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum ChangeSource {
    Manual,
    Policy,
    PlanChange,
}

/// One change of an allocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AllocationChange {
    pub id: i64,
    pub resource: String,
    /// None for the first allocation made through a change.
    pub before: Option<Limits>,
    pub after: Limits,
    pub source: ChangeSource,
    /// Who: a person's email, an API key's name, or "system".
    pub actor: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// `POST /api/v1/quota/check` and `/quota/consume`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuotaRequest {
    /// A resource type id (GET /api/v1/tenants/{id}/resources lists them).
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 40))]
    pub resource: String,
    /// Units wanted (1 when absent).
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 1_000_000_000_000_i64))]
    #[serde(default = "one", deserialize_with = "super::whole::i64")]
    pub amount: i64,
}

fn one() -> i64 {
    1
}

/// The answer to a quota check or consume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QuotaAnswer {
    pub resource: String,
    /// Whether `amount` fits under the hard limit (for consume: whether it was taken).
    pub allowed: bool,
    /// The hard limit left after current use (never below 0).
    pub remaining: f64,
    /// The hard limit.
    pub limit: i64,
    /// Current use, including what this call took.
    pub used: f64,
    pub as_of: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(allocated: i64, soft: Option<i64>, hard: Option<i64>, reason: &str) -> ScaleRequest {
        ScaleRequest { allocated, soft_limit: soft, hard_limit: hard, reason: reason.into() }
    }

    #[test]
    fn limits_default_from_the_allocation_and_must_be_ordered() {
        let l = req(25, None, None, "growth").limits().unwrap();
        assert_eq!((l.allocated, l.soft_limit, l.hard_limit), (25, 20, 25));
        let l = req(1_000_000_000_000, None, None, "x").limits().unwrap();
        assert_eq!(l.soft_limit, 800_000_000_000);
        let e = req(10, Some(11), Some(10), "x").limits().unwrap_err();
        assert!(e.contains_key("soft_limit"));
        let e = req(10, None, Some(9), "x").limits().unwrap_err();
        assert!(e.contains_key("hard_limit"));
        let e = req(-1, None, None, " ").limits().unwrap_err();
        assert!(e.contains_key("allocated") && e.contains_key("reason"));
    }

    #[test]
    fn the_level_turns_at_the_limits() {
        assert_eq!(Level::of(7.0, 8, 10), Level::Ok);
        assert_eq!(Level::of(8.0, 8, 10), Level::Soft);
        assert_eq!(Level::of(10.0, 8, 10), Level::Hard);
        assert_eq!(Level::of(0.0, 0, 0), Level::Ok);
        assert_eq!(Level::of(1.0, 0, 0), Level::Hard);
    }
}
