//! Webhook endpoints and deliveries (PRODUCT.md E2). Every query names its tenant, except
//! the deliverer's own (`dispatch`, `claim`, `record`), which work across tenants by
//! design and carry each row's tenant along.

use crate::error::AppError;
use crate::model::webhooks::{Delivery, DeliveryStatus, Endpoint, EndpointStatus, NewEndpoint};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// A tenant's endpoints (all, or the one `id`), oldest first.
pub async fn endpoints(db: impl PgExecutor<'_>, tenant: Uuid, id: Option<Uuid>) -> Result<Vec<Endpoint>, AppError> {
    Ok(sqlx::query_as!(
        Endpoint,
        r#"select id, tenant_id, url, description, topics, status as "status: EndpointStatus", disabled_reason,
                  disabled_at, failing_since, created_at, created_by, secret_rotated_at,
                  previous_expires_at as previous_secret_expires_at
           from webhook_endpoints where tenant_id = $1 and ($2::uuid is null or id = $2)
           order by created_at, id"#,
        tenant,
        id
    )
    .fetch_all(db)
    .await?)
}

pub async fn endpoint(db: impl PgExecutor<'_>, tenant: Uuid, id: Uuid) -> Result<Option<Endpoint>, AppError> {
    Ok(endpoints(db, tenant, Some(id)).await?.into_iter().next())
}

/// Locks the tenant's endpoint rows and counts them (so two registrations at once can't
/// both take the last place).
pub async fn lock_count(db: &mut PgConnection, tenant: Uuid) -> Result<i64, AppError> {
    sqlx::query!("select id from tenants where id = $1 for update", tenant).fetch_optional(&mut *db).await?;
    Ok(sqlx::query_scalar!(r#"select count(*) as "n!" from webhook_endpoints where tenant_id = $1"#, tenant)
        .fetch_one(&mut *db)
        .await?)
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    e: &NewEndpoint,
    secret: &str,
    created_by: &str,
) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into webhook_endpoints (tenant_id, url, description, topics, secret, created_by)
         values ($1, $2, $3, $4, $5, $6) returning id",
        tenant,
        e.url,
        e.description,
        &e.topics,
        secret,
        created_by
    )
    .fetch_one(db)
    .await?)
}

/// Deletes an endpoint and its deliveries; answers whether it existed.
pub async fn delete(db: impl PgExecutor<'_>, tenant: Uuid, id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query!("delete from webhook_endpoints where tenant_id = $1 and id = $2", tenant, id)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

/// A new secret; the current one keeps signing until `overlap_until`.
pub async fn rotate(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    id: Uuid,
    secret: &str,
    overlap_until: DateTime<Utc>,
) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "update webhook_endpoints set previous_secret = secret, previous_expires_at = $4, secret = $3,
                secret_rotated_at = now()
         where tenant_id = $1 and id = $2",
        tenant,
        id,
        secret,
        overlap_until
    )
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}

/// Enables an endpoint (its failure streak starts over).
pub async fn enable(db: impl PgExecutor<'_>, tenant: Uuid, id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "update webhook_endpoints set status = 'enabled', disabled_reason = null, disabled_at = null,
                failing_since = null
         where tenant_id = $1 and id = $2 and status = 'disabled'",
        tenant,
        id
    )
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}

