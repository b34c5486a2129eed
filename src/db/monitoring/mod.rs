//! Health checks, their results, hourly rollups and incidents (PRODUCT.md H2–H4).
//!
//! Row-shaped reads use `FromRow` on the stored columns (checked by the integration
//! tests); every query names its tenant. This module holds the checks and their claims;
//! `results` the probe results and rollups, `incidents` the incidents.

mod incidents;
mod results;

pub use incidents::*;
pub use results::*;

use crate::error::AppError;
use crate::model::monitoring::*;
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;

#[derive(FromRow)]
struct CheckRow {
    tenant_id: Uuid,
    id: Uuid,
    name: String,
    url: String,
    method: String,
    expected_status: String,
    timeout_ms: i32,
    interval_secs: i32,
    body_contains: Option<String>,
    slow_ms: Option<i32>,
    cert_expiry_days: i32,
    down_after: i32,
    up_after: i32,
    enabled: bool,
    state: CheckState,
    state_since: DateTime<Utc>,
    last_checked_at: Option<DateTime<Utc>>,
    last_status: Option<i32>,
    last_ms: Option<i32>,
    last_cause: Option<Cause>,
    last_detail: Option<String>,
    next_due_at: DateTime<Utc>,
    silenced_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<CheckRow> for Check {
    fn from(r: CheckRow) -> Self {
        Check {
            id: r.id,
            tenant_id: r.tenant_id,
            name: r.name,
            url: r.url,
            method: r.method,
            expected_status: r.expected_status,
            timeout_ms: r.timeout_ms,
            interval_secs: r.interval_secs,
            body_contains: r.body_contains,
            slow_ms: r.slow_ms,
            cert_expiry_days: r.cert_expiry_days,
            down_after: r.down_after,
            up_after: r.up_after,
            enabled: r.enabled,
            state: r.state,
            state_since: r.state_since,
            last_checked_at: r.last_checked_at,
            last_status: r.last_status,
            last_ms: r.last_ms,
            last_cause: r.last_cause,
            last_detail: r.last_detail,
            next_due_at: r.next_due_at,
            silenced_until: r.silenced_until,
            created_at: r.created_at,
        }
    }
}

const CHECK_COLUMNS: &str = "tenant_id, id, name, url, method, expected_status, timeout_ms, interval_secs, \
    body_contains, slow_ms, cert_expiry_days, down_after, up_after, enabled, state, state_since, last_checked_at, \
    last_status, last_ms, last_cause, last_detail, next_due_at, silenced_until, created_at";

/// The tenant's checks, by name.
pub async fn checks(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<Vec<Check>, AppError> {
    let q = format!("select {CHECK_COLUMNS} from health_checks where tenant_id = $1 order by lower(name), id");
    let rows: Vec<CheckRow> = sqlx::query_as(&q).bind(tenant).fetch_all(db).await?;
    Ok(rows.into_iter().map(Check::from).collect())
}

pub async fn check(db: impl PgExecutor<'_>, tenant: Uuid, id: Uuid) -> Result<Option<Check>, AppError> {
    let q = format!("select {CHECK_COLUMNS} from health_checks where tenant_id = $1 and id = $2");
    let row: Option<CheckRow> = sqlx::query_as(&q).bind(tenant).bind(id).fetch_optional(db).await?;
    Ok(row.map(Check::from))
}

pub async fn count(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("select count(*) from health_checks where tenant_id = $1").bind(tenant).fetch_one(db).await?)
}

/// Inserts a check; its first probe is due at `first_due` (spread over the interval so
/// checks made together don't probe together).
pub async fn insert(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    c: &CheckInput,
    first_due: DateTime<Utc>,
    created_by: &str,
) -> Result<Check, AppError> {
    let q = format!(
        "insert into health_checks (tenant_id, name, url, method, expected_status, timeout_ms, interval_secs,
             body_contains, slow_ms, cert_expiry_days, down_after, up_after, enabled, next_due_at, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         returning {CHECK_COLUMNS}"
    );
    let row: CheckRow = bind_input(sqlx::query_as(&q).bind(tenant), c)
        .bind(first_due)
        .bind(created_by)
        .fetch_one(db)
        .await
        .map_err(|e| AppError::from_constraint(e, &[("health_checks_tenant_id_name_key", name_taken())]))?;
    Ok(row.into())
}

fn name_taken() -> AppError {
    AppError::conflict_on("name", "This tenant has a check with that name already.")
}

fn bind_input<'q>(
    q: sqlx::query::QueryAs<'q, sqlx::Postgres, CheckRow, sqlx::postgres::PgArguments>,
    c: &'q CheckInput,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, CheckRow, sqlx::postgres::PgArguments> {
    q.bind(&c.name)
        .bind(&c.url)
        .bind(&c.method)
        .bind(&c.expected_status)
        .bind(c.timeout_ms)
        .bind(c.interval_secs)
        .bind(&c.body_contains)
        .bind(c.slow_ms)
        .bind(c.cert_expiry_days)
        .bind(c.down_after)
        .bind(c.up_after)
        .bind(c.enabled)
}

