//! Incidents: opened, escalated and closed by the prober, acknowledged by people, mailed
//! by the health-alerts worker.

use crate::error::AppError;
use crate::model::monitoring::*;
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgExecutor};
use uuid::Uuid;
#[derive(FromRow)]
struct IncidentRow {
    tenant_id: Uuid,
    id: Uuid,
    check_id: Uuid,
    check_name: String,
    state: CheckState,
    cause: Option<Cause>,
    detail: Option<String>,
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    announced: bool,
    acknowledged_at: Option<DateTime<Utc>>,
    acknowledged_by: Option<String>,
    ack_note: Option<String>,
    responses: sqlx::types::Json<Vec<ProbeResult>>,
}

impl From<IncidentRow> for Incident {
    fn from(r: IncidentRow) -> Self {
        Incident {
            id: r.id,
            tenant_id: r.tenant_id,
            check_id: r.check_id,
            check_name: r.check_name,
            state: r.state,
            cause: r.cause,
            detail: r.detail,
            started_at: r.started_at,
            ended_at: r.ended_at,
            announced: r.announced,
            acknowledged_at: r.acknowledged_at,
            acknowledged_by: r.acknowledged_by,
            ack_note: r.ack_note,
            responses: r.responses.0,
        }
    }
}

const INCIDENT_SELECT: &str = "select i.tenant_id, i.id, i.check_id, c.name as check_name, i.state, i.cause, i.detail,
        i.started_at, i.ended_at, i.announced, i.acknowledged_at, i.acknowledged_by, i.ack_note, i.responses
    from health_incidents i join health_checks c on c.tenant_id = i.tenant_id and c.id = i.check_id";

/// The tenant's incidents: open ones first, then the latest; at most `limit`.
pub async fn incidents(db: impl PgExecutor<'_>, tenant: Uuid, limit: i64) -> Result<Vec<Incident>, AppError> {
    let q = format!(
        "{INCIDENT_SELECT} where i.tenant_id = $1 order by (i.ended_at is not null), i.started_at desc limit $2"
    );
    let rows: Vec<IncidentRow> = sqlx::query_as(&q).bind(tenant).bind(limit).fetch_all(db).await?;
    Ok(rows.into_iter().map(Incident::from).collect())
}

pub async fn incident(db: impl PgExecutor<'_>, tenant: Uuid, id: Uuid) -> Result<Option<Incident>, AppError> {
    let q = format!("{INCIDENT_SELECT} where i.tenant_id = $1 and i.id = $2");
    let row: Option<IncidentRow> = sqlx::query_as(&q).bind(tenant).bind(id).fetch_optional(db).await?;
    Ok(row.map(Incident::from))
}

/// The check's open incident: its id, worst state and whether it was announced.
pub async fn open_incident(
    db: &mut PgConnection,
    tenant: Uuid,
    check: Uuid,
) -> Result<Option<(Uuid, CheckState, bool)>, AppError> {
    Ok(sqlx::query_as(
        "select id, state, announced from health_incidents where tenant_id = $1 and check_id = $2 and ended_at is null",
    )
    .bind(tenant)
    .bind(check)
    .fetch_optional(db)
    .await?)
}

#[allow(clippy::too_many_arguments)]
pub async fn open(
    db: &mut PgConnection,
    tenant: Uuid,
    check: Uuid,
    state: CheckState,
    cause: Option<Cause>,
    detail: Option<&str>,
    at: DateTime<Utc>,
    announced: bool,
    responses: &[ProbeResult],
) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar(
        "insert into health_incidents (tenant_id, check_id, state, cause, detail, started_at, announced, responses)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
    )
    .bind(tenant)
    .bind(check)
    .bind(state)
    .bind(cause)
    .bind(detail)
    .bind(at)
    .bind(announced)
    .bind(sqlx::types::Json(responses))
    .fetch_one(db)
    .await?)
}

/// An open incident got worse (degraded → down): its state and cause follow.
pub async fn escalate(
    db: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
    state: CheckState,
    cause: Option<Cause>,
    detail: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query("update health_incidents set state = $3, cause = $4, detail = $5 where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .bind(state)
        .bind(cause)
        .bind(detail)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn close(db: &mut PgConnection, tenant: Uuid, id: Uuid, at: DateTime<Utc>) -> Result<(), AppError> {
    sqlx::query(
        "update health_incidents set ended_at = greatest($3, started_at) where tenant_id = $1 and id = $2 and ended_at is null",
    )
    .bind(tenant)
    .bind(id)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Acknowledges an incident (again: the note and who change); answers whether it exists.
pub async fn acknowledge(
    db: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
    by: &str,
    note: Option<&str>,
) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar(
        "update health_incidents set acknowledged_at = now(), acknowledged_by = $3, ack_note = $4
         where tenant_id = $1 and id = $2 returning check_id",
    )
    .bind(tenant)
    .bind(id)
    .bind(by)
    .bind(note)
    .fetch_optional(db)
    .await?)
}

pub async fn silence(
    db: &mut PgConnection,
    tenant: Uuid,
    check: Uuid,
    until: Option<DateTime<Utc>>,
) -> Result<(), AppError> {
    sqlx::query("update health_checks set silenced_until = $3 where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(check)
        .bind(until)
        .execute(db)
        .await?;
    Ok(())
}

/// An incident email to send: the incident, and whether it is its recovery.
#[derive(Debug, Clone, FromRow)]
pub struct ToMail {
    pub tenant_id: Uuid,
    pub id: Uuid,
    pub recovered: bool,
}

/// Announced incidents whose opening or recovery email is unsent (from the last day),
/// claimed with SKIP LOCKED in the caller's transaction.
pub async fn to_mail(db: &mut PgConnection, batch: i64) -> Result<Vec<ToMail>, AppError> {
    Ok(sqlx::query_as(
        "select tenant_id, id, (opened_mailed_at is not null) as recovered from health_incidents
         where announced and started_at > now() - interval '1 day'
           and (opened_mailed_at is null or (ended_at is not null and recovered_mailed_at is null))
         order by started_at limit $1 for update skip locked",
    )
    .bind(batch)
    .fetch_all(db)
    .await?)
}

pub async fn mark_mailed(db: &mut PgConnection, tenant: Uuid, id: Uuid, recovered: bool) -> Result<(), AppError> {
    sqlx::query(
        "update health_incidents set opened_mailed_at = coalesce(opened_mailed_at, now()),
             recovered_mailed_at = case when $3 then now() else recovered_mailed_at end
         where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(recovered)
    .execute(db)
    .await?;
    Ok(())
}
