//! Queries on `notification_preferences` and `notifications` (PRODUCT.md C5), and the
//! notifications worker's mark on the outbox.

use crate::error::AppError;
use crate::model::notifications::{Notification, NotifyEvent, Preference, PreferenceChange};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// The person's choices for every tenant they belong to × every kind of event, with the
/// defaults where they haven't chosen.
pub async fn preferences(db: impl PgExecutor<'_>, user: Uuid) -> Result<Vec<Preference>, AppError> {
    let rows = sqlx::query!(
        r#"select m.tenant_id, t.name, e.event as "event!", (m.role = 'owner') as "owner!",
                  p.email as "email?", p.in_app as "in_app?"
           from memberships m
           join tenants t on t.id = m.tenant_id
           cross join unnest(array['alerts', 'health', 'billing', 'members', 'lifecycle']) as e(event)
           left join notification_preferences p
                  on p.tenant_id = m.tenant_id and p.user_id = m.user_id and p.event = e.event
           where m.user_id = $1 and t.status <> 'terminated'
           order by t.name, t.id, array_position(array['alerts', 'health', 'billing', 'members', 'lifecycle'], e.event)"#,
        user
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let event = NotifyEvent::parse(&r.event)?;
            let (email, in_app) = NotifyEvent::default_for(r.owner);
            Some(Preference {
                tenant_id: r.tenant_id,
                tenant_name: r.name,
                event,
                email: r.email.unwrap_or(email),
                in_app: r.in_app.unwrap_or(in_app),
                default: r.email.is_none(),
            })
        })
        .collect())
}

/// Saves one choice of a member of the tenant (false when they aren't one).
pub async fn set_preference(db: impl PgExecutor<'_>, user: Uuid, c: &PreferenceChange) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "insert into notification_preferences (tenant_id, user_id, event, email, in_app)
         select m.tenant_id, m.user_id, $3, $4, $5 from memberships m where m.tenant_id = $1 and m.user_id = $2
         on conflict (tenant_id, user_id, event)
         do update set email = excluded.email, in_app = excluded.in_app, updated_at = now()",
        c.tenant_id,
        user,
        c.event.as_str(),
        c.email,
        c.in_app
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// The addresses of the tenant's active members who want `event` by email.
pub async fn email_recipients(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    event: NotifyEvent,
) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar!(
        "select u.email from memberships m
         join users u on u.id = m.user_id
         left join notification_preferences p on p.tenant_id = m.tenant_id and p.user_id = m.user_id and p.event = $2
         where m.tenant_id = $1 and u.status = 'active' and coalesce(p.email, m.role = 'owner')
         order by u.email",
        tenant,
        event.as_str()
    )
    .fetch_all(db)
    .await?)
}

/// What to tell the members of a tenant.
pub struct Notice<'a> {
    pub tenant: Uuid,
    pub event: NotifyEvent,
    /// Unique per tenant and occurrence: writing the same notice again adds nothing.
    pub key: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    /// True when the notifications worker should email it; false when the event's own
    /// worker sends a richer email (honouring the same choices).
    pub mail: bool,
    /// When it happened: only people who were members then are told.
    pub at: DateTime<Utc>,
}

