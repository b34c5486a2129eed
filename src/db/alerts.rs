//! Alerts (PRODUCT.md R7): opened when a limit is crossed, resolved when use drops back.
//! The partial unique index `tenant_alerts_one_unresolved` keeps one unresolved alert per
//! tenant, subject and threshold, whatever the number of instances evaluating.

use crate::error::AppError;
use crate::model::alerts::{Alert, AlertFilter, AlertStatus, Threshold};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// A limit crossed right now.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossing {
    pub tenant: Uuid,
    pub subject: String,
    pub threshold: Threshold,
    pub value: f64,
    pub limit: i64,
}

/// (tenant, alert id)
pub type AlertKey = (Uuid, i64);

/// The crossings' (tenant, subject, threshold) as three arrays for `unnest`.
fn keys(crossings: &[Crossing]) -> (Vec<Uuid>, Vec<String>, Vec<String>) {
    let tenants = crossings.iter().map(|c| c.tenant).collect();
    let subjects = crossings.iter().map(|c| c.subject.clone()).collect();
    let thresholds = crossings.iter().map(|c| c.threshold.as_str().to_string()).collect();
    (tenants, subjects, thresholds)
}

/// Opens an alert for every crossing that has none unresolved, and raises the peak of
/// those that have. Answers the alerts it opened.
pub async fn open(db: &mut PgConnection, crossings: &[Crossing]) -> Result<Vec<AlertKey>, AppError> {
    if crossings.is_empty() {
        return Ok(Vec::new());
    }
    let (tenants, subjects, thresholds) = keys(crossings);
    let values: Vec<f64> = crossings.iter().map(|c| c.value).collect();
    let limits: Vec<i64> = crossings.iter().map(|c| c.limit).collect();
    sqlx::query!(
        "update tenant_alerts a set peak_value = greatest(a.peak_value, c.value), limit_value = c.lim
         from unnest($1::uuid[], $2::text[], $3::text[], $4::float8[], $5::int8[]) as c(tenant_id, subject, threshold, value, lim)
         where a.tenant_id = c.tenant_id and a.subject = c.subject and a.threshold = c.threshold
           and a.status <> 'resolved' and (a.peak_value < c.value or a.limit_value <> c.lim)",
        &tenants,
        &subjects,
        &thresholds,
        &values,
        &limits
    )
    .execute(&mut *db)
    .await?;
    let rows = sqlx::query!(
        "insert into tenant_alerts (tenant_id, subject, threshold, opened_value, peak_value, limit_value)
         select c.tenant_id, c.subject, c.threshold, c.value, c.value, c.lim
         from unnest($1::uuid[], $2::text[], $3::text[], $4::float8[], $5::int8[]) as c(tenant_id, subject, threshold, value, lim)
         on conflict (tenant_id, subject, threshold) where status <> 'resolved' do nothing
         returning tenant_id, id",
        &tenants,
        &subjects,
        &thresholds,
        &values,
        &limits
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.tenant_id, r.id)).collect())
}

/// Resolves every unresolved resource alert (soft or hard) whose limit is no longer
/// crossed: those not among `still`. Answers the alerts it resolved.
pub async fn resolve_all_but(db: &mut PgConnection, still: &[Crossing]) -> Result<Vec<AlertKey>, AppError> {
    let (tenants, subjects, thresholds) = keys(still);
    let rows = sqlx::query!(
        "update tenant_alerts a set status = 'resolved', resolved_at = now()
         where a.status <> 'resolved' and a.threshold <> 'cost'
           and not exists (select 1 from unnest($1::uuid[], $2::text[], $3::text[]) as c(tenant_id, subject, threshold)
                           where c.tenant_id = a.tenant_id and c.subject = a.subject and c.threshold = a.threshold)
         returning tenant_id, id",
        &tenants,
        &subjects,
        &thresholds
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.tenant_id, r.id)).collect())
}

/// Opens the tenant's cost alert (already notified: the cost email is its notice), unless
/// one is unresolved. Answers the new alert.
pub async fn open_cost(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    cost_cents: i64,
    threshold_cents: i64,
) -> Result<Option<AlertKey>, AppError> {
    Ok(sqlx::query!(
        "insert into tenant_alerts (tenant_id, subject, threshold, opened_value, peak_value, limit_value, notified_at)
         values ($1, 'cost', 'cost', $2, $2, $3, now())
         on conflict (tenant_id, subject, threshold) where status <> 'resolved' do nothing
         returning tenant_id, id",
        tenant,
        cost_cents as f64,
        threshold_cents
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.tenant_id, r.id)))
}

