//! The append-only audit trail.

use crate::error::AppError;
use crate::model::{Actor, AuditEvent, AuditQuery, Page};
use serde_json::Value;
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// One event to record, written in the same transaction as the change it describes:
///
/// ```ignore
/// NewEvent::about_tenant(id, "tenant.suspended").change(before, after).reason(Some(why)).record(tx, &actor)
/// NewEvent::new("user.disabled", "user", id).record(tx, &actor)
/// ```
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    tenant_id: Option<Uuid>,
    action: &'a str,
    target_type: &'a str,
    target_id: Option<String>,
    before: Option<Value>,
    after: Option<Value>,
    reason: Option<&'a str>,
}

impl<'a> NewEvent<'a> {
    /// An event about `target_type` `target_id` (no tenant unless `.in_tenant`).
    pub fn new(action: &'a str, target_type: &'a str, target_id: impl ToString) -> Self {
        Self {
            tenant_id: None,
            action,
            target_type,
            target_id: Some(target_id.to_string()),
            before: None,
            after: None,
            reason: None,
        }
    }

    /// An event about a tenant itself.
    pub fn about_tenant(tenant: Uuid, action: &'a str) -> Self {
        Self::new(action, "tenant", tenant).in_tenant(tenant)
    }

    /// The tenant the event belongs to (its audit trail shows it).
    pub fn in_tenant(mut self, tenant: Uuid) -> Self {
        self.tenant_id = Some(tenant);
        self
    }

    pub fn before(mut self, v: Value) -> Self {
        self.before = Some(v);
        self
    }

    pub fn after(mut self, v: Value) -> Self {
        self.after = Some(v);
        self
    }

    /// Before and after of the changed fields.
    pub fn change(self, before: Value, after: Value) -> Self {
        self.before(before).after(after)
    }

    pub fn reason(mut self, reason: Option<&'a str>) -> Self {
        self.reason = reason;
        self
    }

    pub async fn record(self, db: impl PgExecutor<'_>, actor: &Actor) -> Result<i64, AppError> {
        Ok(sqlx::query_scalar!(
            r#"insert into audit_events (actor_type, actor_id, actor_label, tenant_id, action,
                                         target_type, target_id, before, after, reason, source_ip)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text::inet)
               returning id"#,
            actor.kind.as_str(),
            actor.id,
            actor.label,
            self.tenant_id,
            self.action,
            self.target_type,
            self.target_id,
            self.before,
            self.after,
            self.reason,
            actor.source_ip.map(|ip| ip.to_string()),
        )
        .fetch_one(db)
        .await?)
    }
}

/// Records many events in one statement (a worker's batch): each with its own actor.
pub async fn record_many(db: impl PgExecutor<'_>, events: &[(NewEvent<'_>, Actor)]) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&(NewEvent<'_>, Actor)) -> Option<String>| events.iter().map(f).collect::<Vec<_>>();
    sqlx::query!(
        r#"insert into audit_events (actor_type, actor_id, actor_label, tenant_id, action,
                                     target_type, target_id, before, after, reason, source_ip)
           select kind, actor_id, label, tenant_id, action, target_type, target_id, before, after, reason, ip::inet
           from unnest($1::text[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[],
                       $8::jsonb[], $9::jsonb[], $10::text[], $11::text[])
               as e(kind, actor_id, label, tenant_id, action, target_type, target_id, before, after, reason, ip)"#,
        &col(|(_, a)| Some(a.kind.as_str().to_string())) as &[Option<String>],
        &events.iter().map(|(_, a)| a.id).collect::<Vec<_>>() as &[Option<Uuid>],
        &col(|(_, a)| Some(a.label.clone())) as &[Option<String>],
        &events.iter().map(|(e, _)| e.tenant_id).collect::<Vec<_>>() as &[Option<Uuid>],
        &col(|(e, _)| Some(e.action.to_string())) as &[Option<String>],
        &col(|(e, _)| Some(e.target_type.to_string())) as &[Option<String>],
        &col(|(e, _)| e.target_id.clone()) as &[Option<String>],
        &events.iter().map(|(e, _)| e.before.clone()).collect::<Vec<_>>() as &[Option<Value>],
        &events.iter().map(|(e, _)| e.after.clone()).collect::<Vec<_>>() as &[Option<Value>],
        &col(|(e, _)| e.reason.map(String::from)) as &[Option<String>],
        &col(|(_, a)| a.source_ip.map(|ip| ip.to_string())) as &[Option<String>],
    )
    .execute(db)
    .await?;
    Ok(())
}

