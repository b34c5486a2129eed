//! The `webhooks` worker's round: outbox events become deliveries (one per subscribed
//! endpoint), then due deliveries are claimed and sent, signed, at most `concurrency` at
//! once, and their outcomes written in one batch.
//!
//! At least once: a delivery is claimed with a lease (its next attempt is set to when the
//! lease ends) before it is sent, so a process killed mid-send leaves it due again; the
//! receiver sees the same `webhook-id`. Retries follow `model::webhooks::RETRY_SCHEDULE`
//! with ±10 % jitter, later when the receiver's `Retry-After` asks; 410 Gone disables the
//! endpoint; an endpoint failing for 5 days is disabled and its owners are emailed.

use super::sign;
use crate::db;
use crate::db::audit::NewEvent;
use crate::db::notifications::Notice;
use crate::db::webhooks::{Claimed, Outcome};
use crate::error::AppError;
use crate::model::notifications::NotifyEvent;
use crate::model::webhooks::{retry_after, DeliveryStatus, DISABLE_AFTER_DAYS};
use crate::model::Actor;
use crate::server::outbound::{Policy, Refused};
use crate::server::state::AppState;
use crate::server::workers::Round;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde_json::json;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Bytes of an answer's body kept in the log.
const EXCERPT: usize = 1024;
/// The longest wait a `Retry-After` can ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// How long a claimed delivery stays claimed: twice an attempt's timeout and a margin.
pub fn lease(state: &AppState) -> Duration {
    Duration::from_secs(state.config.webhooks.timeout_secs.max(1) * 2 + 5)
}

/// One round: dispatch, then send what is due. Asks for another round at once when
/// either batch was full.
pub async fn round(state: &AppState) -> Result<Round, AppError> {
    let cfg = &state.config.webhooks;
    let batch = cfg.batch.max(1);
    let (events, _) = db::webhooks::dispatch(&state.pool, batch).await?;
    let claimed = db::webhooks::claim(&state.pool, batch, lease(state)).await?;
    let sent = claimed.len() as i64;
    if !claimed.is_empty() {
        let policy = state.outbound.policy.clone();
        let client = state.outbound.webhook_client(Duration::from_secs(cfg.timeout_secs.max(1)));
        let outcomes: Vec<Outcome> = futures_util::stream::iter(claimed)
            .map(|c| attempt(client, &policy, c))
            .buffer_unordered(cfg.concurrency.max(1))
            .collect()
            .await;
        settle(state, &outcomes).await?;
    }
    let busy = events >= batch || sent >= batch;
    let lag = db::webhooks::lag(&state.pool).await?.map(|s| Duration::from_secs_f64(s.max(0.0)));
    Ok(Round { lag, next: busy.then_some(Duration::ZERO) })
}

/// Writes the outcomes; disables endpoints that answered 410 or have failed for 5 days
/// (their pending deliveries fail with them), audits that, and emails their owners.
async fn settle(state: &AppState, outcomes: &[Outcome]) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let failing_since = Utc::now() - chrono::Duration::days(DISABLE_AFTER_DAYS);
    let failing = db::webhooks::record(&mut tx, outcomes, failing_since).await?;
    let mut gone: Vec<(Uuid, Uuid)> =
        outcomes.iter().filter(|o| o.response_status == Some(410)).map(|o| (o.tenant_id, o.endpoint_id)).collect();
    gone.sort();
    gone.dedup();
    let reasons = [
        (gone, "It answered 410 Gone: the receiver asked not to be sent more.".to_string()),
        (failing, format!("Every delivery failed for {DISABLE_AFTER_DAYS} days.")),
    ];
    let mut disabled = Vec::new();
    let system = Actor::system(None);
    for (keys, reason) in reasons {
        for (tenant, id) in db::webhooks::disable(&mut tx, &keys, &reason).await? {
            NewEvent::new("webhook.disabled", "webhook", id)
                .in_tenant(tenant)
                .after(json!({ "status": "disabled", "reason": reason }))
                .record(&mut *tx, &system)
                .await?;
            disabled.push((tenant, id, reason.clone()));
        }
    }
    tx.commit().await?;
    for (tenant, id, reason) in disabled {
        tell_owners(state, tenant, id, &reason).await;
    }
    Ok(())
}

/// Emails the tenant's owners that an endpoint was disabled (best effort: the endpoint
/// shows it, and the audit trail has it).
async fn tell_owners(state: &AppState, tenant: Uuid, id: Uuid, reason: &str) {
    let found = async {
        let t = db::tenants::by_id(&state.pool, tenant).await?;
        let e = db::webhooks::endpoint(&state.pool, tenant, id).await?;
        let owners = db::notifications::email_recipients(&state.pool, tenant, NotifyEvent::Alerts).await?;
        Ok::<_, AppError>((t, e, owners))
    }
    .await;
    let Ok((Some(t), Some(e), owners)) = found else { return };
    let key = format!("webhook-disabled:{id}:{}", chrono::Utc::now().timestamp());
    let title = format!("Webhooks to {} were switched off", e.url);
    let link = format!("/tenants/{tenant}/webhooks");
    let notice = Notice {
        tenant,
        event: NotifyEvent::Alerts,
        key: &key,
        title: &title,
        body: reason,
        link: &link,
        mail: false,
        at: chrono::Utc::now(),
    };
    if let Err(err) = crate::server::services::notifications::tell(&state.pool, &notice).await {
        tracing::warn!(tenant = %tenant, endpoint = %id, error = %err, "webhook-disabled notification not written");
    }
    for to in owners {
        if let Err(err) = state.mailer.send_webhook_disabled(&to, &t, &e.url, reason).await {
            tracing::warn!(tenant = %tenant, endpoint = %id, error = %err, "webhook-disabled email not sent");
        }
    }
}