/// Disables endpoints still enabled and fails their pending deliveries; answers those
/// it disabled.
pub async fn disable(
    db: &mut PgConnection,
    keys: &[(Uuid, Uuid)],
    reason: &str,
) -> Result<Vec<(Uuid, Uuid)>, AppError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let tenants: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
    let ids: Vec<Uuid> = keys.iter().map(|k| k.1).collect();
    let done = sqlx::query!(
        "update webhook_endpoints e set status = 'disabled', disabled_reason = $3, disabled_at = now()
         from unnest($1::uuid[], $2::uuid[]) as k(tenant_id, id)
         where e.tenant_id = k.tenant_id and e.id = k.id and e.status = 'enabled'
         returning e.tenant_id, e.id",
        &tenants,
        &ids,
        reason
    )
    .fetch_all(&mut *db)
    .await?;
    let tenants: Vec<Uuid> = done.iter().map(|r| r.tenant_id).collect();
    let ids: Vec<Uuid> = done.iter().map(|r| r.id).collect();
    sqlx::query!(
        "update webhook_deliveries d set status = 'failed', next_attempt_at = null,
                error = coalesce(d.error || ' ', '') || '(The endpoint was disabled.)'
         from unnest($1::uuid[], $2::uuid[]) as k(tenant_id, id)
         where d.tenant_id = k.tenant_id and d.endpoint_id = k.id and d.status = 'pending'",
        &tenants,
        &ids
    )
    .execute(&mut *db)
    .await?;
    Ok(done.into_iter().map(|r| (r.tenant_id, r.id)).collect())
}

/// An endpoint's deliveries, newest first: all, or the one `id`; `before` pages.
pub async fn deliveries(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    endpoint: Uuid,
    id: Option<Uuid>,
    before: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<Delivery>, AppError> {
    Ok(sqlx::query_as!(
        Delivery,
        r#"select id, endpoint_id, msg_id, topic, status as "status: DeliveryStatus", attempts, next_attempt_at,
                  last_attempt_at, response_status, response_ms, response_excerpt, error, replay_of, created_at, body
           from webhook_deliveries
           where tenant_id = $1 and endpoint_id = $2 and ($3::uuid is null or id = $3)
             and ($4::timestamptz is null or created_at < $4)
           order by created_at desc, id desc limit $5"#,
        tenant,
        endpoint,
        id,
        before,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// Queues one message for one endpoint, due now.
pub async fn queue(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    endpoint: Uuid,
    msg_id: &str,
    topic: &str,
    body: &str,
) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into webhook_deliveries (tenant_id, endpoint_id, msg_id, topic, body, next_attempt_at)
         values ($1, $2, $3, $4, $5, now()) returning id",
        tenant,
        endpoint,
        msg_id,
        topic,
        body
    )
    .fetch_one(db)
    .await?)
}

/// Queues the deliveries of an endpoint created in [since, until) again (the failed ones,
/// or all), each with its message id, due now; at most `max`. Answers how many.
pub async fn replay(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    endpoint: Uuid,
    only: Option<Uuid>,
    range: Option<(DateTime<Utc>, DateTime<Utc>, bool)>,
    max: i64,
) -> Result<Vec<Uuid>, AppError> {
    let (since, until, failed_only) = match range {
        Some((s, u, f)) => (Some(s), Some(u), f),
        None => (None, None, false),
    };
    Ok(sqlx::query_scalar!(
        "insert into webhook_deliveries (tenant_id, endpoint_id, msg_id, topic, body, next_attempt_at, replay_of)
         select tenant_id, endpoint_id, msg_id, topic, body, now(), id from (
             select tenant_id, endpoint_id, msg_id, topic, body, id from webhook_deliveries
             where tenant_id = $1 and endpoint_id = $2 and ($3::uuid is null or id = $3)
               and ($4::timestamptz is null or created_at >= $4) and ($5::timestamptz is null or created_at < $5)
               and (not $6 or status = 'failed')
             order by created_at limit $7) d
         returning id",
        tenant,
        endpoint,
        only,
        since,
        until,
        failed_only,
        max
    )
    .fetch_all(db)
    .await?)
}

/// Turns up to `batch` undelivered outbox events into deliveries, one per enabled
/// endpoint subscribed to the event's topic (and registered before the event happened), all sharing one message id, and marks the
/// events delivered. Claimed with SKIP LOCKED: instances never dispatch one event twice.
/// Answers (events taken, deliveries made).
pub async fn dispatch(db: impl PgExecutor<'_>, batch: i64) -> Result<(i64, i64), AppError> {
    let r = sqlx::query!(
        r#"with events as (
               select id, tenant_id, topic, payload, created_at from outbox
               where delivered_at is null order by id limit $1 for update skip locked
           ), messages as materialized (
               select e.*, 'msg_' || replace(gen_random_uuid()::text, '-', '') as msg_id from events e
           ), queued as (
               insert into webhook_deliveries (tenant_id, endpoint_id, msg_id, topic, body, next_attempt_at)
               select m.tenant_id, w.id, m.msg_id, m.topic,
                      jsonb_build_object('type', m.topic, 'timestamp', m.created_at, 'tenant_id', m.tenant_id,
                                         'data', m.payload)::text,
                      now()
               from messages m
               join webhook_endpoints w on w.tenant_id = m.tenant_id and w.status = 'enabled'
                    and w.created_at <= m.created_at and webhook_topic_matches(w.topics, m.topic)
               returning 1
           ), done as (
               update outbox o set delivered_at = now() from events e where o.id = e.id returning 1
           )
           select (select count(*) from done) as "events!", (select count(*) from queued) as "deliveries!""#,
        batch
    )
    .fetch_one(db)
    .await?;
    Ok((r.events, r.deliveries))
}

