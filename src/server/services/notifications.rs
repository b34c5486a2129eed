//! Notifications (PRODUCT.md C5): each person's choices (per tenant and kind of event, by
//! email and in the app), the notification centre, and the `notifications` worker, which
//! turns outbox events into notifications for the members who want them and emails those
//! that have no richer email of their own.
//!
//! Every email about a tenant's events honours the same choices: the workers that send
//! their own (limit, cost and health alerts, disabled webhooks) ask
//! `db::notifications::email_recipients` whom to write to.

use crate::db::{self, notifications::Notice};
use crate::error::AppError;
use crate::model::messages::SIGN_IN;
use crate::model::notifications::{Inbox, NotifyEvent, Preferences, PreferencesUpdate, MAX_CHANGES};
use crate::server::access::{Caller, Principal};
use crate::server::state::AppState;
use crate::server::workers::{Round, Worker};
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// Emailing a notification is given up after this many failed tries (one per round).
const MAX_MAIL_TRIES: i32 = 5;
const BATCH: i64 = 200;

/// The person calling: notifications belong to people, not API keys.
fn person(caller: &Caller) -> Result<Uuid, AppError> {
    match &caller.principal {
        Principal::User(me) => Ok(me.id),
        Principal::ApiKey(_) => Err(AppError::forbidden("Notifications belong to people; an API key has none.")),
        _ => Err(AppError::unauthorized(SIGN_IN)),
    }
}

/// The caller's choices for every tenant they belong to, and their unread count.
pub async fn preferences(pool: &PgPool, caller: &Caller) -> Result<Preferences, AppError> {
    let me = person(caller)?;
    Ok(Preferences {
        preferences: db::notifications::preferences(pool, me).await?,
        unread: db::notifications::unread(pool, me).await?,
    })
}

/// Saves the caller's choices, all or none: a tenant they don't belong to is a 404.
pub async fn set_preferences(
    pool: &PgPool,
    caller: &Caller,
    update: &PreferencesUpdate,
) -> Result<Preferences, AppError> {
    let me = person(caller)?;
    if update.preferences.is_empty() || update.preferences.len() > MAX_CHANGES {
        return Err(AppError::invalid("preferences", format!("Send between 1 and {MAX_CHANGES} choices.")));
    }
    let mut tx = pool.begin().await?;
    for c in &update.preferences {
        if !db::notifications::set_preference(&mut *tx, me, c).await? {
            return Err(AppError::not_found(crate::model::messages::NO_TENANT));
        }
    }
    tx.commit().await?;
    preferences(pool, caller).await
}

/// The caller's notification centre: the newest `limit` (1–100) and the unread count.
pub async fn inbox(pool: &PgPool, caller: &Caller, limit: i64) -> Result<Inbox, AppError> {
    let me = person(caller)?;
    let items = db::notifications::inbox(pool, me, limit.clamp(1, 100)).await?;
    Ok(Inbox { items, unread: db::notifications::unread(pool, me).await? })
}

/// How many of the caller's in-app notifications are unread (the sidebar's badge).
pub async fn unread(pool: &PgPool, caller: &Caller) -> Result<i64, AppError> {
    db::notifications::unread(pool, person(caller)?).await
}

/// Marks the caller's notifications read (these, or all); answers the unread count left.
pub async fn mark_read(pool: &PgPool, caller: &Caller, ids: Option<Vec<i64>>) -> Result<i64, AppError> {
    let me = person(caller)?;
    if ids.as_ref().is_some_and(|i| i.len() > 1000) {
        return Err(AppError::invalid("ids", "At most 1,000 at once."));
    }
    db::notifications::mark_read(pool, me, ids.as_deref()).await?;
    db::notifications::unread(pool, me).await
}

