//! Reported usage (PRODUCT.md U1): a batch of up to 1,000 events checked one by one and
//! written exactly once. Each event's idempotency key is recorded in `usage_dedup` in the
//! same transaction as the event, so a batch sent again (after a timeout, or a crash on
//! either side) counts nothing twice: a key seen with the same payload is a duplicate, with
//! a different one a conflict.

use crate::db;
use crate::error::AppError;
use crate::model::usage::*;
use crate::model::Permission;
use crate::server::access::Caller;
use crate::server::services::tenants;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;

/// The body of `POST /api/v1/usage`. Events are read one by one, so one bad event is
/// reported as that event's outcome instead of refusing the batch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// The tenant reported for (id or slug): only a platform administrator names one; an
    /// API key reports for its own tenant.
    #[serde(default)]
    pub tenant: Option<String>,
    pub events: Vec<Box<RawValue>>,
}

/// One event as sent, before it is checked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sent {
    metric: Option<Value>,
    value: Option<Box<RawValue>>,
    time: Option<Value>,
    idempotency_key: Option<Value>,
    dimensions: Option<Value>,
}

struct Invalid {
    field: &'static str,
    error: String,
    /// The metric is not in the catalog this instance holds (it may have been added since).
    unknown_metric: bool,
}

fn invalid(field: &'static str, error: impl Into<String>) -> Invalid {
    Invalid { field, error: error.into(), unknown_metric: false }
}

/// How long this instance trusts its copy of the metric catalog.
const CATALOG_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// The metric catalog as this instance last read it, so a batch costs one statement, not
/// two. A batch naming a metric the copy doesn't know reads the catalog again before
/// calling the metric unknown, so a metric an operator adds is accepted at once; other
/// changes (a metric made measured) reach every instance within `CATALOG_TTL`.
#[derive(Default)]
pub struct MetricCatalog {
    copy: std::sync::Mutex<Option<(std::time::Instant, Catalog)>>,
}

type Catalog = Arc<HashMap<String, Metric>>;

impl MetricCatalog {
    /// The copy, read again when it is older than `CATALOG_TTL` (or `fresh`).
    async fn get(&self, pool: &PgPool, fresh: bool) -> Result<Catalog, AppError> {
        let held = self.copy.lock().ok().and_then(|c| c.clone());
        if let Some((_, catalog)) = held.filter(|(at, _)| !fresh && at.elapsed() < CATALOG_TTL) {
            return Ok(catalog);
        }
        let catalog: Catalog =
            Arc::new(db::usage::metrics(pool).await?.into_iter().map(|m| (m.id.clone(), m)).collect());
        if let Ok(mut c) = self.copy.lock() {
            *c = Some((std::time::Instant::now(), catalog.clone()));
        }
        Ok(catalog)
    }
}