/// A delivery claimed for an attempt, with what sending it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub tenant_id: Uuid,
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub msg_id: String,
    pub body: String,
    /// This attempt's number (1-based).
    pub attempt: i32,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
}

/// Claims up to `batch` due deliveries of enabled endpoints for one attempt each: the
/// attempt is counted and the delivery is due again when `lease` is up, so a process that
/// dies mid-send leaves it to be retried, never lost. SKIP LOCKED: instances never claim
/// one delivery twice.
pub async fn claim(db: impl PgExecutor<'_>, batch: i64, lease: std::time::Duration) -> Result<Vec<Claimed>, AppError> {
    let lease_ms = lease.as_millis() as f64;
    Ok(sqlx::query_as!(
        Claimed,
        r#"with due as (
               select d.tenant_id, d.id from webhook_deliveries d
               join webhook_endpoints e on e.tenant_id = d.tenant_id and e.id = d.endpoint_id and e.status = 'enabled'
               where d.status = 'pending' and d.next_attempt_at <= now()
               order by d.next_attempt_at limit $1
               for update of d skip locked
           )
           update webhook_deliveries d
           set attempts = d.attempts + 1, last_attempt_at = now(),
               next_attempt_at = now() + make_interval(secs => $2::float8 / 1000)
           from due, webhook_endpoints e
           where d.tenant_id = due.tenant_id and d.id = due.id and e.tenant_id = d.tenant_id and e.id = d.endpoint_id
           returning d.tenant_id, d.id, d.endpoint_id, d.msg_id, d.body, d.attempts as attempt, e.url, e.secret,
                     case when e.previous_expires_at > now() then e.previous_secret end as previous_secret"#,
        batch,
        lease_ms
    )
    .fetch_all(db)
    .await?)
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub tenant_id: Uuid,
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub status: DeliveryStatus,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub response_status: Option<i32>,
    pub response_ms: i32,
    pub excerpt: Option<String>,
    pub error: Option<String>,
}

