//! The policy model: decisions over synthetic series, targets, validation and the form.

use super::*;
use chrono::{Duration, TimeZone};

fn spec() -> PolicySpec {
    PolicySpec {
        resource: "storage_gb".into(),
        name: "Grow storage".into(),
        metric: PolicyMetric::Utilization,
        operator: Operator::Gte,
        threshold: 80.0,
        for_secs: 3 * 3600,
        action: PolicyAction::ScaleByFactor,
        amount: 1.5,
        min_allocated: 10,
        max_allocated: 40,
        priority: 100,
        cooldown_secs: 6 * 3600,
        enabled: true,
        shadow: false,
    }
}

fn hours(uses: &[f64]) -> Vec<(DateTime<Utc>, f64)> {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    uses.iter().enumerate().map(|(i, &u)| (t0 + Duration::hours(i as i64), u)).collect()
}

fn outcomes(s: &Simulation) -> Vec<(usize, DecisionOutcome, i64, Option<i64>)> {
    let t0 = s.from.unwrap();
    s.decisions
        .iter()
        .map(|d| ((d.at - t0).num_hours() as usize, d.outcome, d.allocated_before, d.allocated_after))
        .collect()
}

/// A synthetic series: use climbs past 80 % of 20 and stays. The policy waits out its
/// duration (3 h), scales 20 → 30, waits out its cooldown (6 h), scales 30 → 40 (its
/// maximum), then is at its bound; identical skips in a row are logged once.
#[test]
fn a_policy_over_a_synthetic_series_makes_exactly_the_expected_decisions() {
    let mut uses = vec![10.0, 12.0];
    uses.extend(std::iter::repeat_n(35.0, 30));
    let s = simulate(7, &spec(), &hours(&uses), 20);
    use DecisionOutcome::*;
    assert_eq!(
        outcomes(&s),
        [
            (2, SkippedNotHeld, 20, None),
            (5, Scaled, 20, Some(30)),
            (6, SkippedCooldown, 30, None),
            (11, Scaled, 30, Some(40)),
            (12, SkippedCooldown, 40, None),
            (17, SkippedAtLimit, 40, None),
        ]
    );
    assert_eq!((s.allocated_end, s.actions, s.points), (40, 2, 32));
}

#[test]
fn the_condition_must_hold_without_a_break() {
    // 3 h at 90 %, a dip, then 2 h: never long enough.
    let s = simulate(1, &spec(), &hours(&[18.0, 18.0, 18.0, 10.0, 18.0, 18.0, 18.0]), 20);
    assert_eq!(s.actions, 0);
    assert_eq!(s.decisions.iter().filter(|d| d.outcome == DecisionOutcome::SkippedNotHeld).count(), 2);
}

#[test]
fn shadow_mode_logs_without_scaling_and_notify_changes_nothing() {
    let shadow = PolicySpec { shadow: true, for_secs: 0, ..spec() };
    let now = Utc::now();
    let step = decide(&shadow, PolicyState::default(), now, 19.0, 20);
    assert_eq!((step.outcome, step.after), (Some(DecisionOutcome::Shadow), Some(30)));
    assert_eq!(step.state.last_action_at, Some(now), "shadow respects the cooldown like the real thing");
    let notify = PolicySpec { action: PolicyAction::Notify, amount: 0.0, for_secs: 0, ..spec() };
    let step = decide(&notify, PolicyState::default(), now, 19.0, 20);
    assert_eq!((step.outcome, step.after), (Some(DecisionOutcome::Notified), None));
    // Below the threshold: nothing to log, and the holding clock resets.
    let step = decide(&spec(), step.state, now, 1.0, 20);
    assert_eq!((step.outcome, step.state.holding_since), (None, None));
}

#[test]
fn targets_move_at_least_one_unit_and_stay_in_bounds() {
    let shrink = PolicySpec { amount: 0.5, operator: Operator::Lt, threshold: 30.0, ..spec() };
    assert_eq!(shrink.target(30), 15);
    assert_eq!(shrink.target(12), 10, "not below the minimum");
    let grow = PolicySpec { amount: 1.01, ..spec() };
    assert_eq!(grow.target(20), 21);
    let step = PolicySpec { action: PolicyAction::ScaleByStep, amount: -5.0, ..spec() };
    assert_eq!(step.target(12), 10);
    assert_eq!(
        scaled_limits(Limits { allocated: 20, soft_limit: 16, hard_limit: 25 }, 30),
        Limits { allocated: 30, soft_limit: 24, hard_limit: 38 }
    );
}

#[test]
fn the_form_reads_minutes_and_names_bad_fields() {
    let form = PolicyForm {
        resource: "storage_gb".into(),
        name: "Grow".into(),
        metric: "utilization".into(),
        operator: "gte".into(),
        threshold: "80".into(),
        for_minutes: "5".into(),
        action: "scale_by_factor".into(),
        amount: "1.5".into(),
        min_allocated: "10".into(),
        max_allocated: "1,000".into(),
        cooldown_minutes: "".into(),
        shadow: Some("on".into()),
    };
    let s = form.parse().unwrap();
    assert_eq!((s.for_secs, s.cooldown_secs, s.max_allocated, s.shadow), (300, 0, 1000, true));
    let bad = PolicyForm { threshold: "lots".into(), operator: "eq".into(), min_allocated: "1.5".into(), ..form };
    let e = bad.parse().unwrap_err();
    assert_eq!(e.keys().collect::<Vec<_>>(), ["min_allocated", "operator", "threshold"]);
}

#[test]
fn bad_policies_name_each_field() {
    let bad = PolicySpec {
        name: " ".into(),
        threshold: 5000.0,
        amount: 1.0,
        min_allocated: 50,
        max_allocated: 40,
        for_secs: -1,
        ..spec()
    };
    let e = bad.validate().unwrap_err();
    for f in ["name", "threshold", "amount", "max_allocated", "for_secs"] {
        assert!(e.contains_key(f), "{f}: {e:?}");
    }
    assert!(spec().validate().is_ok());
    assert_eq!(spec().condition(), "utilization ≥ 80 % for 3 h");
    assert_eq!(spec().consequence(), "× 1.5 within 10–40");
}
