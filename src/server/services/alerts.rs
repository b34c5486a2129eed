//! Alerts (PRODUCT.md R7). A worker opens one when a resource's use crosses its soft or
//! hard limit and resolves it when use drops back; the cost worker opens a cost alert when
//! the month's cost passes the tenant's threshold. Owners are emailed once per alert, and
//! every change goes to the outbox (`alert.opened`, `alert.acknowledged`,
//! `alert.resolved`) for webhooks.

use super::resources::LEVEL_DAYS;
use super::usage::periods::month_bounds;
use crate::db;
use crate::db::alerts::{AlertKey, Crossing};
use crate::db::audit::NewEvent;
use crate::error::AppError;
use crate::model::alerts::{Alert, AlertFilter, AlertStatus, Threshold};
use crate::model::notifications::NotifyEvent;
use crate::model::resources::Level;
use crate::model::Permission;
use crate::server::access::Caller;
use crate::server::state::AppState;
use chrono::{Duration, TimeZone, Utc};
use futures_util::FutureExt;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Alerts a list answers at most.
const LIST_MAX: i64 = 200;
/// Alerts emailed about per round at most (the rest wait for the next round).
const NOTIFY_BATCH: i64 = 100;

/// A tenant's alerts, newest first.
pub async fn list(pool: &PgPool, caller: &Caller, tenant: Uuid, filter: AlertFilter) -> Result<Vec<Alert>, AppError> {
    caller.require_on(tenant, Permission::UsageRead)?;
    db::alerts::list(pool, Some(tenant), filter, LIST_MAX).await
}

/// Every tenant's unresolved alerts, newest first (platform administrators only).
pub async fn platform(pool: &PgPool, caller: &Caller) -> Result<Vec<Alert>, AppError> {
    caller.require(Permission::TenantRead)?;
    if !caller.is_platform_admin() {
        return Err(AppError::forbidden("Only platform administrators can see alerts across tenants."));
    }
    db::alerts::list(pool, None, AlertFilter::Unresolved, LIST_MAX).await
}

/// Marks an open alert as seen. Acknowledging twice is harmless; a resolved alert can't
/// be acknowledged.
pub async fn acknowledge(pool: &PgPool, caller: &Caller, tenant: Uuid, id: i64) -> Result<Alert, AppError> {
    caller.require_on(tenant, Permission::ResourcesManage)?;
    let actor = caller.actor();
    let mut tx = pool.begin().await?;
    match db::alerts::acknowledge(&mut tx, tenant, id, &actor.label).await? {
        None => return Err(AppError::not_found("There is no such alert.")),
        Some((AlertStatus::Resolved, _)) => {
            return Err(AppError::conflict("The alert has already resolved: use dropped back below the limit."))
        }
        Some((_, false)) => {}
        Some((_, true)) => {
            let alert = publish(&mut tx, "alert.acknowledged", &[(tenant, id)]).await?;
            NewEvent::new("alert.acknowledged", "alert", id.to_string())
                .in_tenant(tenant)
                .after(json!(alert.first()))
                .record(&mut *tx, &actor)
                .await?;
        }
    }
    tx.commit().await?;
    db::alerts::get(pool, (tenant, id)).await?.ok_or_else(|| AppError::not_found("There is no such alert."))
}

/// Writes one outbox event per alert (its state after the change); answers the alerts.
async fn publish(db: &mut PgConnection, topic: &str, keys: &[AlertKey]) -> Result<Vec<Alert>, AppError> {
    let mut out = Vec::with_capacity(keys.len());
    for &key in keys {
        let Some(alert) = db::alerts::get(&mut *db, key).await? else { continue };
        let event_key = format!("{topic}:{}:{}", key.0, key.1);
        db::outbox::insert_once(&mut *db, &event_key, key.0, topic, &json!({ "alert": alert })).await?;
        // A hard limit reached is also the services' signal to stop taking more.
        if topic == "alert.opened" && alert.threshold == Threshold::Hard {
            let payload = json!({ "resource": alert.subject, "used": alert.opened_value, "limit": alert.limit, "unit": alert.unit, "alert_id": alert.id });
            db::outbox::insert_once(
                &mut *db,
                &format!("quota.exceeded:{}:{}", key.0, key.1),
                key.0,
                "quota.exceeded",
                &payload,
            )
            .await?;
        }
        out.push(alert);
    }
    Ok(out)
}

/// What crosses a limit right now: every active tenant's resources at or over the soft
/// limit (a soft crossing) and at the hard limit (a hard one too). Where the soft limit
/// is the hard one (1 custom domain: 80 % rounds up to the whole), only the hard
/// crossing counts: two alerts would say the same thing twice.
fn crossings(near: Vec<crate::model::resources::NearLimit>) -> Vec<Crossing> {
    let mut out = Vec::with_capacity(near.len() * 2);
    for n in near {
        if n.level == Level::Hard {
            out.push(Crossing {
                tenant: n.tenant_id,
                subject: n.resource.clone(),
                threshold: Threshold::Hard,
                value: n.used,
                limit: n.limits.hard_limit,
            });
            if n.limits.soft_limit >= n.limits.hard_limit {
                continue;
            }
        }
        out.push(Crossing {
            tenant: n.tenant_id,
            subject: n.resource,
            threshold: Threshold::Soft,
            value: n.used,
            limit: n.limits.soft_limit,
        });
    }
    out
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub opened: usize,
    pub resolved: usize,
    pub notified: usize,
}

