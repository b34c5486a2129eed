//! Invoices with their lines (immutable once issued; the database refuses changes) and
//! tenants' cost alert thresholds (PRODUCT.md U4).

use crate::error::AppError;
use crate::model::usage::{Invoice, InvoiceKind, InvoiceLine, LineKind};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// An invoice to issue.
#[derive(Debug, Clone)]
pub struct NewInvoice {
    pub tenant_id: Uuid,
    pub number: String,
    pub kind: InvoiceKind,
    pub corrects: Option<Uuid>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub plan_id: String,
    pub currency: String,
    pub lines: Vec<InvoiceLine>,
}

/// Issues an invoice and its lines in the caller's transaction. `None` when the tenant
/// already has its invoice for that period (another instance issued it first).
pub async fn issue(db: &mut PgConnection, inv: &NewInvoice) -> Result<Option<Uuid>, AppError> {
    let total: i64 = inv.lines.iter().map(|l| l.amount_cents).sum();
    let id = sqlx::query_scalar!(
        r#"insert into invoices (tenant_id, number, kind, corrects, period_start, period_end, plan_id, currency, total_cents)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           on conflict do nothing returning id"#,
        inv.tenant_id,
        inv.number,
        inv.kind as InvoiceKind,
        inv.corrects,
        inv.period_start,
        inv.period_end,
        inv.plan_id,
        inv.currency,
        total
    )
    .fetch_optional(&mut *db)
    .await?;
    let Some(id) = id else { return Ok(None) };
    for l in &inv.lines {
        sqlx::query!(
            r#"insert into invoice_lines (tenant_id, invoice_id, line_no, kind, description, metric, quantity,
                                          unit_price_cents, amount_cents)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
            inv.tenant_id,
            id,
            l.line_no,
            l.kind as LineKind,
            l.description,
            l.metric,
            l.quantity,
            l.unit_price_cents,
            l.amount_cents
        )
        .execute(&mut *db)
        .await?;
    }
    Ok(Some(id))
}

struct InvoiceRow {
    id: Uuid,
    tenant_id: Uuid,
    number: String,
    kind: InvoiceKind,
    corrects: Option<Uuid>,
    period_start: NaiveDate,
    period_end: NaiveDate,
    plan_id: String,
    currency: String,
    total_cents: i64,
    issued_at: DateTime<Utc>,
}

impl InvoiceRow {
    fn with(self, lines: Vec<InvoiceLine>) -> Invoice {
        Invoice {
            id: self.id,
            tenant_id: self.tenant_id,
            number: self.number,
            kind: self.kind,
            corrects: self.corrects,
            period_start: self.period_start,
            period_end: self.period_end,
            plan_id: self.plan_id,
            currency: self.currency,
            total_cents: self.total_cents,
            issued_at: self.issued_at,
            lines,
        }
    }
}

/// The tenant's invoices, newest period first, with their lines.
pub async fn list(db: &mut PgConnection, tenant: Uuid, limit: i64) -> Result<Vec<Invoice>, AppError> {
    let rows = sqlx::query_as!(
        InvoiceRow,
        r#"select id, tenant_id, number, kind as "kind: InvoiceKind", corrects, period_start, period_end, plan_id,
                  currency, total_cents, issued_at
           from invoices where tenant_id = $1 order by period_start desc, issued_at desc limit $2"#,
        tenant,
        limit
    )
    .fetch_all(&mut *db)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut lines = lines_of(&mut *db, tenant, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mine = lines.remove(&r.id).unwrap_or_default();
            r.with(mine)
        })
        .collect())
}

