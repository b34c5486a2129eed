//! Usage metering (issue 11, U1-U4) on a real database, and helpers the parts share.

mod billing;
mod crash;
mod demo_traffic;
mod ingest;
mod reads;
mod rollups;

use crate::helpers::*;
use chrono::Utc;
use http::StatusCode;
use serde_json::{json, Value};
use tenantry::model::Scope;
use uuid::Uuid;

/// A live key of `tenant` with `scopes`: its secret.
pub async fn new_key(app: &TestApp, tenant: &str, scopes: &[Scope]) -> String {
    let t = Uuid::parse_str(tenant).unwrap();
    let prefix = format!("tnt_{}", &Uuid::new_v4().simple().to_string()[..8]);
    let secret = format!("{prefix}_{}", tenantry::server::auth::random_token(32));
    let hash = tenantry::server::auth::sha256(&secret);
    tenantry::db::api_keys::insert(&app.pool, t, "usage test", &prefix, &hash, scopes, None).await.unwrap();
    secret
}

/// A client calling with a new key of `tenant`.
pub async fn key_for(app: &TestApp, tenant: &str, scopes: &[Scope]) -> TestApp {
    app.with_key(&new_key(app, tenant, scopes).await)
}

pub use crate::helpers::active_tenant;

pub fn event(metric: &str, value: Value, key: &str) -> Value {
    json!({ "metric": metric, "value": value, "time": Utc::now(), "idempotency_key": key })
}

pub async fn report(app: &TestApp, body: Value) -> (StatusCode, Value) {
    app.call("POST", "/api/v1/usage", Some(body)).await
}

pub fn outcomes(body: &Value) -> Vec<String> {
    body["results"].as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap().to_string()).collect()
}

pub async fn count(app: &TestApp, sql: &str, tenant: &str) -> i64 {
    sqlx::query_scalar(sql).bind(Uuid::parse_str(tenant).unwrap()).fetch_one(&app.pool).await.unwrap()
}

/// Raw events summed per tenant, metric and hour, against the hourly rollups; and per day
/// against the daily ones (reported metrics: measured ones have no events).
pub async fn assert_rollups_match(pool: &sqlx::PgPool) {
    let diff: Vec<String> = sqlx::query_scalar(
        "with raw as (
             select tenant_id, metric, date_trunc('hour', at, 'UTC') as hour, sum(value) as total,
                    max(value) as peak, count(*) as n, max(at) as last_at
             from usage_events group by 1, 2, 3),
         -- The value of the hour's latest event (when several share that time, any of them).
         latest as (
             select r.tenant_id, r.metric, r.hour, min(e.value) as lo, max(e.value) as hi
             from raw r join usage_events e
                  on e.tenant_id = r.tenant_id and e.metric = r.metric and e.at = r.last_at
             group by 1, 2, 3)
         select format('%s %s raw %s/%s/%s/%s..%s rolled %s/%s/%s/%s', metric, hour, raw.total, raw.peak,
                       raw.n, latest.lo, latest.hi, h.total, h.peak, h.events, h.last)
         from raw join latest using (tenant_id, metric, hour)
              full join (select * from usage_hourly
                         where metric in (select id from usage_metrics where source = 'reported')) h
              using (tenant_id, metric, hour)
         where raw.total is distinct from h.total or raw.n is distinct from h.events
            or raw.peak is distinct from h.peak or raw.last_at is distinct from h.last_at
            or h.last is null or h.last not between latest.lo and latest.hi",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(
        diff.is_empty(),
        "hourly rollups differ from the raw events: {} rows, e.g. {:?}",
        diff.len(),
        &diff[..diff.len().min(3)]
    );
    let diff: i64 = sqlx::query_scalar(
        "with raw as (
             select tenant_id, metric, (at at time zone 'UTC')::date as day, sum(value) as total, count(*) as n
             from usage_events group by 1, 2, 3)
         select count(*) from raw full join (select * from usage_daily
                   where metric in (select id from usage_metrics where source = 'reported')) d
              using (tenant_id, metric, day)
         where abs(raw.total - d.total) > 1e-6 or raw.n is distinct from d.events or raw.total is null or d.total is null",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(diff, 0, "daily rollups differ from the raw events");
}

/// A rollup round as the worker runs it: the new BRIN ranges summarized, then the settled
/// batches added (so the rounds also prove that events written into a range after it was
/// summarized are still found).
pub async fn roll(pool: &sqlx::PgPool) {
    tenantry::server::metering::rollup_round(pool).await.unwrap();
}
