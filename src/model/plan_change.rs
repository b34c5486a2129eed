//! Plan changes (PRODUCT.md P5): whether a tenant's current use fits a plan, and the
//! snapshot a plan change restores when it fails.

use super::plan::{plan_allocations, Plan};
use super::resources::{default_soft, Limits};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A resource whose current use is more than a plan allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Misfit {
    pub resource: String,
    /// The resource's name and unit, as the Resources tab shows them.
    pub name: String,
    pub unit: String,
    pub used: f64,
    /// What the plan allows (the hard limit a plan change gives).
    pub limit: i64,
}

impl Misfit {
    /// "Members: 12 people in use, the Free plan allows 5 people".
    pub fn describe(&self, plan: &str) -> String {
        let show = |v: f64| super::units::amount(v, &self.unit);
        format!("{}: {} in use, the {plan} plan allows {}", self.name, show(self.used), show(self.limit as f64))
    }
}

/// One resource's current use: (id, name, unit, used).
pub type Use = (String, String, String, f64);

/// The resources the plan allocates whose use is above the plan's amount, in the order
/// of `uses`. (Resources a plan does not allocate keep their allocation, so they fit.)
pub fn misfits(plan: &Plan, uses: &[Use]) -> Vec<Misfit> {
    let amounts = plan_allocations(plan);
    uses.iter()
        .filter_map(|(id, name, unit, used)| {
            let (_, limit) = amounts.iter().find(|(r, _)| r == id)?;
            (*used > *limit as f64).then(|| Misfit {
                resource: id.clone(),
                name: name.clone(),
                unit: unit.clone(),
                used: *used,
                limit: *limit,
            })
        })
        .collect()
}

/// The refusal of a plan change that doesn't fit, naming every resource.
pub fn misfit_message(plan: &str, misfits: &[Misfit]) -> String {
    let list: Vec<String> = misfits.iter().map(|m| m.describe(plan)).collect();
    format!(
        "The tenant's current use doesn't fit the {plan} plan. {}. Reduce the use first, or choose a larger plan.",
        list.join("; ")
    )
}

/// The allocations a plan change gives: the plan's amounts with the default limits (soft
/// 80 % rounded up, hard 100 %), as at provisioning.
pub fn plan_limits(plan: &Plan) -> BTreeMap<String, Limits> {
    plan_allocations(plan)
        .into_iter()
        .map(|(r, amount)| {
            (r.to_string(), Limits { allocated: amount, soft_limit: default_soft(amount), hard_limit: amount })
        })
        .collect()
}

/// What a plan change replaces, kept in its snapshot step's output and restored if a later
/// step fails. An allocation that did not exist is `None` (and is removed again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSnapshot {
    pub plan: String,
    pub features: Vec<String>,
    pub allocations: BTreeMap<String, Option<Limits>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plan::sample_plan;

    fn uses(pairs: &[(&str, f64)]) -> Vec<Use> {
        pairs.iter().map(|(r, u)| (r.to_string(), r.to_string(), "units".to_string(), *u)).collect()
    }

    #[test]
    fn use_above_the_plan_does_not_fit() {
        let p = sample_plan(); // 25 users, 20 GB, 1 custom domain
        assert!(misfits(&p, &uses(&[("users", 25.0), ("storage_gb", 20.0)])).is_empty());
        let over = misfits(&p, &uses(&[("users", 26.0), ("storage_gb", 20.5), ("custom_domains", 1.0)]));
        assert_eq!(over.iter().map(|m| m.resource.as_str()).collect::<Vec<_>>(), ["users", "storage_gb"]);
        assert_eq!(over[0].limit, 25);
        let msg = misfit_message("Starter", &over);
        assert!(msg.contains("users: 26 units in use, the Starter plan allows 25 units"), "{msg}");
        assert!(msg.contains("storage_gb: 20.50 units in use, the Starter plan allows 20 units"), "{msg}");
    }

    #[test]
    fn resources_the_plan_does_not_allocate_always_fit() {
        assert!(misfits(&sample_plan(), &uses(&[("db_connections", 1e9)])).is_empty());
    }

    #[test]
    fn plan_limits_are_the_defaults() {
        let l = plan_limits(&sample_plan());
        assert_eq!(l["users"], Limits { allocated: 25, soft_limit: 20, hard_limit: 25 });
        assert_eq!(l.len(), 6);
    }
}