pub async fn get(db: &mut PgConnection, tenant: Uuid, id: Uuid) -> Result<Option<Invoice>, AppError> {
    let row = sqlx::query_as!(
        InvoiceRow,
        r#"select id, tenant_id, number, kind as "kind: InvoiceKind", corrects, period_start, period_end, plan_id,
                  currency, total_cents, issued_at
           from invoices where tenant_id = $1 and id = $2"#,
        tenant,
        id
    )
    .fetch_optional(&mut *db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut lines = lines_of(&mut *db, tenant, &[id]).await?;
    Ok(Some(row.with(lines.remove(&id).unwrap_or_default())))
}

async fn lines_of(
    db: &mut PgConnection,
    tenant: Uuid,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<InvoiceLine>>, AppError> {
    let rows = sqlx::query!(
        r#"select invoice_id, line_no, kind as "kind: LineKind", description, metric, quantity, unit_price_cents,
                  amount_cents
           from invoice_lines where tenant_id = $1 and invoice_id = any($2) order by invoice_id, line_no"#,
        tenant,
        ids
    )
    .fetch_all(db)
    .await?;
    let mut out: std::collections::HashMap<Uuid, Vec<InvoiceLine>> = Default::default();
    for r in rows {
        out.entry(r.invoice_id).or_default().push(InvoiceLine {
            line_no: r.line_no,
            kind: r.kind,
            description: r.description,
            metric: r.metric,
            quantity: r.quantity,
            unit_price_cents: r.unit_price_cents,
            amount_cents: r.amount_cents,
        });
    }
    Ok(out)
}

/// Tenants that were active at some time in [start, end) and have no invoice for the
/// period starting at `start`.
pub async fn due(db: impl PgExecutor<'_>, start: NaiveDate, end: NaiveDate, limit: i64) -> Result<Vec<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select t.id from tenants t
           where t.activated_at is not null and t.activated_at < ($2::date)::timestamp at time zone 'UTC'
             and (t.terminated_at is null or t.terminated_at >= ($1::date)::timestamp at time zone 'UTC')
             and not exists (select 1 from invoices i
                             where i.tenant_id = t.id and i.period_start = $1 and i.kind = 'invoice')
           order by t.id limit $3"#,
        start,
        end,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// A tenant's cost alert: the threshold and the period it was last sent for.
pub async fn cost_alert(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<Option<(i64, Option<NaiveDate>)>, AppError> {
    let row =
        sqlx::query!("select threshold_cents, notified_period from tenant_cost_alerts where tenant_id = $1", tenant)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| (r.threshold_cents, r.notified_period)))
}

/// Sets (Some) or removes (None) the threshold; a new threshold may alert again this period.
pub async fn set_cost_alert(db: impl PgExecutor<'_>, tenant: Uuid, cents: Option<i64>) -> Result<(), AppError> {
    match cents {
        Some(c) => {
            sqlx::query!(
                "insert into tenant_cost_alerts (tenant_id, threshold_cents) values ($1, $2)
                 on conflict (tenant_id) do update
                 set threshold_cents = excluded.threshold_cents, notified_period = null, updated_at = now()",
                tenant,
                c
            )
            .execute(db)
            .await?;
        }
        None => {
            sqlx::query!("delete from tenant_cost_alerts where tenant_id = $1", tenant).execute(db).await?;
        }
    }
    Ok(())
}

/// Tenants with a threshold not yet alerted for `period` (rows locked, skipped by others).
pub async fn alerts_to_check(db: &mut PgConnection, period: NaiveDate) -> Result<Vec<(Uuid, i64)>, AppError> {
    let rows = sqlx::query!(
        "select a.tenant_id, a.threshold_cents from tenant_cost_alerts a join tenants t on t.id = a.tenant_id
         where t.status = 'active' and (a.notified_period is null or a.notified_period < $1)
         for update of a skip locked",
        period
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.tenant_id, r.threshold_cents)).collect())
}

pub async fn mark_alerted(db: impl PgExecutor<'_>, tenant: Uuid, period: NaiveDate) -> Result<(), AppError> {
    sqlx::query!("update tenant_cost_alerts set notified_period = $2 where tenant_id = $1", tenant, period)
        .execute(db)
        .await?;
    Ok(())
}
