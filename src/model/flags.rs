//! Feature flags (PRODUCT.md C3): one rule answers whether a flag is on for a tenant, and
//! why. The plan decides by default; a tenant override may turn a flag on or off; a
//! platform-wide kill switch turns it off everywhere, whatever the plan and overrides say.

use serde::{Deserialize, Serialize};

/// Why a flag is on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum FlagReason {
    /// The tenant's plan includes it (on) or doesn't (off).
    PlanDefault,
    /// An override for this tenant.
    TenantOverride,
    /// Switched off for every tenant.
    KillSwitch,
}

impl FlagReason {
    pub fn label(self) -> &'static str {
        match self {
            FlagReason::PlanDefault => "plan default",
            FlagReason::TenantOverride => "tenant override",
            FlagReason::KillSwitch => "kill switch",
        }
    }
}

/// The answer for one flag: on or off, and why.
pub fn resolve(in_plan: bool, override_enabled: Option<bool>, killed: bool) -> (bool, FlagReason) {
    match (killed, override_enabled) {
        (true, _) => (false, FlagReason::KillSwitch),
        (false, Some(on)) => (on, FlagReason::TenantOverride),
        (false, None) => (in_plan, FlagReason::PlanDefault),
    }
}

/// A flag as one tenant sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FlagState {
    pub flag: String,
    pub description: String,
    pub enabled: bool,
    pub reason: FlagReason,
    /// Moves whenever anything this answer depends on changes (the plan's list, the
    /// override, the kill switch); a service may cache the answer until it does.
    pub version: i64,
    /// What the plan says alone.
    pub in_plan: bool,
    /// The tenant's override, if any.
    pub override_enabled: Option<bool>,
    /// Why the override or the kill switch was set.
    pub note: Option<String>,
}

/// A flag across the platform, with its kill switch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FlagInfo {
    pub flag: String,
    pub description: String,
    pub killed: bool,
    pub killed_reason: Option<String>,
    pub killed_by: Option<String>,
    pub killed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The plans that include it.
    pub plans: Vec<String>,
    /// How many tenants have an override of it.
    pub overrides: i64,
}

/// A tenant override (`PUT …/features/{flag}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FlagOverride {
    pub enabled: bool,
    /// Why (kept with the override and in the audit trail).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 500))]
    pub reason: String,
}

/// Turning a kill switch on or off (`PUT /api/v1/features/{flag}/kill-switch`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KillSwitch {
    pub killed: bool,
    /// Why; required to switch a flag off everywhere.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 500))]
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_resolves_by_the_rule() {
        use FlagReason::*;
        // (in plan, override, killed) → (on, why), all twelve written out.
        let table = [
            ((false, None, false), (false, PlanDefault)),
            ((true, None, false), (true, PlanDefault)),
            ((false, Some(true), false), (true, TenantOverride)),
            ((true, Some(true), false), (true, TenantOverride)),
            ((false, Some(false), false), (false, TenantOverride)),
            ((true, Some(false), false), (false, TenantOverride)),
            ((false, None, true), (false, KillSwitch)),
            ((true, None, true), (false, KillSwitch)),
            ((false, Some(true), true), (false, KillSwitch)),
            ((true, Some(true), true), (false, KillSwitch)),
            ((false, Some(false), true), (false, KillSwitch)),
            ((true, Some(false), true), (false, KillSwitch)),
        ];
        for ((in_plan, o, killed), want) in table {
            assert_eq!(resolve(in_plan, o, killed), want, "plan {in_plan}, override {o:?}, killed {killed}");
        }
    }
}