/// One round of the `limit-alerts` worker: opens and resolves resource alerts against
/// current use, resolves last month's cost alerts, then emails owners about new alerts.
/// The open/resolve pass holds an advisory lock, so instances never evaluate at once.
pub async fn evaluate(state: &AppState) -> Result<Round, AppError> {
    let pool = &state.pool;
    let today = Utc::now().date_naive();
    let (start, _) = month_bounds(today);
    let month_start = Utc.from_utc_datetime(&start.and_hms_opt(0, 0, 0).unwrap_or_default());
    let near = db::resources::near_limits(pool, start, today - Duration::days(LEVEL_DAYS), i64::MAX).await?;
    let now = crossings(near);
    let changed = crate::server::workers::exclusive(pool, "limit-alerts", move |conn| {
        async move {
            let opened = db::alerts::open(conn, &now).await?;
            let mut resolved = db::alerts::resolve_all_but(conn, &now).await?;
            resolved.extend(db::alerts::resolve_cost(&mut *conn, None, Some(month_start)).await?);
            publish(conn, "alert.opened", &opened).await?;
            publish(conn, "alert.resolved", &resolved).await?;
            Ok((opened.len(), resolved.len()))
        }
        .boxed()
    })
    .await?;
    let (opened, resolved) = changed.unwrap_or_default();
    let notified = notify(state).await?;
    Ok(Round { opened, resolved, notified })
}

/// Emails the owners of each tenant with an alert they haven't heard of. The alert is
/// marked in the transaction that claimed it (SKIP LOCKED), so two instances never both
/// send; a failed send leaves it for the next round.
async fn notify(state: &AppState) -> Result<usize, AppError> {
    let pool = &state.pool;
    let mut tx = pool.begin().await?;
    let mut sent = 0;
    for key in db::alerts::to_notify(&mut tx, NOTIFY_BATCH).await? {
        let Some(alert) = db::alerts::get(&mut *tx, key).await? else { continue };
        let event = if alert.subject == "cost" { NotifyEvent::Billing } else { NotifyEvent::Alerts };
        let owners = db::notifications::email_recipients(&mut *tx, key.0, event).await?;
        let mut ok = true;
        for to in &owners {
            if let Err(e) = state.mailer.send_limit_alert(to, &alert).await {
                tracing::warn!(tenant = %key.0, alert = key.1, error = %e, "limit alert not sent");
                ok = false;
            }
        }
        if ok {
            db::alerts::mark_notified(&mut *tx, key).await?;
            sent += 1;
        }
    }
    tx.commit().await?;
    Ok(sent)
}

/// The cost worker found the tenant's cost past its threshold: open its cost alert (its
/// email was the cost alert email) in the caller's transaction.
pub async fn cost_crossed(
    db: &mut PgConnection,
    tenant: Uuid,
    cost_cents: i64,
    threshold: i64,
) -> Result<(), AppError> {
    if let Some(key) = db::alerts::open_cost(&mut *db, tenant, cost_cents, threshold).await? {
        publish(db, "alert.opened", &[key]).await?;
    }
    Ok(())
}

/// The tenant's cost threshold changed: its cost alert (if any) resolves; the next check
/// opens a new one if the new threshold is passed too.
pub async fn cost_threshold_changed(db: &mut PgConnection, tenant: Uuid) -> Result<(), AppError> {
    let resolved = db::alerts::resolve_cost(&mut *db, Some(tenant), None).await?;
    publish(db, "alert.resolved", &resolved).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::{Limits, NearLimit};

    fn near(used: f64, soft_limit: i64, hard_limit: i64, level: Level) -> NearLimit {
        NearLimit {
            tenant_id: Uuid::nil(),
            tenant_name: "T".into(),
            tenant_slug: "t".into(),
            resource: "custom_domains".into(),
            resource_name: "Custom domains".into(),
            unit: "domains".into(),
            used,
            limits: Limits { allocated: hard_limit, soft_limit, hard_limit },
            level,
        }
    }

    fn kinds(c: &[Crossing]) -> Vec<(Threshold, i64)> {
        c.iter().map(|c| (c.threshold, c.limit)).collect()
    }

    #[test]
    fn a_soft_limit_equal_to_the_hard_one_raises_only_the_hard_alert() {
        assert_eq!(kinds(&crossings(vec![near(1.0, 1, 1, Level::Hard)])), [(Threshold::Hard, 1)]);
        assert_eq!(
            kinds(&crossings(vec![near(10.0, 8, 10, Level::Hard)])),
            [(Threshold::Hard, 10), (Threshold::Soft, 8)],
            "a lower soft limit keeps its own alert"
        );
        assert_eq!(kinds(&crossings(vec![near(9.0, 8, 10, Level::Soft)])), [(Threshold::Soft, 8)]);
    }
}
