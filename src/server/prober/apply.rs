//! What a probe's result does: counted into the check's state machine (a worsening only
//! after N consecutive failures confirmed by an immediate re-check, a recovery after M
//! successes), stored with its hour's rollup, and, on a change of state, an incident
//! opened, escalated or closed with its `health.*` event. Used by the prober and by
//! "check now" alike.

use super::probe::{probe, Target};
use crate::db;
use crate::error::AppError;
use crate::model::monitoring::{CheckState, Incident, Outcome, ProbeResult, Tracker};
use crate::model::notifications::NotifyEvent;
use crate::server::state::AppState;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

/// Probes, and probes again at once when the result would make the state worse (the
/// re-check confirms it or, a blip, clears it).
pub async fn probe_confirmed(
    state: &AppState,
    tracker: &Tracker,
    target: &Target<'_>,
    down_after: i32,
    up_after: i32,
) -> Vec<ProbeResult> {
    let client = state.outbound.probe_client(&state.config.health);
    let policy = &state.outbound.policy;
    let max = state.config.health.max_body_bytes.max(1024);
    let first = probe(client, policy, target, max).await;
    if !tracker.count(first.outcome).needs_confirmation(down_after, up_after) {
        return vec![first];
    }
    let again = probe(client, policy, target, max).await;
    vec![first, again]
}

/// When a scheduled check is due next: one interval after it was due, or after now when
/// it fell that far behind; with up to ±2 % jitter (at most half a second) so checks made
/// together drift apart. The jitter is centred on zero, so over many rounds a check runs
/// exactly as often as its interval says.
pub fn next_due(due: DateTime<Utc>, interval_secs: i32, now: DateTime<Utc>) -> DateTime<Utc> {
    let interval = chrono::Duration::seconds(i64::from(interval_secs.max(1)));
    let next = if due + interval > now { due + interval } else { now + interval };
    let jitter_ms = (i64::from(interval_secs) * 20).min(500);
    next + chrono::Duration::milliseconds(fastrand::i64(-jitter_ms..=jitter_ms))
}

/// Applies results of one check in the caller's transaction. `scheduled` is when the
/// probe was due and how late it started (none for "check now", which leaves the
/// schedule alone). Answers the state it moved to, if it moved; nothing if the check is
/// gone.
pub async fn apply(
    tx: &mut PgConnection,
    tenant: Uuid,
    check: Uuid,
    results: &[ProbeResult],
    scheduled: Option<(DateTime<Utc>, i32)>,
) -> Result<Option<CheckState>, AppError> {
    let Some(last) = results.last() else { return Ok(None) };
    let Some(l) = db::monitoring::lock(&mut *tx, tenant, check).await? else { return Ok(None) };
    let mut t = Tracker::from(l.tracker);
    for r in results {
        t = t.count(r.outcome);
    }
    let old = t.state;
    let new = t.wants(l.down_after, l.up_after);
    if let Some(s) = new {
        t.state = s;
    }
    let rows: Vec<(ProbeResult, Option<i32>)> = results
        .iter()
        .enumerate()
        .map(|(i, r)| (r.clone(), scheduled.filter(|_| i == 0).map(|(_, lag)| lag)))
        .collect();
    db::monitoring::insert_results(&mut *tx, tenant, check, &rows).await?;
    let next = scheduled.map(|(due, _)| next_due(due, l.interval_secs, Utc::now()));
    db::monitoring::update_after(&mut *tx, tenant, check, &t, new.is_some(), last, next).await?;
    if let Some(s) = new {
        transition(tx, tenant, check, &l, old, s, last).await?;
    }
    Ok(new)
}

