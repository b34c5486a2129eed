//! Auto-scaling policies (PRODUCT.md R4): when a resource's use (or its share of the
//! allocation) compares with a threshold for long enough, scale the allocation by a factor
//! or a step within bounds, or only notify. One pure step function decides; the worker
//! runs it on current use and the simulator on the last 30 days, so both decide alike.

use super::resources::{Limits, AMOUNT_MAX};
use super::units::number;
use super::validate::check;
use crate::error::FieldErrors;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod form;
pub use form::PolicyForm;

/// What the condition looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum PolicyMetric {
    /// Use as a percentage of the allocation.
    Utilization,
    /// Use in the resource's unit.
    Used,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Operator {
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Operator::Gt => value > threshold,
            Operator::Gte => value >= threshold,
            Operator::Lt => value < threshold,
            Operator::Lte => value <= threshold,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Operator::Gt => ">",
            Operator::Gte => "≥",
            Operator::Lt => "<",
            Operator::Lte => "≤",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum PolicyAction {
    /// Multiply the allocation by `amount` (1.5 grows by half, 0.5 halves it).
    ScaleByFactor,
    /// Add `amount` (negative shrinks).
    ScaleByStep,
    /// Change nothing; log and tell.
    Notify,
}

/// What a policy decided in one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum DecisionOutcome {
    Scaled,
    Notified,
    /// Shadow mode: what it would have done, not done.
    Shadow,
    SkippedCooldown,
    /// At the policy's minimum or maximum already.
    SkippedAtLimit,
    /// The condition holds, but not yet for the policy's duration.
    SkippedNotHeld,
    /// A policy of higher priority acted on the same resource in this round.
    SkippedOtherPolicy,
}

impl DecisionOutcome {
    pub fn is_skip(self) -> bool {
        matches!(
            self,
            DecisionOutcome::SkippedCooldown
                | DecisionOutcome::SkippedAtLimit
                | DecisionOutcome::SkippedNotHeld
                | DecisionOutcome::SkippedOtherPolicy
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionOutcome::Scaled => "scaled",
            DecisionOutcome::Notified => "notified",
            DecisionOutcome::Shadow => "shadow",
            DecisionOutcome::SkippedCooldown => "skipped_cooldown",
            DecisionOutcome::SkippedAtLimit => "skipped_at_limit",
            DecisionOutcome::SkippedNotHeld => "skipped_not_held",
            DecisionOutcome::SkippedOtherPolicy => "skipped_other_policy",
        }
    }

    /// Words for a person.
    pub fn label(self) -> &'static str {
        match self {
            DecisionOutcome::Scaled => "scaled",
            DecisionOutcome::Notified => "notified",
            DecisionOutcome::Shadow => "would have scaled (shadow)",
            DecisionOutcome::SkippedCooldown => "skipped: cooldown",
            DecisionOutcome::SkippedAtLimit => "skipped: at its bound",
            DecisionOutcome::SkippedNotHeld => "skipped: not held long enough yet",
            DecisionOutcome::SkippedOtherPolicy => "skipped: another policy acted",
        }
    }
}

fn hundred() -> i32 {
    100
}

fn yes() -> bool {
    true
}

/// A policy as created or replaced (`POST`/`PUT …/policies`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// The resource type it scales.
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 40))]
    pub resource: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 80))]
    pub name: String,
    pub metric: PolicyMetric,
    pub operator: Operator,
    /// Percent for `utilization` (at most 1000), the resource's unit for `used`.
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1_000_000_000_000_i64))]
    pub threshold: f64,
    /// How long the condition must hold before the policy acts (seconds, at most 7 days).
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 604800))]
    #[serde(deserialize_with = "super::whole::i32")]
    pub for_secs: i32,
    pub action: PolicyAction,
    /// The factor (above 0, not 1, at most 100) or the step (a whole number, not 0); 0 for notify.
    #[cfg_attr(feature = "ssr", schema(minimum = -1_000_000_000_000_i64, maximum = 1_000_000_000_000_i64))]
    pub amount: f64,
    /// Bounds the allocation stays within.
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1_000_000_000_000_i64))]
    #[serde(deserialize_with = "super::whole::i64")]
    pub min_allocated: i64,
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1_000_000_000_000_i64))]
    #[serde(deserialize_with = "super::whole::i64")]
    pub max_allocated: i64,
    /// Lower acts first when several policies of one resource fire at once (default 100).
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1000))]
    #[serde(default = "hundred", deserialize_with = "super::whole::i32")]
    pub priority: i32,
    /// After acting, how long the policy waits before acting again (seconds, at most 7 days).
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 604800))]
    #[serde(deserialize_with = "super::whole::i32")]
    pub cooldown_secs: i32,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Log what it would do without doing it.
    #[serde(default)]
    pub shadow: bool,
}

const WEEK: i32 = 7 * 24 * 3600;