/// Writes attempts' outcomes, and each endpoint's failure streak (cleared by a success,
/// started by a failure). Answers the endpoints failing since before `disable_before`.
pub async fn record(
    db: &mut PgConnection,
    outcomes: &[Outcome],
    disable_before: DateTime<Utc>,
) -> Result<Vec<(Uuid, Uuid)>, AppError> {
    if outcomes.is_empty() {
        return Ok(Vec::new());
    }
    let col = |f: fn(&Outcome) -> Uuid| outcomes.iter().map(f).collect::<Vec<_>>();
    let statuses: Vec<DeliveryStatus> = outcomes.iter().map(|o| o.status).collect();
    let statuses: Vec<String> = statuses
        .iter()
        .map(|s| match s {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        })
        .map(String::from)
        .collect();
    let next: Vec<Option<DateTime<Utc>>> = outcomes.iter().map(|o| o.next_attempt_at).collect();
    let codes: Vec<Option<i32>> = outcomes.iter().map(|o| o.response_status).collect();
    let ms: Vec<i32> = outcomes.iter().map(|o| o.response_ms).collect();
    let excerpts: Vec<Option<String>> = outcomes.iter().map(|o| o.excerpt.clone()).collect();
    let errors: Vec<Option<String>> = outcomes.iter().map(|o| o.error.clone()).collect();
    sqlx::query!(
        "update webhook_deliveries d
         set status = o.status, next_attempt_at = o.next_at, response_status = o.code, response_ms = o.ms,
             response_excerpt = o.excerpt, error = o.error
         from unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::int4[], $6::int4[], $7::text[], $8::text[])
              as o(tenant_id, id, status, next_at, code, ms, excerpt, error)
         where d.tenant_id = o.tenant_id and d.id = o.id and d.status = 'pending'",
        &col(|o| o.tenant_id),
        &col(|o| o.id),
        &statuses,
        &next as &[Option<DateTime<Utc>>],
        &codes as &[Option<i32>],
        &ms,
        &excerpts as &[Option<String>],
        &errors as &[Option<String>],
    )
    .execute(&mut *db)
    .await?;
    let ok: Vec<bool> = outcomes.iter().map(|o| o.status == DeliveryStatus::Succeeded).collect();
    Ok(sqlx::query!(
        "update webhook_endpoints e
         set failing_since = case when s.any_ok then null else coalesce(e.failing_since, now()) end
         from (select tenant_id, id, bool_or(ok) as any_ok
               from unnest($1::uuid[], $2::uuid[], $3::bool[]) as o(tenant_id, id, ok) group by 1, 2) s
         where e.tenant_id = s.tenant_id and e.id = s.id
         returning e.tenant_id, e.id, e.failing_since",
        &col(|o| o.tenant_id),
        &col(|o| o.endpoint_id),
        &ok,
    )
    .fetch_all(&mut *db)
    .await?
    .into_iter()
    .filter(|r| r.failing_since.is_some_and(|f| f < disable_before))
    .map(|r| (r.tenant_id, r.id))
    .collect())
}

/// How far behind delivery is: the age of the oldest due delivery (or undelivered event).
pub async fn lag(db: impl PgExecutor<'_>) -> Result<Option<f64>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select extract(epoch from now() - least(
               (select min(next_attempt_at) from webhook_deliveries where status = 'pending' and next_attempt_at <= now()),
               (select min(created_at) from outbox where delivered_at is null)))::float8 as "lag""#
    )
    .fetch_one(db)
    .await?)
}

/// Forgets what is past keeping, at most `batch` rows of each kind per call: events
/// dispatched before `events_before`, and finished deliveries created before
/// `deliveries_before`. Answers how many rows went.
pub async fn purge(
    db: &mut PgConnection,
    events_before: DateTime<Utc>,
    deliveries_before: DateTime<Utc>,
    batch: i64,
) -> Result<u64, AppError> {
    let events = sqlx::query!(
        "delete from outbox where id in (
             select id from outbox where delivered_at < $1 and notified_at is not null order by id limit $2)",
        events_before,
        batch
    )
    .execute(&mut *db)
    .await?
    .rows_affected();
    let deliveries = sqlx::query!(
        "delete from webhook_deliveries where (tenant_id, id) in (
             select tenant_id, id from webhook_deliveries
             where status <> 'pending' and created_at < $1 limit $2)",
        deliveries_before,
        batch
    )
    .execute(&mut *db)
    .await?
    .rows_affected();
    Ok(events + deliveries)
}