/// A change of state: incidents and their events.
async fn transition(
    tx: &mut PgConnection,
    tenant: Uuid,
    check: Uuid,
    l: &db::monitoring::Locked,
    old: CheckState,
    new: CheckState,
    last: &ProbeResult,
) -> Result<(), AppError> {
    let open = db::monitoring::open_incident(&mut *tx, tenant, check).await?;
    let detail = last.detail.as_deref();
    if new.is_bad() {
        match open {
            Some((id, worst, announced)) => {
                if new > worst {
                    db::monitoring::escalate(&mut *tx, tenant, id, new, last.cause, detail).await?;
                    if announced {
                        event(tx, tenant, id, "health.down", l, check, new, last, None).await?;
                    }
                }
            }
            None => {
                let recent = db::monitoring::results(
                    &mut *tx,
                    tenant,
                    check,
                    last.at - chrono::Duration::days(1),
                    last.at + chrono::Duration::seconds(1),
                    10,
                )
                .await?;
                let failing: Vec<ProbeResult> =
                    recent.into_iter().filter(|r| r.outcome != Outcome::Up).take(5).collect();
                let announced = l.silenced_until.is_none_or(|u| u <= Utc::now());
                let id = db::monitoring::open(
                    &mut *tx, tenant, check, new, last.cause, detail, last.at, announced, &failing,
                )
                .await?;
                if announced {
                    let topic = if new == CheckState::Down { "health.down" } else { "health.degraded" };
                    event(tx, tenant, id, topic, l, check, new, last, None).await?;
                }
            }
        }
    } else if new == CheckState::Up && old.is_bad() {
        if let Some((id, worst, announced)) = open {
            db::monitoring::close(&mut *tx, tenant, id, last.at).await?;
            if announced {
                event(tx, tenant, id, "health.recovered", l, check, worst, last, Some(last.at)).await?;
            }
        }
    }
    Ok(())
}

/// A `health.*` event in the outbox (webhooks), once per incident and topic.
#[allow(clippy::too_many_arguments)]
async fn event(
    tx: &mut PgConnection,
    tenant: Uuid,
    incident: Uuid,
    topic: &str,
    l: &db::monitoring::Locked,
    check: Uuid,
    state: CheckState,
    last: &ProbeResult,
    ended_at: Option<DateTime<Utc>>,
) -> Result<(), AppError> {
    let payload = json!({
        "incident_id": incident,
        "check_id": check,
        "check_name": l.name,
        "url": l.url,
        "state": state,
        "cause": last.cause,
        "detail": last.detail,
        "status": last.status,
        "response_ms": last.ms,
        "at": last.at,
        "ended_at": ended_at,
    });
    db::outbox::insert_once(&mut *tx, &format!("{topic}:{incident}"), tenant, topic, &payload).await?;
    Ok(())
}

/// Emails owners about announced incidents not mailed yet (see `alerts_worker`).
pub async fn mail(state: &AppState) -> Result<usize, AppError> {
    let mut tx = state.pool.begin().await?;
    let mut sent = 0;
    for m in db::monitoring::to_mail(&mut tx, 50).await? {
        let Some(incident): Option<Incident> = db::monitoring::incident(&mut *tx, m.tenant_id, m.id).await? else {
            continue;
        };
        let Some(tenant) = db::tenants::by_id(&mut *tx, m.tenant_id).await? else { continue };
        let owners = db::notifications::email_recipients(&mut *tx, m.tenant_id, NotifyEvent::Health).await?;
        let mut ok = true;
        for to in &owners {
            if let Err(e) = state.mailer.send_health_alert(to, &tenant, &incident, m.recovered).await {
                tracing::warn!(tenant = %m.tenant_id, incident = %m.id, error = %e, "health alert not sent");
                ok = false;
            }
        }
        if ok {
            db::monitoring::mark_mailed(&mut tx, m.tenant_id, m.id, m.recovered).await?;
            sent += 1;
        }
    }
    tx.commit().await?;
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_keeps_its_phase_and_skips_what_it_missed() {
        let due = Utc::now();
        let n = next_due(due, 30, due + chrono::Duration::milliseconds(300));
        let off = (n - due).num_milliseconds();
        assert!((29_500..=30_500).contains(&off), "{off}");
        let late = due + chrono::Duration::seconds(95);
        let n = next_due(due, 30, late);
        let off = (n - late).num_milliseconds();
        assert!((29_500..=30_500).contains(&off), "{off}");
        // No drift: the mean interval over many rounds is the interval.
        let mut at = due;
        for _ in 0..2_000 {
            at = next_due(at, 30, at);
        }
        let mean = (at - due).num_milliseconds() as f64 / 2_000.0;
        assert!((mean - 30_000.0).abs() < 50.0, "{mean}");
    }
}