/// Checks one event against the catalog and the clock.
fn check(raw: &RawValue, catalog: &HashMap<String, Metric>, now: DateTime<Utc>) -> Result<UsageEvent, Invalid> {
    let sent: Sent = serde_json::from_str(raw.get()).map_err(|e| {
        let msg = e.to_string();
        match msg.split_once("unknown field `") {
            Some((_, rest)) => {
                let name = rest.split('`').next().unwrap_or_default();
                invalid("event", format!("An event has no field \u{201c}{name}\u{201d}; it has metric, value, time, idempotency_key and dimensions."))
            }
            None => invalid("event", "Each event must be an object with metric, value, time and idempotency_key."),
        }
    })?;
    let key = match sent.idempotency_key {
        Some(Value::String(k)) => k,
        Some(_) => return Err(invalid("idempotency_key", "idempotency_key must be a string.")),
        None => return Err(invalid("idempotency_key", "idempotency_key is required.")),
    };
    if key.is_empty() || key.chars().count() > KEY_MAX || key.chars().any(char::is_control) {
        return Err(invalid(
            "idempotency_key",
            format!("idempotency_key must be 1 to {KEY_MAX} characters, without control characters."),
        ));
    }
    let metric = match sent.metric {
        Some(Value::String(m)) => m,
        Some(_) => return Err(invalid("metric", "metric must be a string.")),
        None => return Err(invalid("metric", "metric is required.")),
    };
    match catalog.get(&metric) {
        None => {
            return Err(Invalid {
                unknown_metric: true,
                ..invalid("metric", format!("There is no metric called \u{201c}{}\u{201d}.", short(&metric)))
            })
        }
        Some(m) if m.source == MetricSource::Measured => {
            return Err(invalid("metric", format!("{} is measured by the portal itself and can't be reported.", m.id)))
        }
        Some(_) => {}
    }
    let value = match sent.value {
        None => return Err(invalid("value", "value is required.")),
        Some(raw) => match serde_json::from_str::<Value>(raw.get()) {
            Ok(Value::Number(n)) => n.as_f64().filter(|v| v.is_finite()),
            Err(_) => None,
            Ok(_) => return Err(invalid("value", "value must be a number.")),
        }
        .ok_or_else(|| invalid("value", "value must be a finite number."))?,
    };
    if value < 0.0 {
        return Err(invalid("value", "value must not be negative."));
    }
    let time = match sent.time {
        Some(Value::String(t)) => DateTime::parse_from_rfc3339(&t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| invalid("time", "time must be an RFC 3339 time, e.g. 2026-12-03T10:15:00Z."))?,
        Some(_) => return Err(invalid("time", "time must be an RFC 3339 time string.")),
        None => return Err(invalid("time", "time is required.")),
    };
    if time < now - Duration::days(DEDUP_WINDOW_DAYS) {
        return Err(invalid(
            "time",
            format!("time is more than {DEDUP_WINDOW_DAYS} days ago; usage that old can't be reported."),
        ));
    }
    if time > now + Duration::seconds(MAX_AHEAD_SECS) {
        return Err(invalid("time", "time is more than 5 minutes in the future; check the sender's clock."));
    }
    let dimensions = match sent.dimensions {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(check_dimensions(map)?),
        Some(_) => return Err(invalid("dimensions", "dimensions must be an object of names to values.")),
    };
    // -0.0 and 0.0 are the same amount (and must fingerprint the same).
    let value = if value == 0.0 { 0.0 } else { value };
    Ok(UsageEvent { metric, value, time, idempotency_key: key, dimensions })
}

fn check_dimensions(map: Map<String, Value>) -> Result<Map<String, Value>, Invalid> {
    if map.len() > DIMENSIONS_MAX {
        return Err(invalid("dimensions", format!("An event may have at most {DIMENSIONS_MAX} dimensions.")));
    }
    for (k, v) in &map {
        if k.is_empty() || k.chars().count() > 64 || k.chars().any(char::is_control) {
            return Err(invalid("dimensions", "Dimension names must be 1 to 64 characters."));
        }
        let ok = match v {
            Value::String(s) => s.chars().count() <= DIMENSION_TEXT_MAX,
            Value::Number(_) | Value::Bool(_) => true,
            _ => false,
        };
        if !ok {
            return Err(invalid(
                "dimensions",
                format!(
                    "Dimension values must be numbers, true/false or text of at most {DIMENSION_TEXT_MAX} characters."
                ),
            ));
        }
    }
    Ok(map)
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

/// What identifies an event's payload: equal for a resend, different for another event
/// under the same key. Dimensions are a sorted map, so their order does not matter.
pub fn fingerprint(e: &UsageEvent) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(e.metric.as_bytes());
    h.update([0]);
    h.update(e.value.to_bits().to_be_bytes());
    h.update(e.time.timestamp_micros().to_be_bytes());
    if let Some(d) = &e.dimensions {
        // Sorted here, whatever order the map keeps (a crate may switch on preserve_order).
        let mut pairs: Vec<(&String, &Value)> = d.iter().collect();
        pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (k, v) in pairs {
            h.update([1]);
            h.update(k.as_bytes());
            h.update([0]);
            h.update(v.to_string().as_bytes());
        }
    }
    h.finalize()[..16].to_vec()
}

/// The tenant a batch is for: an API key's own, or the one a platform admin names.
async fn tenant_of(pool: &PgPool, caller: &Caller, named: Option<&str>) -> Result<uuid::Uuid, AppError> {
    let tenant = match named.map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) => tenants::resolve(pool, t).await?,
        // Only a person without a tenant to work in gets here (a key always has its own).
        None => caller.tenant().ok_or_else(|| {
            AppError::forbidden("You are not working in a tenant: name the tenant this usage is for (its id or slug) in \u{201c}tenant\u{201d}.")
        })?,
    };
    caller.require_on(tenant, Permission::UsageWrite)?;
    Ok(tenant)
}

