//! Reading the audit trail: everything for platform admins, their own tenants' events for
//! everyone else, with what they may not read hidden (`privacy`); and the CSV export.

use crate::db;
use crate::error::AppError;
use crate::model::{AuditEvent, AuditQuery, Page, Permission};
use crate::server::access::{Caller, TenantScope};
use crate::server::services::privacy;
use axum::body::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use sqlx::{PgPool, Postgres, Transaction};

/// Checks the caller and the query; answers the tenants the caller may read.
fn scope(caller: &Caller, q: &AuditQuery) -> Result<TenantScope, AppError> {
    let scope = caller.visible(Permission::AuditRead)?;
    if let Some(t) = q.tenant_id {
        caller.require_on(t, Permission::AuditRead)?;
    }
    if q.action.as_ref().is_some_and(|a| a.chars().count() > 100) {
        return Err(AppError::bad_request("action is too long (100 characters at most)."));
    }
    if q.limit.is_some_and(|n| !(1..=1000).contains(&n)) {
        return Err(AppError::bad_request("limit must be a whole number from 1 to 1000."));
    }
    Ok(scope)
}

pub async fn list(pool: &PgPool, caller: &Caller, q: &AuditQuery) -> Result<Page<AuditEvent>, AppError> {
    let scope = scope(caller, q)?;
    let mut page = db::audit::list(pool, q, scope.ids()).await?;
    privacy::audit_events(pool, caller, &mut page.items).await?;
    Ok(page)
}

pub async fn actions(pool: &PgPool, caller: &Caller) -> Result<Vec<String>, AppError> {
    let scope = caller.visible(Permission::AuditRead)?;
    db::audit::actions(pool, scope.ids()).await
}

/// The most rows one export holds; narrow the filters for more.
pub const EXPORT_MAX_ROWS: usize = 100_000;
/// Rows read per round trip while streaming.
const EXPORT_PAGE: u32 = 1000;

const CSV_HEADER: [&str; 13] = [
    "id",
    "occurred_at",
    "actor_type",
    "actor_label",
    "tenant_slug",
    "tenant_id",
    "action",
    "target_type",
    "target_id",
    "reason",
    "source_ip",
    "before",
    "after",
];

/// The events matching `q` as CSV, streamed a page at a time so memory stays bounded
/// however many rows there are. The export reads one consistent snapshot (a repeatable-
/// read transaction that the stream owns) and holds a transaction-scoped advisory lock on
/// the caller, so each person runs at most one export at a time on every instance: a
/// second one answers 429 until the first has finished or the download was abandoned
/// (dropping the stream rolls the transaction back, which releases the lock).
pub async fn export_csv(
    pool: &PgPool,
    caller: &Caller,
    mut q: AuditQuery,
) -> Result<BoxStream<'static, Result<Bytes, AppError>>, AppError> {
    let scope = scope(caller, &q)?;
    let who = caller.actor();
    let key = format!("{}:{}", who.kind.as_str(), who.id.map(|id| id.to_string()).unwrap_or(who.label));
    let mut tx = pool.begin().await?;
    db::audit::begin_snapshot(&mut tx).await?;
    if !db::audit::try_export_lock(&mut *tx, &key).await? {
        return Err(AppError::TooManyRequests {
            message: "An audit export of yours is still running. Wait for it to finish, then try again.".into(),
            retry_after_secs: 5,
        });
    }
    q.limit = Some(EXPORT_PAGE);
    q.cursor = None;
    let state = Export { tx: Some(tx), q, scope, caller: caller.clone(), pool: pool.clone(), rows: 0, header: false };
    Ok(stream::unfold(state, |mut s| async move {
        match s.next_chunk().await {
            Ok(Some(bytes)) => Some((Ok(bytes), s)),
            Ok(None) => None,
            Err(e) => {
                s.tx = None;
                Some((Err(e), s))
            }
        }
    })
    // The body may be polled again after its end (response compression does); a fused
    // stream answers "done" again instead of panicking.
    .fuse()
    .boxed())
}

struct Export {
    /// None once finished (or failed): the stream then ends.
    tx: Option<Transaction<'static, Postgres>>,
    q: AuditQuery,
    scope: TenantScope,
    caller: Caller,
    pool: PgPool,
    rows: usize,
    header: bool,
}

impl Export {
    /// The next piece of the file: the header, then a page of rows at a time.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, AppError> {
        let mut out = csv::Writer::from_writer(Vec::new());
        if !self.header {
            self.header = true;
            out.write_record(CSV_HEADER).map_err(|e| AppError::internal("csv", e))?;
        }
        let Some(tx) = self.tx.as_mut() else { return Ok(None) };
        let mut page = db::audit::list(&mut **tx, &self.q, self.scope.ids()).await?;
        privacy::audit_events(&self.pool, &self.caller, &mut page.items).await?;
        for e in &page.items {
            out.write_record(csv_row(e)).map_err(|e| AppError::internal("csv", e))?;
        }
        self.rows += page.items.len();
        match page.next_cursor {
            Some(c) if self.rows < EXPORT_MAX_ROWS => self.q.cursor = Some(c),
            _ => {
                if let Some(tx) = self.tx.take() {
                    tx.commit().await?;
                }
            }
        }
        let bytes = out.into_inner().map_err(|e| AppError::internal("csv", e))?;
        Ok(Some(Bytes::from(bytes)))
    }
}

fn csv_row(e: &AuditEvent) -> [String; 13] {
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    [
        e.id.to_string(),
        e.occurred_at.to_rfc3339(),
        e.actor_type.clone(),
        e.actor_label.clone(),
        e.tenant_slug.clone().unwrap_or_default(),
        e.tenant_id.map(|t| t.to_string()).unwrap_or_default(),
        e.action.clone(),
        e.target_type.clone(),
        e.target_id.clone().unwrap_or_default(),
        e.reason.clone().unwrap_or_default(),
        e.source_ip.clone().unwrap_or_default(),
        json(&e.before),
        json(&e.after),
    ]
    .map(|cell| neutralise(&cell))
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
/// return before one) gets a leading apostrophe, as OWASP advises for CSV injection: the
/// text stays readable and is shown, not executed.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("-2"), "'-2");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\t=1"), "'\t=1");
        assert_eq!(neutralise("plain text"), "plain text");
        assert_eq!(neutralise(""), "");
    }
}