impl PolicySpec {
    /// Every rule, per field.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        let name = self.name.trim().chars().count();
        check(
            &mut e,
            "name",
            if (1..=80).contains(&name) { Ok(()) } else { Err("Name it (at most 80 characters).".into()) },
        );
        if self.name.chars().any(char::is_control) {
            check(&mut e, "name", Err("Remove control characters.".into()));
        }
        let max_threshold = if self.metric == PolicyMetric::Utilization { 1000.0 } else { AMOUNT_MAX as f64 };
        if !(self.threshold.is_finite() && (0.0..=max_threshold).contains(&self.threshold)) {
            check(&mut e, "threshold", Err(format!("Enter a threshold from 0 to {max_threshold}.")));
        }
        for (field, v) in [("for_secs", self.for_secs), ("cooldown_secs", self.cooldown_secs)] {
            if !(0..=WEEK).contains(&v) {
                check(&mut e, field, Err("Enter from 0 seconds to 7 days.".into()));
            }
        }
        let amount_ok = match self.action {
            PolicyAction::ScaleByFactor => {
                self.amount.is_finite() && self.amount > 0.0 && self.amount <= 100.0 && self.amount != 1.0
            }
            PolicyAction::ScaleByStep => {
                self.amount.fract() == 0.0 && self.amount != 0.0 && self.amount.abs() <= AMOUNT_MAX as f64
            }
            PolicyAction::Notify => self.amount == 0.0,
        };
        if !amount_ok {
            let why = match self.action {
                PolicyAction::ScaleByFactor => "A factor above 0 and at most 100, not 1 (1.5 grows by half).",
                PolicyAction::ScaleByStep => "A whole step, not 0 (negative shrinks).",
                PolicyAction::Notify => "A notify-only policy scales by nothing: 0.",
            };
            check(&mut e, "amount", Err(why.into()));
        }
        for (field, v) in [("min_allocated", self.min_allocated), ("max_allocated", self.max_allocated)] {
            if !(0..=AMOUNT_MAX).contains(&v) {
                check(&mut e, field, Err("Enter a whole number from 0 to 1,000,000,000,000.".into()));
            }
        }
        if self.min_allocated > self.max_allocated {
            check(&mut e, "max_allocated", Err("The maximum can't be below the minimum.".into()));
        }
        if !(0..=1000).contains(&self.priority) {
            check(&mut e, "priority", Err("Enter a priority from 0 to 1000.".into()));
        }
        if e.is_empty() {
            Ok(())
        } else {
            Err(e)
        }
    }

    /// "utilization ≥ 80 % for 5 min".
    pub fn condition(&self) -> String {
        let what = match self.metric {
            PolicyMetric::Utilization => format!("utilization {} {} %", self.operator.symbol(), self.threshold),
            PolicyMetric::Used => format!("use {} {}", self.operator.symbol(), self.threshold),
        };
        if self.for_secs > 0 {
            format!("{what} for {}", duration(self.for_secs))
        } else {
            what
        }
    }

    /// "× 1.5 within 10–200", "+ 5 within 10–200", "notify".
    pub fn consequence(&self) -> String {
        let bounds = format!("within {}–{}", number(self.min_allocated), number(self.max_allocated));
        match self.action {
            PolicyAction::ScaleByFactor => format!("× {} {bounds}", self.amount),
            PolicyAction::ScaleByStep if self.amount < 0.0 => format!("− {} {bounds}", -self.amount),
            PolicyAction::ScaleByStep => format!("+ {} {bounds}", self.amount),
            PolicyAction::Notify => "notify only".into(),
        }
    }

    /// The allocation this policy moves `allocated` to, within its bounds.
    pub fn target(&self, allocated: i64) -> i64 {
        let moved = match self.action {
            PolicyAction::ScaleByFactor => {
                let t = (allocated as f64 * self.amount).round() as i64;
                // Always at least one unit in the factor's direction.
                if self.amount > 1.0 {
                    t.max(allocated + 1)
                } else {
                    t.min(allocated - 1)
                }
            }
            PolicyAction::ScaleByStep => allocated.saturating_add(self.amount as i64),
            PolicyAction::Notify => allocated,
        };
        moved.clamp(self.min_allocated, self.max_allocated)
    }

    /// A compared value as a person reads it: "92.5 %" or "1,200".
    pub fn show(&self, value: f64) -> String {
        match self.metric {
            PolicyMetric::Utilization => format!("{value:.1} %"),
            PolicyMetric::Used if value.abs() >= 100.0 => number(value.round() as i64),
            PolicyMetric::Used => format!("{value:.2}"),
        }
    }

    /// The value the condition compares: percent of the allocation, or use.
    pub fn value(&self, used: f64, allocated: i64) -> f64 {
        match self.metric {
            PolicyMetric::Utilization => used / allocated.max(1) as f64 * 100.0,
            PolicyMetric::Used => used,
        }
    }
}