/// One row per active member who wants the notice in the app or by email (as they chose,
/// or by default). Answers how many rows were written.
pub async fn notify(db: impl PgExecutor<'_>, n: &Notice<'_>) -> Result<u64, AppError> {
    Ok(sqlx::query!(
        "insert into notifications (tenant_id, user_id, event, key, title, body, link, in_app, email_state)
         select m.tenant_id, m.user_id, $2, $3, $4, $5, $6, w.in_app, case when $7 and w.email then 'pending' else 'none' end
         from memberships m
         join users u on u.id = m.user_id
         left join notification_preferences p on p.tenant_id = m.tenant_id and p.user_id = m.user_id and p.event = $2
         cross join lateral (select coalesce(p.email, m.role = 'owner') as email, coalesce(p.in_app, true) as in_app) w
         where m.tenant_id = $1 and u.status = 'active' and (w.in_app or ($7 and w.email)) and m.created_at <= $8
         on conflict (tenant_id, user_id, key) do nothing",
        n.tenant,
        n.event.as_str(),
        n.key,
        n.title,
        n.body,
        n.link,
        n.mail,
        n.at
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// The person's newest notifications in the app (at most `limit`).
pub async fn inbox(db: impl PgExecutor<'_>, user: Uuid, limit: i64) -> Result<Vec<Notification>, AppError> {
    let rows = sqlx::query!(
        r#"select n.id, n.tenant_id, t.name, n.event, n.title, n.body, n.link, n.created_at, n.read_at
           from notifications n join tenants t on t.id = n.tenant_id
           where n.user_id = $1 and n.in_app
           order by n.created_at desc, n.id desc limit $2"#,
        user,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Notification {
                id: r.id,
                tenant_id: r.tenant_id,
                tenant_name: r.name,
                event: NotifyEvent::parse(&r.event)?,
                title: r.title,
                body: r.body,
                link: r.link,
                created_at: r.created_at,
                read_at: r.read_at,
            })
        })
        .collect())
}

pub async fn unread(db: impl PgExecutor<'_>, user: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "n!" from notifications where user_id = $1 and in_app and read_at is null"#,
        user
    )
    .fetch_one(db)
    .await?)
}

/// Marks the person's notifications read: those with these ids, or all of them.
pub async fn mark_read(db: impl PgExecutor<'_>, user: Uuid, ids: Option<&[i64]>) -> Result<u64, AppError> {
    Ok(sqlx::query!(
        "update notifications set read_at = now()
         where user_id = $1 and read_at is null and ($2::bigint[] is null or id = any($2))",
        user,
        ids as Option<&[i64]>
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// An outbox event the notifications worker hasn't looked at.
pub struct OutboxEvent {
    pub id: i64,
    pub tenant_id: Option<Uuid>,
    pub topic: String,
    pub payload: Value,
    pub created_at: DateTime<Utc>,
}

/// Claims up to `limit` outbox events not yet turned into notifications (in the caller's
/// transaction, SKIP LOCKED: instances never take one twice) and marks them.
pub async fn claim_outbox(db: &mut PgConnection, limit: i64) -> Result<Vec<OutboxEvent>, AppError> {
    Ok(sqlx::query_as!(
        OutboxEvent,
        "with due as (select id from outbox where notified_at is null order by id limit $1 for update skip locked)
         update outbox o set notified_at = now() from due where o.id = due.id
         returning o.id, o.tenant_id, o.topic, o.payload, o.created_at",
        limit
    )
    .fetch_all(&mut *db)
    .await?)
}

/// A notification to email.
pub struct ToMail {
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub id: i64,
    pub email: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub tries: i32,
}

/// Claims up to `limit` notifications waiting to be emailed (in the caller's transaction).
pub async fn claim_mail(db: &mut PgConnection, limit: i64) -> Result<Vec<ToMail>, AppError> {
    Ok(sqlx::query_as!(
        ToMail,
        r#"select n.tenant_id, t.name as tenant_name, n.id, u.email, n.title, n.body, n.link, n.email_tries as tries
           from notifications n join users u on u.id = n.user_id join tenants t on t.id = n.tenant_id
           where n.email_state = 'pending' order by n.id limit $1 for update of n skip locked"#,
        limit
    )
    .fetch_all(&mut *db)
    .await?)
}

/// Records a send: sent, or one more failed try (failed for good after `max_tries`).
pub async fn mailed(db: &mut PgConnection, tenant: Uuid, id: i64, ok: bool, max_tries: i32) -> Result<(), AppError> {
    sqlx::query!(
        "update notifications
            set email_tries = email_tries + 1,
                email_state = case when $3 then 'sent' when email_tries + 1 >= $4 then 'failed' else 'pending' end
          where tenant_id = $1 and id = $2",
        tenant,
        id,
        ok,
        max_tries
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}
