//! A policy as the Resources tab's form sends it, parsed into a spec.

use super::{Operator, PolicyAction, PolicyMetric, PolicySpec};
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};

/// A policy as the tab's form sends it: every field text, durations in minutes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyForm {
    pub resource: String,
    pub name: String,
    /// `utilization` or `used`.
    pub metric: String,
    /// `gt`, `gte`, `lt` or `lte`.
    pub operator: String,
    pub threshold: String,
    pub for_minutes: String,
    /// `scale_by_factor`, `scale_by_step` or `notify`.
    pub action: String,
    pub amount: String,
    pub min_allocated: String,
    pub max_allocated: String,
    pub cooldown_minutes: String,
    /// `on` when ticked.
    #[serde(default)]
    pub shadow: Option<String>,
}

impl PolicyForm {
    /// The spec, or per-field errors (the spec's own rules are checked after).
    pub fn parse(&self) -> Result<PolicySpec, FieldErrors> {
        let mut e = FieldErrors::new();
        fn clean(t: &str) -> String {
            t.trim().replace([',', '_', ' '], "")
        }
        let mut number = |field: &str, text: &str, default: Option<f64>| -> f64 {
            let t = clean(text);
            match (t.parse::<f64>(), default) {
                (Ok(v), _) if v.is_finite() => v,
                (_, Some(d)) if t.is_empty() => d,
                _ => {
                    e.insert(field.into(), "Enter a number.".into());
                    0.0
                }
            }
        };
        let threshold = number("threshold", &self.threshold, None);
        let for_minutes = number("for_minutes", &self.for_minutes, Some(0.0));
        let amount = number("amount", &self.amount, Some(0.0));
        let min = number("min_allocated", &self.min_allocated, None);
        let max = number("max_allocated", &self.max_allocated, None);
        let cooldown = number("cooldown_minutes", &self.cooldown_minutes, Some(0.0));
        fn pick<T: serde::de::DeserializeOwned>(v: &str) -> Option<T> {
            serde_json::from_value(serde_json::Value::String(v.trim().to_string())).ok()
        }
        let metric: Option<PolicyMetric> = pick(&self.metric);
        let operator: Option<Operator> = pick(&self.operator);
        let action: Option<PolicyAction> = pick(&self.action);
        for (field, ok) in
            [("metric", metric.is_some()), ("operator", operator.is_some()), ("action", action.is_some())]
        {
            if !ok {
                e.insert(field.into(), "Choose one of the options.".into());
            }
        }
        let whole = |v: f64| if v.fract() == 0.0 && v.abs() < 9e15 { Some(v as i64) } else { None };
        for (field, v) in [("min_allocated", min), ("max_allocated", max)] {
            if whole(v).is_none() {
                e.entry(field.into()).or_insert_with(|| "Enter a whole number.".into());
            }
        }
        let secs = |minutes: f64| (minutes * 60.0).round().clamp(-1.0, i32::MAX as f64) as i32;
        match (metric, operator, action) {
            (Some(metric), Some(operator), Some(action)) if e.is_empty() => Ok(PolicySpec {
                resource: self.resource.trim().to_string(),
                name: self.name.clone(),
                metric,
                operator,
                threshold,
                for_secs: secs(for_minutes),
                action,
                amount: if action == PolicyAction::Notify { 0.0 } else { amount },
                min_allocated: whole(min).unwrap_or_default(),
                max_allocated: whole(max).unwrap_or_default(),
                priority: 100,
                cooldown_secs: secs(cooldown),
                enabled: true,
                shadow: self.shadow.as_deref().is_some_and(|v| !v.is_empty()),
            }),
            _ => Err(e),
        }
    }
}