/// Checks and records a batch; answers each event's outcome in the order sent.
pub async fn ingest(
    pool: &PgPool,
    metrics: &MetricCatalog,
    caller: &Caller,
    batch: Batch,
) -> Result<BatchResult, AppError> {
    let tenant = tenant_of(pool, caller, batch.tenant.as_deref()).await?;
    if batch.events.len() > MAX_BATCH_EVENTS {
        return Err(AppError::PayloadTooLarge(format!(
            "A batch holds at most {MAX_BATCH_EVENTS} events; this one has {}. Send it in parts.",
            batch.events.len()
        )));
    }
    if batch.events.is_empty() {
        return Err(AppError::invalid("events", "Send at least one event."));
    }
    let mut catalog = metrics.get(pool, false).await?;
    let mut reread = false;
    let now = Utc::now();
    let mut result = BatchResult { tenant_id: tenant, ..Default::default() };
    // Index of each valid event, its fingerprint, and the first index per key.
    let mut valid: Vec<(usize, UsageEvent, Vec<u8>)> = Vec::with_capacity(batch.events.len());
    let mut first: HashMap<String, usize> = HashMap::new();
    for (index, raw) in batch.events.iter().enumerate() {
        let mut checked = check(raw, &catalog, now);
        if !reread && matches!(&checked, Err(bad) if bad.unknown_metric) {
            // Perhaps added since this instance read the catalog: read it again, once.
            catalog = metrics.get(pool, true).await?;
            reread = true;
            checked = check(raw, &catalog, now);
        }
        match checked {
            Ok(e) => {
                let fp = fingerprint(&e);
                first.entry(e.idempotency_key.clone()).or_insert(valid.len());
                valid.push((index, e, fp));
            }
            Err(bad) => result.results.push(EventResult {
                index,
                idempotency_key: key_of(raw),
                outcome: Outcome::Invalid,
                field: Some(bad.field.into()),
                error: Some(bad.error),
            }),
        }
    }
    let outcomes = match record(pool, tenant, &valid, &first).await? {
        Some(outcomes) => outcomes,
        None => {
            // A day without a partition (the worker makes them ahead; this is a backstop).
            let (lo, hi) = valid.iter().fold((now, now), |(lo, hi), (_, e, _)| (lo.min(e.time), hi.max(e.time)));
            db::usage::ensure_partitions(pool, lo.date_naive(), hi.date_naive()).await?;
            record(pool, tenant, &valid, &first).await?.ok_or_else(|| AppError::internal("usage", "no partition"))?
        }
    };
    for ((index, e, _), outcome) in valid.iter().zip(outcomes) {
        result.results.push(EventResult {
            index: *index,
            idempotency_key: Some(e.idempotency_key.clone()),
            outcome,
            field: None,
            error: (outcome == Outcome::Conflict)
                .then(|| "This idempotency_key was used before for a different event; it was not counted.".to_string()),
        });
    }
    result.results.sort_by_key(|r| r.index);
    for r in &result.results {
        match r.outcome {
            Outcome::Accepted => result.accepted += 1,
            Outcome::Duplicate => result.duplicates += 1,
            Outcome::Conflict => result.conflicts += 1,
            Outcome::Invalid => result.invalid += 1,
        }
    }
    metrics::counter!("tenantry_usage_events_total", "outcome" => "accepted").increment(result.accepted as u64);
    metrics::counter!("tenantry_usage_events_total", "outcome" => "duplicate").increment(result.duplicates as u64);
    Ok(result)
}

fn key_of(raw: &RawValue) -> Option<String> {
    #[derive(Deserialize)]
    struct K {
        idempotency_key: Option<Value>,
    }
    serde_json::from_str::<K>(raw.get()).ok()?.idempotency_key?.as_str().map(short)
}

/// How often a batch is written again when another batch wrote one of its keys meanwhile
/// (each round sees that batch's keys, so the next one succeeds unless yet another races).
const WRITE_ATTEMPTS: usize = 5;