/// "90 s", "5 min", "2 h", "1 d 6 h".
pub fn duration(secs: i32) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A policy with its evaluation state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Policy {
    pub id: i64,
    pub tenant_id: Uuid,
    /// What it does (as created or replaced).
    pub spec: PolicySpec,
    /// Where its evaluation stands.
    pub state: PolicyState,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Where a policy's evaluation stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicyState {
    /// Since when the condition has held (None: it doesn't).
    pub holding_since: Option<DateTime<Utc>>,
    pub last_action_at: Option<DateTime<Utc>>,
    pub last_outcome: Option<DecisionOutcome>,
}

/// One evaluation's result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// None: the condition doesn't hold, nothing to log.
    pub outcome: Option<DecisionOutcome>,
    /// Whether to log it (identical skips in a row are logged once).
    pub log: bool,
    /// The compared value.
    pub value: f64,
    /// The allocation after (scaled) or that would have been (shadow).
    pub after: Option<i64>,
    pub state: PolicyState,
}

/// Evaluates a policy once, at `now`, on `used` against `allocated`.
pub fn decide(spec: &PolicySpec, state: PolicyState, now: DateTime<Utc>, used: f64, allocated: i64) -> Step {
    let value = spec.value(used, allocated);
    if !spec.operator.holds(value, spec.threshold) {
        let state = PolicyState { holding_since: None, last_outcome: None, ..state };
        return Step { outcome: None, log: false, value, after: None, state };
    }
    let since = state.holding_since.unwrap_or(now);
    let cooling = state.last_action_at.is_some_and(|t| (now - t).num_seconds() < spec.cooldown_secs as i64);
    let target = spec.target(allocated);
    let (outcome, after) = if (now - since).num_seconds() < spec.for_secs as i64 {
        (DecisionOutcome::SkippedNotHeld, None)
    } else if cooling {
        (DecisionOutcome::SkippedCooldown, None)
    } else if spec.action == PolicyAction::Notify {
        (DecisionOutcome::Notified, None)
    } else if target == allocated {
        (DecisionOutcome::SkippedAtLimit, None)
    } else if spec.shadow {
        (DecisionOutcome::Shadow, Some(target))
    } else {
        (DecisionOutcome::Scaled, Some(target))
    };
    let acted = !outcome.is_skip();
    let log = !(outcome.is_skip() && state.last_outcome == Some(outcome));
    let state = PolicyState {
        holding_since: Some(since),
        last_action_at: if acted { Some(now) } else { state.last_action_at },
        last_outcome: Some(outcome),
    };
    Step { outcome: Some(outcome), log, value, after, state }
}

/// The limits after a policy moves the allocation: soft and hard keep their proportion to
/// it (the hard limit never below the allocation).
pub fn scaled_limits(before: Limits, allocated: i64) -> Limits {
    if before.allocated <= 0 {
        return Limits { allocated, soft_limit: super::resources::default_soft(allocated), hard_limit: allocated };
    }
    let r = allocated as f64 / before.allocated as f64;
    let hard = ((before.hard_limit as f64 * r).round() as i64).clamp(allocated, AMOUNT_MAX.max(allocated));
    let soft = ((before.soft_limit as f64 * r).round() as i64).min(hard);
    Limits { allocated, soft_limit: soft, hard_limit: hard }
}

/// One logged decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Decision {
    pub policy_id: i64,
    pub at: DateTime<Utc>,
    pub used: f64,
    /// The value compared with the threshold.
    pub value: f64,
    pub allocated_before: i64,
    pub allocated_after: Option<i64>,
    pub outcome: DecisionOutcome,
}

/// What a policy would have done over the last 30 days (`POST …/simulate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Simulation {
    pub policy_id: i64,
    /// Hourly points replayed.
    pub points: usize,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub allocated_start: i64,
    pub allocated_end: i64,
    /// How many times it would have scaled (or notified).
    pub actions: usize,
    /// The decisions it would have logged, oldest first.
    pub decisions: Vec<Decision>,
}

/// Replays `series` (time, use) through the policy from `allocated`, as if enabled and not
/// in shadow mode: each scaling changes the allocation the next points are compared with.
pub fn simulate(policy_id: i64, spec: &PolicySpec, series: &[(DateTime<Utc>, f64)], allocated: i64) -> Simulation {
    let live = PolicySpec { shadow: false, ..spec.clone() };
    let mut state = PolicyState::default();
    let mut current = allocated;
    let mut decisions = Vec::new();
    let mut actions = 0;
    for &(at, used) in series {
        let step = decide(&live, state, at, used, current);
        state = step.state;
        if let (Some(outcome), true) = (step.outcome, step.log) {
            decisions.push(Decision {
                policy_id,
                at,
                used,
                value: step.value,
                allocated_before: current,
                allocated_after: step.after,
                outcome,
            });
            if !outcome.is_skip() {
                actions += 1;
            }
        }
        if let Some(after) = step.after {
            current = after;
        }
    }
    Simulation {
        policy_id,
        points: series.len(),
        from: series.first().map(|p| p.0),
        to: series.last().map(|p| p.0),
        allocated_start: allocated,
        allocated_end: current,
        actions,
        decisions,
    }
}

#[cfg(test)]
mod tests;
