//! Cost (PRODUCT.md U4): the plan's price plus metered overage, computed live from the
//! rollups; monthly invoices issued once per tenant and period (never changed after);
//! and a cost threshold per tenant that emails its owners once per period.

use super::periods::{month_bounds, step};
use crate::db::{self, audit::NewEvent, usage::reads::PeriodRow};
use crate::error::AppError;
use crate::model::notifications::NotifyEvent;
use crate::model::plan::plan_allocations;
use crate::model::units::{amount, money};
use crate::model::usage::*;
use crate::model::{messages, Permission, Plan};
use crate::server::access::Caller;
use crate::server::state::AppState;
use chrono::{NaiveDate, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// Prices each metric of a period against the tenant's allocation (or its plan's amount).
pub fn price(rows: Vec<PeriodRow>, plan: &Plan) -> Vec<(MetricUsage, Option<(i64, i64)>)> {
    let plan_amounts = plan_allocations(plan);
    rows.into_iter()
        .map(|r| {
            let allocated = r.allocated.or_else(|| {
                let res = r.resource.as_deref()?;
                plan_amounts.iter().find(|(name, _)| *name == res).map(|(_, a)| *a)
            });
            let prices = r.per_units.zip(r.price_cents);
            let overage = match (allocated, prices) {
                (Some(a), Some((per, cents))) => overage_cents(r.used, a as f64, per, cents),
                _ => 0,
            };
            let usage = MetricUsage {
                metric: r.id,
                name: r.name,
                unit: r.unit,
                aggregation: r.aggregation,
                source: r.source,
                used: r.used,
                allocated: allocated.map(|a| a as f64),
                overage_cents: overage,
            };
            (usage, prices)
        })
        .collect()
}

/// A tenant's use and cost over [start, end).
pub async fn period_usage(
    pool: &PgPool,
    tenant: Uuid,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<TenantUsage, AppError> {
    let t = db::tenants::by_id(pool, tenant).await?.ok_or_else(|| AppError::not_found(messages::NO_TENANT))?;
    let plan = db::catalog::plan(pool, &t.plan).await?.ok_or_else(|| AppError::internal("usage", "plan missing"))?;
    let rows = db::usage::reads::period(pool, tenant, &plan.id, start, end).await?;
    let metrics: Vec<MetricUsage> = price(rows, &plan).into_iter().map(|(m, _)| m).collect();
    let cost = plan.monthly_price_cents + metrics.iter().map(|m| m.overage_cents).sum::<i64>();
    Ok(TenantUsage {
        tenant_id: tenant,
        period_start: start,
        period_end: end,
        currency: CURRENCY.into(),
        plan_price_cents: plan.monthly_price_cents,
        cost_cents: cost,
        cost_alert_cents: db::billing::cost_alert(pool, tenant).await?.map(|(c, _)| c),
        metrics,
        as_of: Utc::now(),
        rollup_lag_seconds: db::usage::rollup_lag(pool).await?,
    })
}

pub async fn invoices(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<Vec<Invoice>, AppError> {
    caller.require_on(tenant, Permission::UsageRead)?;
    let mut conn = pool.acquire().await?;
    db::billing::list(&mut conn, tenant, 36).await
}

pub async fn invoice(pool: &PgPool, caller: &Caller, tenant: Uuid, id: Uuid) -> Result<Invoice, AppError> {
    caller.require_on(tenant, Permission::UsageRead)?;
    let mut conn = pool.acquire().await?;
    db::billing::get(&mut conn, tenant, id)
        .await?
        .ok_or_else(|| AppError::not_found("This tenant has no invoice with that id."))
}

/// The invoice as CSV: one row per line, then the total.
pub fn invoice_csv(inv: &Invoice) -> Result<String, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| AppError::internal("invoice csv", e);
    w.write_record([
        "invoice",
        "period_start",
        "period_end",
        "line",
        "kind",
        "description",
        "metric",
        "quantity",
        "unit_price_cents",
        "amount_cents",
        "currency",
    ])
    .map_err(err)?;
    for l in &inv.lines {
        w.write_record([
            inv.number.as_str(),
            &inv.period_start.to_string(),
            &inv.period_end.to_string(),
            &l.line_no.to_string(),
            match l.kind {
                LineKind::Plan => "plan",
                LineKind::Overage => "overage",
                LineKind::Credit => "credit",
            },
            &crate::server::services::audit::neutralise(&l.description),
            l.metric.as_deref().unwrap_or(""),
            &l.quantity.to_string(),
            &l.unit_price_cents.to_string(),
            &l.amount_cents.to_string(),
            inv.currency.as_str(),
        ])
        .map_err(err)?;
    }
    w.write_record([
        inv.number.as_str(),
        "",
        "",
        "",
        "total",
        "",
        "",
        "",
        "",
        &inv.total_cents.to_string(),
        &inv.currency,
    ])
    .map_err(err)?;
    String::from_utf8(w.into_inner().map_err(|e| AppError::internal("invoice csv", e))?)
        .map_err(|e| AppError::internal("invoice csv", e))
}

/// The lines of a tenant's invoice for [start, end): the plan, then each metric's overage.
pub async fn lines_for(
    pool: &PgPool,
    tenant: Uuid,
    plan: &Plan,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<InvoiceLine>, AppError> {
    let rows = db::usage::reads::period(pool, tenant, &plan.id, start, end).await?;
    let mut lines = vec![InvoiceLine {
        line_no: 1,
        kind: LineKind::Plan,
        description: format!("{} plan, {}", plan.name, start.format("%B %Y")),
        metric: None,
        quantity: 1.0,
        unit_price_cents: plan.monthly_price_cents,
        amount_cents: plan.monthly_price_cents,
    }];
    for (m, prices) in price(rows, plan) {
        let (Some((per, cents)), Some(allocated)) = (prices, m.allocated) else { continue };
        if m.overage_cents == 0 {
            continue;
        }
        let blocks = m.overage_cents / cents.max(1);
        lines.push(InvoiceLine {
            line_no: lines.len() as i32 + 1,
            kind: LineKind::Overage,
            description: format!(
                "{}: {} used, {} included; {} × {} over",
                m.name,
                amount(m.used, &m.unit),
                amount(allocated, &m.unit),
                blocks,
                amount(per as f64, &m.unit)
            ),
            metric: Some(m.metric),
            quantity: blocks as f64,
            unit_price_cents: cents,
            amount_cents: m.overage_cents,
        });
    }
    Ok(lines)
}

/// Issues last month's invoices that are still missing, `limit` tenants per call; returns
/// how many were issued. Safe on several instances: the unique (tenant, period) index lets
/// only one invoice per tenant and month exist.
pub async fn issue_due(pool: &PgPool, today: NaiveDate, limit: i64) -> Result<usize, AppError> {
    let (this_month, _) = month_bounds(today);
    let start = step(crate::model::usage::Period::Month, this_month, -1);
    let end = this_month;
    let mut issued = 0;
    for tenant in db::billing::due(pool, start, end, limit).await? {
        if issue_one(pool, tenant, start, end).await?.is_some() {
            issued += 1;
        }
    }
    Ok(issued)
}

pub async fn issue_one(
    pool: &PgPool,
    tenant: Uuid,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Option<Uuid>, AppError> {
    let t = db::tenants::by_id(pool, tenant).await?.ok_or_else(|| AppError::not_found(messages::NO_TENANT))?;
    let plan = db::catalog::plan(pool, &t.plan).await?.ok_or_else(|| AppError::internal("invoice", "plan missing"))?;
    let lines = lines_for(pool, tenant, &plan, start, end).await?;
    let inv = db::billing::NewInvoice {
        tenant_id: tenant,
        number: format!("INV-{}-{}", start.format("%Y%m"), t.slug),
        kind: InvoiceKind::Invoice,
        corrects: None,
        period_start: start,
        period_end: end,
        plan_id: plan.id.clone(),
        currency: CURRENCY.into(),
        lines,
    };
    let mut tx = pool.begin().await?;
    let id = db::billing::issue(&mut tx, &inv).await?;
    if let Some(id) = id {
        NewEvent::new("invoice.issued", "invoice", id)
            .in_tenant(tenant)
            .after(
                json!({ "number": inv.number, "total_cents": inv.lines.iter().map(|l| l.amount_cents).sum::<i64>() }),
            )
            .record(&mut *tx, &Caller::system().actor())
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Sets or clears the tenant's monthly cost alert threshold (in cents).
pub async fn set_cost_alert(pool: &PgPool, caller: &Caller, tenant: Uuid, cents: Option<i64>) -> Result<(), AppError> {
    caller.require_on(tenant, Permission::TenantEdit)?;
    if let Some(c) = cents {
        if !(1..=100_000_000_000).contains(&c) {
            return Err(AppError::invalid(
                "threshold_cents",
                "The threshold must be between $0.01 and $1,000,000,000.",
            ));
        }
    }
    let mut tx = pool.begin().await?;
    let before = db::billing::cost_alert(&mut *tx, tenant).await?.map(|(c, _)| c);
    db::billing::set_cost_alert(&mut *tx, tenant, cents).await?;
    if before != cents {
        crate::server::services::alerts::cost_threshold_changed(&mut tx, tenant).await?;
    }
    NewEvent::new("usage.cost_alert_set", "tenant", tenant)
        .in_tenant(tenant)
        .before(json!({ "threshold_cents": before }))
        .after(json!({ "threshold_cents": cents }))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Emails the owners of every tenant whose cost this month has passed its threshold, once
/// per period. The row is marked in the same transaction that claimed it (SKIP LOCKED), so
/// two instances never both send; a failed send leaves it unmarked for the next round.
pub async fn check_cost_alerts(state: &AppState) -> Result<usize, AppError> {
    let pool = &state.pool;
    let (start, end) = month_bounds(Utc::now().date_naive());
    let mut tx = pool.begin().await?;
    let mut sent = 0;
    for (tenant, threshold) in db::billing::alerts_to_check(&mut tx, start).await? {
        let usage = period_usage(pool, tenant, start, end).await?;
        if usage.cost_cents < threshold {
            continue;
        }
        // The alert opens whether or not the emails get through (they are retried).
        crate::server::services::alerts::cost_crossed(&mut tx, tenant, usage.cost_cents, threshold).await?;
        let name = db::tenants::name(pool, tenant).await?;
        let owners = db::notifications::email_recipients(pool, tenant, NotifyEvent::Billing).await?;
        let mut ok = true;
        for to in &owners {
            let mail = crate::server::mail::CostAlertMail {
                to,
                tenant: &name,
                tenant_id: tenant,
                cost: &money(usage.cost_cents),
                threshold: &money(threshold),
                period: &start.format("%B %Y").to_string(),
            };
            if let Err(e) = state.mailer.send_cost_alert(&mail).await {
                tracing::warn!(%tenant, error = %e, "cost alert not sent");
                ok = false;
            }
        }
        if ok {
            db::billing::mark_alerted(&mut *tx, tenant, start).await?;
            NewEvent::new("usage.cost_alert_sent", "tenant", tenant)
                .in_tenant(tenant)
                .after(json!({ "cost_cents": usage.cost_cents, "threshold_cents": threshold, "owners": owners.len() }))
                .record(&mut *tx, &Caller::system().actor())
                .await?;
            sent += 1;
        }
    }
    tx.commit().await?;
    Ok(sent)
}