/// Replaces a check's definition; it is probed again soon (the next due time moves no
/// later than `due`). Its state and history stay.
pub async fn replace(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    id: Uuid,
    c: &CheckInput,
    due: DateTime<Utc>,
) -> Result<Option<Check>, AppError> {
    let q = format!(
        "update health_checks set name = $3, url = $4, method = $5, expected_status = $6, timeout_ms = $7,
             interval_secs = $8, body_contains = $9, slow_ms = $10, cert_expiry_days = $11, down_after = $12,
             up_after = $13, enabled = $14, next_due_at = least(next_due_at, $15), updated_at = now()
         where tenant_id = $1 and id = $2
         returning {CHECK_COLUMNS}"
    );
    let row: Option<CheckRow> = bind_input(sqlx::query_as(&q).bind(tenant).bind(id), c)
        .bind(due)
        .fetch_optional(db)
        .await
        .map_err(|e| AppError::from_constraint(e, &[("health_checks_tenant_id_name_key", name_taken())]))?;
    Ok(row.map(Check::from))
}

pub async fn delete(db: impl PgExecutor<'_>, tenant: Uuid, id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query("delete from health_checks where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

/// A check claimed for probing, with what the probe needs.
#[derive(Debug, Clone, FromRow)]
pub struct Claimed {
    pub tenant_id: Uuid,
    pub id: Uuid,
    pub url: String,
    pub method: String,
    pub expected_status: String,
    pub timeout_ms: i32,
    pub body_contains: Option<String>,
    pub slow_ms: Option<i32>,
    pub cert_expiry_days: i32,
    pub down_after: i32,
    pub up_after: i32,
    #[sqlx(flatten)]
    pub tracker: TrackerRow,
    /// When this probe was due (scheduling lag = start − due).
    pub due_at: DateTime<Utc>,
}

/// The state machine's columns of a check.
#[derive(Debug, Clone, Copy, FromRow)]
pub struct TrackerRow {
    state: CheckState,
    failures: i32,
    downs: i32,
    successes: i32,
}

impl From<TrackerRow> for Tracker {
    fn from(r: TrackerRow) -> Self {
        Tracker { state: r.state, failures: r.failures, downs: r.downs, successes: r.successes }
    }
}

/// Claims up to `batch` due checks of active tenants (SKIP LOCKED: each is claimed by one
/// instance): their next due time moves to when the claim lapses (twice the check's
/// timeout, for a probe and its re-check, plus `margin_ms`), so a probe whose instance
/// dies runs again then, elsewhere.
pub async fn claim(db: impl PgExecutor<'_>, batch: i64, margin_ms: i64) -> Result<Vec<Claimed>, AppError> {
    Ok(sqlx::query_as(
        "with due as (
             select c.tenant_id, c.id, c.next_due_at from health_checks c
             join tenants t on t.id = c.tenant_id and t.status = 'active'
             where c.enabled and c.next_due_at <= now()
             order by c.next_due_at limit $1
             for update of c skip locked
         )
         update health_checks c
         set next_due_at = now() + make_interval(secs => (2 * c.timeout_ms + $2)::float8 / 1000)
         from due where c.tenant_id = due.tenant_id and c.id = due.id
         returning c.tenant_id, c.id, c.url, c.method, c.expected_status, c.timeout_ms, c.body_contains, c.slow_ms,
                   c.cert_expiry_days, c.down_after, c.up_after, c.state, c.failures, c.downs, c.successes,
                   due.next_due_at as due_at",
    )
    .bind(batch)
    .bind(margin_ms)
    .fetch_all(db)
    .await?)
}