/// Writes the batch's new events and their keys in one transaction and returns each valid
/// event's outcome; `None` when an event's day has no partition yet.
async fn record(
    pool: &PgPool,
    tenant: uuid::Uuid,
    valid: &[(usize, UsageEvent, Vec<u8>)],
    first: &HashMap<String, usize>,
) -> Result<Option<Vec<Outcome>>, AppError> {
    if valid.is_empty() {
        return Ok(Some(Vec::new()));
    }
    // Each key's first occurrence, in key order (see `write_new`).
    let mut firsts: Vec<&(usize, UsageEvent, Vec<u8>)> = first.values().map(|&i| &valid[i]).collect();
    firsts.sort_unstable_by(|a, b| a.1.idempotency_key.cmp(&b.1.idempotency_key));
    let mut ev = db::usage::KeyedEvents::default();
    for (_, e, fp) in firsts {
        ev.keys.push(e.idempotency_key.clone());
        ev.fingerprints.push(fp.clone());
        ev.metrics.push(e.metric.clone());
        ev.times.push(e.time);
        ev.values.push(e.value);
        ev.dimensions.push(e.dimensions.clone().map(Value::Object));
    }
    let mut attempt = 0;
    let seen: HashMap<String, Vec<u8>> = loop {
        attempt += 1;
        match db::usage::write_new(&mut *pool.acquire().await?, tenant, &ev).await {
            Ok(seen) => break seen.into_iter().collect(),
            Err(sqlx::Error::Database(e)) => match e.code().as_deref() {
                // No partition of usage_events for an event's day.
                Some("23514") => return Ok(None),
                // Another batch wrote one of these keys at the same moment: read them again.
                Some("23505" | "40P01") if attempt < WRITE_ATTEMPTS => continue,
                Some("23505" | "40P01") => return Err(AppError::Unavailable(
                    "Other batches with the same idempotency keys are being written right now; send this batch again."
                        .into(),
                )),
                _ => return Err(sqlx::Error::Database(e).into()),
            },
            Err(e) => return Err(e.into()),
        }
    };
    let outcomes = valid
        .iter()
        .enumerate()
        .map(|(i, (_, e, fp))| {
            let key = e.idempotency_key.as_str();
            let earlier = match seen.get(key) {
                Some(stored) => stored,
                None if first.get(key) == Some(&i) => return Outcome::Accepted,
                // Again within this batch: compare with its first occurrence.
                None => &valid[first[key]].2,
            };
            if earlier == fp {
                Outcome::Duplicate
            } else {
                Outcome::Conflict
            }
        })
        .collect();
    Ok(Some(outcomes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(metric: &str, value: f64, dims: Option<Value>) -> UsageEvent {
        UsageEvent {
            metric: metric.into(),
            value,
            time: DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z").unwrap().with_timezone(&Utc),
            idempotency_key: "k".into(),
            dimensions: dims.and_then(|d| d.as_object().cloned()),
        }
    }

    #[test]
    fn a_resend_fingerprints_the_same_and_another_event_does_not() {
        let a = ev("api_calls", 5.0, Some(serde_json::json!({ "region": "eu", "path": "/x" })));
        let same = ev("api_calls", 5.0, Some(serde_json::json!({ "path": "/x", "region": "eu" })));
        assert_eq!(fingerprint(&a), fingerprint(&same));
        assert_ne!(fingerprint(&a), fingerprint(&ev("api_calls", 6.0, None)));
        assert_ne!(fingerprint(&a), fingerprint(&ev("bandwidth_gb", 5.0, None)));
        assert_ne!(fingerprint(&ev("api_calls", 5.0, None)), fingerprint(&a));
        let other_dims = ev("api_calls", 5.0, Some(serde_json::json!({ "region": "us", "path": "/x" })));
        assert_ne!(fingerprint(&a), fingerprint(&other_dims));
    }

    #[test]
    fn events_are_checked_against_the_catalog_and_the_clock() {
        let catalog: HashMap<String, Metric> =
            [("api_calls", MetricSource::Reported), ("members", MetricSource::Measured)]
                .into_iter()
                .map(|(id, source)| {
                    let m = Metric {
                        id: id.into(),
                        name: id.into(),
                        unit: "x".into(),
                        aggregation: Aggregation::Sum,
                        source,
                        resource: None,
                    };
                    (id.to_string(), m)
                })
                .collect();
        let now = Utc::now();
        let raw = |s: String| RawValue::from_string(s).unwrap();
        let ok = raw(format!(
            r#"{{"metric":"api_calls","value":-0.0,"time":"{}","idempotency_key":"a"}}"#,
            now.to_rfc3339()
        ));
        let e = check(&ok, &catalog, now).map_err(|e| e.error).unwrap();
        assert_eq!(e.value.to_bits(), 0.0f64.to_bits(), "-0 is stored as 0");
        let measured =
            raw(format!(r#"{{"metric":"members","value":1,"time":"{}","idempotency_key":"a"}}"#, now.to_rfc3339()));
        assert_eq!(check(&measured, &catalog, now).err().map(|e| e.field), Some("metric"));
        let huge = raw(format!(
            r#"{{"metric":"api_calls","value":1e999,"time":"{}","idempotency_key":"a"}}"#,
            now.to_rfc3339()
        ));
        assert_eq!(check(&huge, &catalog, now).err().map(|e| e.field), Some("value"));
    }
}