/// Sends one delivery once and says how it went.
async fn attempt(client: &reqwest::Client, policy: &Policy, c: Claimed) -> Outcome {
    let started = Instant::now();
    let mut out = Outcome {
        tenant_id: c.tenant_id,
        id: c.id,
        endpoint_id: c.endpoint_id,
        status: DeliveryStatus::Pending,
        next_attempt_at: None,
        response_status: None,
        response_ms: 0,
        excerpt: None,
        error: None,
    };
    let mut asked_wait = None;
    match send(client, policy, &c).await {
        Ok((code, wait, excerpt)) => {
            out.response_status = Some(i32::from(code));
            out.excerpt = Some(excerpt);
            asked_wait = wait;
            if (200..300).contains(&code) {
                out.status = DeliveryStatus::Succeeded;
            } else if code == 410 {
                out.status = DeliveryStatus::Failed;
                out.error = Some("410 Gone: the endpoint is disabled.".into());
            } else {
                out.error = Some(format!("The receiver answered {code}."));
            }
        }
        Err(e) => out.error = Some(e),
    }
    out.response_ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
    if out.status == DeliveryStatus::Pending {
        match retry_after(c.attempt) {
            Some(wait) => out.next_attempt_at = Some(next_at(Utc::now(), wait, asked_wait)),
            None => {
                out.status = DeliveryStatus::Failed;
                let last = out.error.take().unwrap_or_default();
                out.error = Some(format!("{last} That was the last of {} attempts.", c.attempt).trim().to_string());
            }
        }
    }
    out
}

/// When to try again: the schedule's wait with ±10 % jitter, or the receiver's
/// `Retry-After` if that is later (at most a day).
fn next_at(now: DateTime<Utc>, scheduled: Duration, asked: Option<Duration>) -> DateTime<Utc> {
    let jitter = 0.9 + fastrand::f64() * 0.2;
    let wait = scheduled.mul_f64(jitter).max(asked.unwrap_or_default().min(MAX_RETRY_AFTER));
    now + chrono::Duration::from_std(wait).unwrap_or_else(|_| chrono::Duration::hours(24))
}

/// POSTs the delivery: answers the status, a `Retry-After` wait and the body's first
/// kilobyte, or why there was no answer.
async fn send(
    client: &reqwest::Client,
    policy: &Policy,
    c: &Claimed,
) -> Result<(u16, Option<Duration>, String), String> {
    let url = reqwest::Url::parse(&c.url).map_err(|e| format!("The endpoint's URL is not valid ({e})."))?;
    policy.check_literal(&url).map_err(|e| e.0)?;
    let timestamp = Utc::now().timestamp();
    let mut secrets = vec![c.secret.as_str()];
    secrets.extend(c.previous_secret.as_deref());
    let res = client
        .post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &c.msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", sign::header(&secrets, &c.msg_id, timestamp, &c.body))
        .body(c.body.clone())
        .send()
        .await
        .map_err(describe)?;
    let code = res.status().as_u16();
    let wait = res.headers().get(http::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
    Ok((code, wait, excerpt(res).await))
}

/// The first kilobyte of the body (the rest is not read).
async fn excerpt(mut res: reqwest::Response) -> String {
    let mut buf = Vec::new();
    while buf.len() < EXCERPT {
        match res.chunk().await {
            Ok(Some(b)) => buf.extend_from_slice(&b),
            _ => break,
        }
    }
    buf.truncate(EXCERPT);
    String::from_utf8_lossy(&buf).trim_end_matches('\u{fffd}').to_string()
}

/// `Retry-After`: seconds, or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    (at - Utc::now()).to_std().ok()
}

/// Why a request got no answer, for the delivery log (never the portal's internals).
fn describe(e: reqwest::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<Refused>() {
            return format!("Refused by the outbound policy: {r}");
        }
        source = s.source();
    }
    if e.is_timeout() {
        "No answer in time (the request timed out).".into()
    } else if e.is_connect() {
        "Could not connect to the endpoint.".into()
    } else {
        "The request failed before an answer arrived.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_follow_the_schedule_with_jitter_and_retry_after() {
        let now = Utc::now();
        for _ in 0..50 {
            let at = next_at(now, Duration::from_secs(300), None);
            let secs = (at - now).num_milliseconds() as f64 / 1000.0;
            assert!((270.0..=330.0).contains(&secs), "{secs}");
        }
        let at = next_at(now, Duration::from_secs(5), Some(Duration::from_secs(120)));
        assert_eq!((at - now).num_seconds(), 120);
        let at = next_at(now, Duration::from_secs(5), Some(Duration::from_secs(10 * 24 * 3600)));
        assert_eq!((at - now).num_hours(), 24);
        assert_eq!(parse_retry_after("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("soon"), None);
        let later = (Utc::now() + chrono::Duration::seconds(90)).to_rfc2822();
        let d = parse_retry_after(&later).unwrap();
        assert!((85..=90).contains(&d.as_secs()), "{d:?}");
    }
}
