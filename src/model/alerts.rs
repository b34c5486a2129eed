//! Alerts (PRODUCT.md R7): a resource's use crossed its soft or hard limit, or a tenant's
//! cost this month passed its threshold. Open until use drops back; people acknowledge
//! them meanwhile.

use super::units::{amount, money};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What was crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// The resource's soft limit.
    Soft,
    /// The resource's hard limit: more is refused.
    Hard,
    /// The tenant's monthly cost threshold.
    Cost,
}

impl Threshold {
    pub fn as_str(self) -> &'static str {
        match self {
            Threshold::Soft => "soft",
            Threshold::Hard => "hard",
            Threshold::Cost => "cost",
        }
    }

    /// Words for a person: "the soft limit".
    pub fn label(self) -> &'static str {
        match self {
            Threshold::Soft => "the soft limit",
            Threshold::Hard => "the hard limit",
            Threshold::Cost => "the cost threshold",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Open,
    /// Someone has seen it; it stays until use drops back.
    Acknowledged,
    Resolved,
}

/// One alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: i64,
    pub tenant_id: Uuid,
    pub tenant_name: String,
    /// A resource type id, or `cost`.
    pub subject: String,
    /// The resource's name ("API calls"), or "Monthly cost".
    pub subject_name: String,
    /// The resource's unit; `cents` for cost.
    pub unit: String,
    pub threshold: Threshold,
    pub status: AlertStatus,
    /// Use when the alert opened.
    pub opened_value: f64,
    /// The highest use seen while it was unresolved.
    pub peak_value: f64,
    /// The limit crossed.
    pub limit: i64,
    pub opened_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it (an email or an API key's name).
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl Alert {
    pub fn is_unresolved(&self) -> bool {
        self.status != AlertStatus::Resolved
    }

    /// A value in the alert's unit: "1,200 calls", or money for a cost alert.
    pub fn value(&self, v: f64) -> String {
        if self.threshold == Threshold::Cost {
            money(v.round() as i64)
        } else {
            amount(v, &self.unit)
        }
    }

    /// "API calls reached the soft limit".
    pub fn headline(&self) -> String {
        format!("{} reached {}", self.subject_name, self.threshold.label())
    }

    /// "950 calls at the highest, against 800 calls".
    pub fn detail(&self) -> String {
        format!("{} at the highest, against {}", self.value(self.peak_value), self.value(self.limit as f64))
    }
}

/// Which alerts a list answers (`?status=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertFilter {
    /// Open and acknowledged ones.
    #[default]
    Unresolved,
    /// The newest of every status.
    All,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(threshold: Threshold, unit: &str, peak: f64, limit: i64) -> Alert {
        Alert {
            id: 1,
            tenant_id: Uuid::nil(),
            tenant_name: "Acme".into(),
            subject: if threshold == Threshold::Cost { "cost".into() } else { "api_calls_per_month".into() },
            subject_name: if threshold == Threshold::Cost { "Monthly cost".into() } else { "API calls".into() },
            unit: unit.into(),
            threshold,
            status: AlertStatus::Open,
            opened_value: peak,
            peak_value: peak,
            limit,
            opened_at: Utc::now(),
            acknowledged_at: None,
            acknowledged_by: None,
            resolved_at: None,
        }
    }

    #[test]
    fn an_alert_reads_in_its_unit() {
        let a = alert(Threshold::Soft, "calls", 9500.0, 8000);
        assert_eq!(a.headline(), "API calls reached the soft limit");
        assert_eq!(a.detail(), "9,500 calls at the highest, against 8,000 calls");
        let c = alert(Threshold::Cost, "cents", 12345.0, 10000);
        assert_eq!(c.headline(), "Monthly cost reached the cost threshold");
        assert_eq!(c.detail(), "$123.45 at the highest, against $100.00");
    }
}
