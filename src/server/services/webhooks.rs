//! Webhook endpoints (PRODUCT.md E2): owners and admins register where the tenant's
//! events go, see the secret once, rotate it with an overlap, send a test event, read the
//! delivery log and replay deliveries. Every change is audited; sending is the
//! `webhooks` worker's (`server::webhooks`).

use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::webhooks::*;
use crate::model::Permission;
use crate::server::access::Caller;
use crate::server::state::AppState;
use crate::server::webhooks::sign;
use chrono::Utc;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// Deliveries a log page holds at most.
pub const LOG_MAX: i64 = 100;

const NO_ENDPOINT: &str = "This tenant has no webhook endpoint with that id.";

pub async fn list(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<Vec<Endpoint>, AppError> {
    caller.require_on(tenant, Permission::WebhooksManage)?;
    db::webhooks::endpoints(pool, tenant, None).await
}

async fn get(pool: &PgPool, tenant: Uuid, id: Uuid) -> Result<Endpoint, AppError> {
    db::webhooks::endpoint(pool, tenant, id).await?.ok_or_else(|| AppError::not_found(NO_ENDPOINT))
}

/// The endpoint, if it is enabled (sending to it, or replaying, needs that): 409 if not.
async fn enabled(pool: &PgPool, tenant: Uuid, id: Uuid, then: &str) -> Result<Endpoint, AppError> {
    let e = get(pool, tenant, id).await?;
    if e.status == EndpointStatus::Disabled {
        return Err(AppError::conflict(format!("The endpoint is disabled. Enable it first{then}.")));
    }
    Ok(e)
}

/// Checks and normalises a new endpoint, including where its URL points (after DNS).
async fn check(state: &AppState, e: NewEndpoint) -> Result<NewEndpoint, AppError> {
    let mut errors = crate::error::FieldErrors::new();
    let url = e.url.trim().to_string();
    match check_url_shape(&url) {
        Err(m) => {
            errors.insert("url".into(), m);
        }
        Ok(()) => {
            if let Err(r) = state.outbound.policy.check_url(&url).await {
                errors.insert("url".into(), r.0);
            }
        }
    }
    let description = e.description.trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION || description.chars().any(char::is_control) {
        errors.insert("description".into(), format!("At most {MAX_DESCRIPTION} characters, on one line."));
    }
    let topics = match check_topics(&e.topics) {
        Ok(t) => t,
        Err(m) => {
            errors.insert("topics".into(), m);
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    Ok(NewEndpoint { url, description, topics })
}

pub async fn create(
    state: &AppState,
    caller: &Caller,
    tenant: Uuid,
    e: NewEndpoint,
) -> Result<EndpointWithSecret, AppError> {
    caller.require_on(tenant, Permission::WebhooksManage)?;
    let e = check(state, e).await?;
    let secret = sign::new_secret();
    let mut tx = state.pool.begin().await?;
    if db::webhooks::lock_count(&mut tx, tenant).await? >= MAX_ENDPOINTS {
        return Err(AppError::conflict(format!(
            "A tenant can have at most {MAX_ENDPOINTS} webhook endpoints. Delete one first, or subscribe one endpoint to more topics."
        )));
    }
    let actor = caller.actor();
    let id = db::webhooks::insert(&mut *tx, tenant, &e, &secret, &actor.label).await?;
    NewEvent::new("webhook.created", "webhook", id)
        .in_tenant(tenant)
        .after(json!({ "url": e.url, "description": e.description, "topics": e.topics }))
        .record(&mut *tx, &actor)
        .await?;
    tx.commit().await?;
    Ok(EndpointWithSecret { endpoint: get(&state.pool, tenant, id).await?, secret })
}

pub async fn delete(pool: &PgPool, caller: &Caller, tenant: Uuid, id: Uuid) -> Result<Endpoint, AppError> {
    caller.require_on(tenant, Permission::WebhooksManage)?;
    let before = get(pool, tenant, id).await?;
    let mut tx = pool.begin().await?;
    if !db::webhooks::delete(&mut *tx, tenant, id).await? {
        return Err(AppError::not_found(NO_ENDPOINT));
    }
    NewEvent::new("webhook.deleted", "webhook", id)
        .in_tenant(tenant)
        .before(json!({ "url": before.url, "topics": before.topics }))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    Ok(before)
}

/// A new secret, answered once; the old one keeps signing (a second signature) for the
/// configured overlap, so receivers can switch without losing events.
pub async fn rotate(state: &AppState, caller: &Caller, tenant: Uuid, id: Uuid) -> Result<EndpointWithSecret, AppError> {
    caller.require_on(tenant, Permission::WebhooksManage)?;
    let secret = sign::new_secret();
    let hours = state.config.webhooks.rotation_overlap_hours.min(24 * 30) as i64;
    let until = Utc::now() + chrono::Duration::hours(hours);
    let mut tx = state.pool.begin().await?;
    if !db::webhooks::rotate(&mut *tx, tenant, id, &secret, until).await? {
        return Err(AppError::not_found(NO_ENDPOINT));
    }
    NewEvent::new("webhook.secret_rotated", "webhook", id)
        .in_tenant(tenant)
        .after(json!({ "previous_valid_until": until }))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    Ok(EndpointWithSecret { endpoint: get(&state.pool, tenant, id).await?, secret })
}

/// Sends to a disabled endpoint again (its failure streak starts over). What it missed
/// can be replayed.
pub async fn enable(pool: &PgPool, caller: &Caller, tenant: Uuid, id: Uuid) -> Result<Endpoint, AppError> {
    caller.require_on(tenant, Permission::WebhooksManage)?;
    let mut tx = pool.begin().await?;
    if db::webhooks::enable(&mut *tx, tenant, id).await? {
        NewEvent::new("webhook.enabled", "webhook", id).in_tenant(tenant).record(&mut *tx, &caller.actor()).await?;
    }
    tx.commit().await?;
    get(pool, tenant, id).await
}

/// Queues a `webhook.test` event for this endpoint only.
pub async fn send_test(pool: &PgPool, caller: &Caller, tenant: Uuid, id: Uuid) -> Result<Delivery, AppError> {
    caller.require_on(tenant, Permission::WebhooksManage)?;
    enabled(pool, tenant, id, "").await?;
    let msg_id = format!("msg_{}", Uuid::new_v4().simple());
    let body = json!({
        "type": TEST_TOPIC,
        "timestamp": Utc::now(),
        "tenant_id": tenant,
        "data": { "message": "A test event from Tenantry.", "endpoint_id": id, "sent_by": caller.actor().label },
    })
    .to_string();
    let delivery = db::webhooks::queue(pool, tenant, id, &msg_id, TEST_TOPIC, &body).await?;
    one(pool, tenant, id, delivery).await
}

async fn one(pool: &PgPool, tenant: Uuid, endpoint: Uuid, id: Uuid) -> Result<Delivery, AppError> {
    db::webhooks::deliveries(pool, tenant, endpoint, Some(id), None, 1)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::not_found("This endpoint has no delivery with that id."))
}

/// The endpoint's deliveries, newest first (at most `limit`, up to 100), older than
/// `before` when paging.
pub async fn deliveries(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    id: Uuid,
    before: Option<chrono::DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<Delivery>, AppError> {
    caller.require_on(tenant, Permission::WebhooksManage)?;
    get(pool, tenant, id).await?;
    db::webhooks::deliveries(pool, tenant, id, None, before, limit.clamp(1, LOG_MAX)).await
}

/// The log of `endpoint`, or of the tenant's first endpoint; `None` when it has none.
pub async fn log(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    endpoint: Option<Uuid>,
) -> Result<Option<EndpointLog>, AppError> {
    caller.require_on(tenant, Permission::WebhooksManage)?;
    let all = db::webhooks::endpoints(pool, tenant, None).await?;
    let Some(e) = endpoint.and_then(|id| all.iter().find(|e| e.id == id)).or(all.first()).cloned() else {
        return Ok(None);
    };
    let deliveries = db::webhooks::deliveries(pool, tenant, e.id, None, None, 50).await?;
    Ok(Some(EndpointLog { endpoint: e, deliveries }))
}

/// Sends one delivery's message again (same `webhook-id`), as a new delivery.
pub async fn replay_one(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    endpoint: Uuid,
    delivery: Uuid,
) -> Result<Delivery, AppError> {
    caller.require_on(tenant, Permission::WebhooksManage)?;
    enabled(pool, tenant, endpoint, ", then replay").await?;
    let mut tx = pool.begin().await?;
    let ids = db::webhooks::replay(&mut *tx, tenant, endpoint, Some(delivery), None, 1).await?;
    let Some(&new) = ids.first() else {
        return Err(AppError::not_found("This endpoint has no delivery with that id."));
    };
    NewEvent::new("webhook.replayed", "webhook", endpoint)
        .in_tenant(tenant)
        .after(json!({ "delivery": delivery, "replay": new }))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    one(pool, tenant, endpoint, new).await
}

/// Sends again every delivery (or every failed one) created in a time range, at most
/// 10,000, oldest first.
pub async fn replay_range(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    endpoint: Uuid,
    r: ReplayRange,
) -> Result<Replayed, AppError> {
    caller.require_on(tenant, Permission::WebhooksManage)?;
    let until = r.until.unwrap_or_else(Utc::now);
    if until <= r.since {
        return Err(AppError::invalid("until", "The end of the range must come after its start."));
    }
    enabled(pool, tenant, endpoint, ", then replay").await?;
    let mut tx = pool.begin().await?;
    let ids = db::webhooks::replay(&mut *tx, tenant, endpoint, None, Some((r.since, until, r.failed_only)), MAX_REPLAY)
        .await?;
    let replayed = ids.len() as i64;
    if replayed > 0 {
        NewEvent::new("webhook.replayed", "webhook", endpoint)
            .in_tenant(tenant)
            .after(json!({ "since": r.since, "until": until, "failed_only": r.failed_only, "count": replayed }))
            .record(&mut *tx, &caller.actor())
            .await?;
    }
    tx.commit().await?;
    Ok(Replayed { replayed })
}

/// Demo data: an endpoint for every event on each of the three tenants the demo presses
/// near their limits (their alerts and policy actions are sent), pointing at the demo
/// receiver inside the portal (`receiver`), with a test event each so the log starts with
/// something. Local development allows 127.0.0.1 in `[outbound] allow` (scripts/run).
pub async fn demo(pool: &PgPool, receiver: &str) -> Result<usize, AppError> {
    let mut added = 0;
    for tenant in db::usage::demo_tenants(pool, 3).await? {
        if !db::webhooks::endpoints(pool, tenant, None).await?.is_empty() {
            continue;
        }
        let e = NewEndpoint {
            url: receiver.to_string(),
            description: "Demo receiver inside the portal (answers 429 now and then)".into(),
            topics: vec!["*".into()],
        };
        let id = db::webhooks::insert(pool, tenant, &e, &sign::new_secret(), "demo").await?;
        send_test(pool, &Caller::system(), tenant, id).await?;
        added += 1;
    }
    Ok(added)
}