pub const DEFAULT_LIMIT: u32 = 50;

/// Newest first, paged by event id; `only` limits it to those tenants' events.
pub async fn list(
    db: impl PgExecutor<'_>,
    q: &AuditQuery,
    only: Option<&[Uuid]>,
) -> Result<Page<AuditEvent>, AppError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, 1000) as i64;
    let mut qb = QueryBuilder::<Postgres>::new(
        "select e.id, e.occurred_at, e.actor_type, e.actor_id, e.actor_label, e.tenant_id, \
                t.slug as tenant_slug, e.action, e.target_type, e.target_id, e.before, e.after, \
                e.reason, host(e.source_ip) as source_ip \
         from audit_events e left join tenants t on t.id = e.tenant_id where true",
    );
    if let Some(ids) = only {
        qb.push(" and e.tenant_id = any(").push_bind(ids).push(")");
    }
    if let Some(t) = q.tenant_id {
        qb.push(" and e.tenant_id = ").push_bind(t);
    }
    if let Some(a) = q.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        if let Some(prefix) = a.strip_suffix('.') {
            qb.push(" and e.action like ").push_bind(format!("{}.%", prefix.replace(['%', '_', '\\'], "")));
        } else {
            qb.push(" and e.action = ").push_bind(a.to_string());
        }
    }
    if let Some(s) = q.since {
        qb.push(" and e.occurred_at >= ").push_bind(s);
    }
    if let Some(u) = q.until {
        qb.push(" and e.occurred_at < ").push_bind(u);
    }
    if let Some(c) = q.cursor.as_deref().filter(|c| !c.is_empty()) {
        let id: i64 = c
            .parse()
            .map_err(|_| AppError::bad_request("The cursor is not valid. Start again from the first page."))?;
        qb.push(" and e.id < ").push_bind(id);
    }
    qb.push(" order by e.id desc limit ").push_bind(limit + 1);
    let mut items: Vec<AuditEvent> = qb.build_query_as().fetch_all(db).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|e| e.id.to_string())
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// Distinct action names, for the filter menu.
pub async fn actions(db: impl PgExecutor<'_>, only: Option<&[Uuid]>) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar!(
        "select distinct action from audit_events where ($1::uuid[] is null or tenant_id = any($1)) order by 1",
        only,
    )
    .fetch_all(db)
    .await?)
}

/// Makes the transaction a read-only snapshot: an export sees one consistent audit trail
/// however long it streams.
pub async fn begin_snapshot(tx: &mut sqlx::PgConnection) -> Result<(), AppError> {
    sqlx::query!("set transaction isolation level repeatable read, read only").execute(&mut *tx).await?;
    Ok(())
}

/// Takes the per-person export lock for the rest of the transaction, if nobody holds it.
pub async fn try_export_lock(db: impl PgExecutor<'_>, who: &str) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select pg_try_advisory_xact_lock(hashtextextended('audit_export:' || $1, 0)) as "locked!""#,
        who
    )
    .fetch_one(db)
    .await?)
}

/// Invitation emails (created or resent) of a tenant in the last hour, and the oldest one.
pub async fn invitation_mails_last_hour(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
) -> Result<(i64, Option<chrono::DateTime<chrono::Utc>>), AppError> {
    let row = sqlx::query!(
        r#"select count(*) as "sent!", min(occurred_at) as oldest from audit_events
            where tenant_id = $1 and action in ('invitation.created', 'invitation.resent')
              and occurred_at > now() - interval '1 hour'"#,
        tenant
    )
    .fetch_one(db)
    .await?;
    Ok((row.sent, row.oldest))
}