/// What an outbox event tells the members, if anything: kind, title, details, link, and
/// whether this worker emails it (false when its own worker sends a richer email).
fn describe(tenant: Uuid, topic: &str, p: &Value) -> Option<(NotifyEvent, String, String, String, bool)> {
    let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let reason = || match s("reason") {
        r if r.is_empty() => String::new(),
        r => format!("Reason: {r}"),
    };
    let tenant_page = format!("/tenants/{tenant}");
    Some(match topic {
        "tenant.activated" => (NotifyEvent::Lifecycle, "The tenant is active".into(), String::new(), tenant_page, true),
        "tenant.suspended" => (NotifyEvent::Lifecycle, "The tenant was suspended".into(), reason(), tenant_page, true),
        "tenant.resumed" => (NotifyEvent::Lifecycle, "The tenant was resumed".into(), String::new(), tenant_page, true),
        "tenant.terminating" => {
            (NotifyEvent::Lifecycle, "The tenant is being terminated".into(), reason(), tenant_page, true)
        }
        "tenant.plan_changed" => (
            NotifyEvent::Lifecycle,
            format!("The tenant moved to the {} plan", s("to")),
            String::new(),
            tenant_page,
            true,
        ),
        "tenant.failed" => {
            (NotifyEvent::Lifecycle, "The tenant's provisioning failed".into(), reason(), tenant_page, true)
        }
        "member.joined" => (
            NotifyEvent::Members,
            format!("{} joined as {}", s("email"), s("role")),
            String::new(),
            format!("{tenant_page}/members"),
            true,
        ),
        "member.removed" => (
            NotifyEvent::Members,
            format!("{} left the tenant", s("email")),
            String::new(),
            format!("{tenant_page}/members"),
            true,
        ),
        "member.role_changed" => (
            NotifyEvent::Members,
            format!("{} is now {}", s("email"), s("role")),
            format!("Was {}.", s("from")),
            format!("{tenant_page}/members"),
            true,
        ),
        "alert.opened" => {
            let a: crate::model::alerts::Alert = serde_json::from_value(p.get("alert")?.clone()).ok()?;
            let event = if a.subject == "cost" { NotifyEvent::Billing } else { NotifyEvent::Alerts };
            let link =
                if a.subject == "cost" { format!("{tenant_page}/usage") } else { format!("{tenant_page}/resources") };
            (event, a.headline(), a.detail(), link, false)
        }
        "policy.notified" => {
            let name = p.pointer("/policy/spec/name").and_then(Value::as_str).unwrap_or("An auto-scaling policy");
            (
                NotifyEvent::Alerts,
                format!("{name}: its condition held"),
                String::new(),
                format!("{tenant_page}/policies"),
                true,
            )
        }
        "health.down" | "health.degraded" | "health.recovered" => {
            let what = match topic {
                "health.down" => "is down",
                "health.degraded" => "is degraded",
                _ => "has recovered",
            };
            (
                NotifyEvent::Health,
                format!("{} {what}", s("check_name")),
                s("detail"),
                format!("{tenant_page}/health"),
                false,
            )
        }
        _ => return None,
    })
}

/// The worker: every instance runs it; outbox events and emails are claimed with SKIP
/// LOCKED, so each is handled once.
pub fn worker() -> Worker {
    Worker::new(
        "notifications",
        "Turns tenant events into notifications for the members who want them, and emails them",
        Duration::from_secs(2),
        |state: AppState| async move { round(&state).await },
    )
}

async fn round(state: &AppState) -> Result<Round, AppError> {
    let mut tx = state.pool.begin().await?;
    let events = db::notifications::claim_outbox(&mut tx, BATCH).await?;
    for e in &events {
        let Some(tenant) = e.tenant_id else { continue };
        let Some((event, title, body, link, mail)) = describe(tenant, &e.topic, &e.payload) else { continue };
        let key = format!("outbox:{}", e.id);
        let n = Notice { tenant, event, key: &key, title: &title, body: &body, link: &link, mail, at: e.created_at };
        db::notifications::notify(&mut *tx, &n).await?;
    }
    tx.commit().await?;
    let mut tx = state.pool.begin().await?;
    let mails = db::notifications::claim_mail(&mut tx, BATCH).await?;
    for m in &mails {
        let ok = match state.mailer.send_notice(&m.email, &m.tenant_name, &m.title, &m.body, &m.link).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(tenant = %m.tenant_id, notification = m.id, tries = m.tries + 1, error = %e, "notification email not sent");
                false
            }
        };
        db::notifications::mailed(&mut tx, m.tenant_id, m.id, ok, MAX_MAIL_TRIES).await?;
    }
    tx.commit().await?;
    let busy = events.len() as i64 >= BATCH || mails.len() as i64 >= BATCH;
    Ok(Round { next: busy.then_some(Duration::ZERO), ..Round::default() })
}

/// Writes an in-app notice for an event that has no outbox event of its own (a webhook
/// endpoint disabled), in the caller's transaction or pool.
pub async fn tell(db: impl sqlx::PgExecutor<'_>, n: &Notice<'_>) -> Result<(), AppError> {
    db::notifications::notify(db, n).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outbox_topics_become_notices_of_their_kind() {
        let t = Uuid::nil();
        let (e, title, body, _, mail) =
            describe(t, "tenant.suspended", &json!({ "reason": "Payment overdue" })).unwrap();
        assert_eq!(
            (e, title.as_str(), body.as_str(), mail),
            (NotifyEvent::Lifecycle, "The tenant was suspended", "Reason: Payment overdue", true)
        );
        let (e, title, ..) =
            describe(t, "member.role_changed", &json!({ "email": "a@x.example", "role": "admin", "from": "member" }))
                .unwrap();
        assert_eq!((e, title.as_str()), (NotifyEvent::Members, "a@x.example is now admin"));
        let (e, _, _, link, mail) = describe(t, "health.down", &json!({ "check_name": "API" })).unwrap();
        assert_eq!((e, mail), (NotifyEvent::Health, false), "health has its own email");
        assert!(link.ends_with("/health"));
        assert!(describe(t, "webhook.test", &json!({})).is_none());
        assert!(describe(t, "alert.opened", &json!({ "alert": "not an alert" })).is_none());
    }
}