/// A check's state machine and alerting settings, locked for update.
#[derive(Debug, Clone, FromRow)]
pub struct Locked {
    pub name: String,
    pub url: String,
    pub interval_secs: i32,
    pub down_after: i32,
    pub up_after: i32,
    #[sqlx(flatten)]
    pub tracker: TrackerRow,
    pub silenced_until: Option<DateTime<Utc>>,
}

pub async fn lock(db: &mut PgConnection, tenant: Uuid, id: Uuid) -> Result<Option<Locked>, AppError> {
    Ok(sqlx::query_as(
        "select name, url, interval_secs, down_after, up_after, state, failures, downs, successes, silenced_until
         from health_checks where tenant_id = $1 and id = $2 for update",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// Writes a check's new counts, state and last result; `next_due` when the probe was a
/// scheduled one (a "check now" leaves the schedule alone).
pub async fn update_after(
    db: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
    t: &Tracker,
    changed: bool,
    last: &ProbeResult,
    next_due: Option<DateTime<Utc>>,
) -> Result<(), AppError> {
    sqlx::query(
        "update health_checks set state = $3, state_since = case when $4 then $5 else state_since end,
             failures = $6, downs = $7, successes = $8, last_checked_at = $5, last_status = $9, last_ms = $10,
             last_cause = $11, last_detail = $12,
             next_due_at = coalesce($13, next_due_at)
         where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(t.state)
    .bind(changed)
    .bind(last.at)
    .bind(t.failures)
    .bind(t.downs)
    .bind(t.successes)
    .bind(last.status)
    .bind(last.ms)
    .bind(last.cause)
    .bind(&last.detail)
    .bind(next_due)
    .execute(db)
    .await?;
    Ok(())
}

/// The prober's backlog: how many checks are due and how late the oldest is (seconds).
pub async fn backlog(db: impl PgExecutor<'_>) -> Result<(i64, Option<f64>), AppError> {
    Ok(sqlx::query_as(
        "select count(*), extract(epoch from now() - min(c.next_due_at))::float8
         from health_checks c join tenants t on t.id = c.tenant_id and t.status = 'active'
         where c.enabled and c.next_due_at <= now()",
    )
    .fetch_one(db)
    .await?)
}

/// Keeps the daily result partitions: from yesterday to a week ahead; drops days older
/// than `keep_days`; and deletes hourly and daily rollups older than `rollup_days`.
pub async fn maintain(db: &mut PgConnection, keep_days: i32, rollup_days: i32) -> Result<(), AppError> {
    sqlx::query("select health_partitions(1, 7, $1)").bind(keep_days).execute(&mut *db).await?;
    sqlx::query("delete from health_rollups where hour < now() - make_interval(days => $1)")
        .bind(rollup_days)
        .execute(&mut *db)
        .await?;
    sqlx::query("delete from health_daily where day < (now() at time zone 'UTC')::date - $1")
        .bind(rollup_days)
        .execute(&mut *db)
        .await?;
    Ok(())
}