/// Resolves cost alerts: one tenant's (its threshold changed), or every tenant's opened
/// before `before` (a new month starts from nothing).
pub async fn resolve_cost(
    db: impl PgExecutor<'_>,
    tenant: Option<Uuid>,
    before: Option<DateTime<Utc>>,
) -> Result<Vec<AlertKey>, AppError> {
    let rows = sqlx::query!(
        "update tenant_alerts set status = 'resolved', resolved_at = now()
         where status <> 'resolved' and threshold = 'cost'
           and ($1::uuid is null or tenant_id = $1) and ($2::timestamptz is null or opened_at < $2)
         returning tenant_id, id",
        tenant,
        before
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.tenant_id, r.id)).collect())
}

/// Alerts newest first: one tenant's, or every tenant's (platform lists).
pub async fn list(
    db: impl PgExecutor<'_>,
    tenant: Option<Uuid>,
    filter: AlertFilter,
    limit: i64,
) -> Result<Vec<Alert>, AppError> {
    select(db, tenant, None, filter, limit).await
}

async fn select(
    db: impl PgExecutor<'_>,
    tenant: Option<Uuid>,
    id: Option<i64>,
    filter: AlertFilter,
    limit: i64,
) -> Result<Vec<Alert>, AppError> {
    let unresolved_only = filter == AlertFilter::Unresolved;
    let rows = sqlx::query!(
        r#"select a.id, a.tenant_id, t.name as tenant_name, a.subject,
                  coalesce(r.name, 'Monthly cost') as "subject_name!", coalesce(r.unit, 'cents') as "unit!",
                  a.threshold as "threshold: Threshold", a.status as "status: AlertStatus",
                  a.opened_value, a.peak_value, a.limit_value, a.opened_at, a.acknowledged_at, a.acknowledged_by,
                  a.resolved_at
           from tenant_alerts a
           join tenants t on t.id = a.tenant_id
           left join resource_types r on r.id = a.subject
           where ($1::uuid is null or a.tenant_id = $1) and (not $2 or a.status <> 'resolved')
             and ($4::bigint is null or a.id = $4)
           order by a.opened_at desc, a.id desc
           limit $3"#,
        tenant,
        unresolved_only,
        limit,
        id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Alert {
            id: r.id,
            tenant_id: r.tenant_id,
            tenant_name: r.tenant_name,
            subject: r.subject,
            subject_name: r.subject_name,
            unit: r.unit,
            threshold: r.threshold,
            status: r.status,
            opened_value: r.opened_value,
            peak_value: r.peak_value,
            limit: r.limit_value,
            opened_at: r.opened_at,
            acknowledged_at: r.acknowledged_at,
            acknowledged_by: r.acknowledged_by,
            resolved_at: r.resolved_at,
        })
        .collect())
}

/// Acknowledges an open alert of the tenant. Answers its status afterwards (None: no such
/// alert in this tenant).
pub async fn acknowledge(
    db: &mut PgConnection,
    tenant: Uuid,
    id: i64,
    by: &str,
) -> Result<Option<(AlertStatus, bool)>, AppError> {
    let Some(status) = sqlx::query_scalar!(
        r#"select status as "status: AlertStatus" from tenant_alerts where tenant_id = $1 and id = $2 for update"#,
        tenant,
        id
    )
    .fetch_optional(&mut *db)
    .await?
    else {
        return Ok(None);
    };
    if status != AlertStatus::Open {
        return Ok(Some((status, false)));
    }
    sqlx::query!(
        "update tenant_alerts set status = 'acknowledged', acknowledged_at = now(), acknowledged_by = $3
         where tenant_id = $1 and id = $2",
        tenant,
        id,
        by
    )
    .execute(db)
    .await?;
    Ok(Some((AlertStatus::Acknowledged, true)))
}

/// Unresolved resource alerts whose owners have not been emailed yet, claimed for this
/// transaction (SKIP LOCKED: another instance takes the others).
pub async fn to_notify(db: &mut PgConnection, limit: i64) -> Result<Vec<AlertKey>, AppError> {
    let rows = sqlx::query!(
        "select tenant_id, id from tenant_alerts
         where notified_at is null and status <> 'resolved'
         order by opened_at limit $1
         for update skip locked",
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.tenant_id, r.id)).collect())
}

pub async fn mark_notified(db: impl PgExecutor<'_>, (tenant, id): AlertKey) -> Result<(), AppError> {
    sqlx::query!("update tenant_alerts set notified_at = now() where tenant_id = $1 and id = $2", tenant, id)
        .execute(db)
        .await?;
    Ok(())
}

/// One alert of a tenant.
pub async fn get(db: impl PgExecutor<'_>, (tenant, id): AlertKey) -> Result<Option<Alert>, AppError> {
    Ok(select(db, Some(tenant), Some(id), AlertFilter::All, 1).await?.into_iter().next())
}
