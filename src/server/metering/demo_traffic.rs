//! Demo traffic (demo data only): a few active demo tenants report usage every few
//! seconds through the real REST API (`POST /api/v1/usage`) with their own API keys, so
//! the usage dashboards move on a fresh portal. Each instance keeps the keys it made in
//! memory (a secret is never stored); one instance at a time sends (advisory lock).

use crate::error::AppError;
use crate::model::{NewApiKey, Scope};
use crate::server::access::Caller;
use crate::server::services::api_keys;
use crate::server::state::AppState;
use crate::server::workers::{exclusive, Round, Worker};
use chrono::Utc;
use futures_util::FutureExt;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

const KEY_NAME: &str = "Demo traffic";

pub fn worker() -> Worker {
    let keys: Arc<Mutex<HashMap<Uuid, String>>> = Arc::default();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
    Worker::new(
        "demo-traffic",
        "Reports demo usage through the REST API (demo data only)",
        Duration::from_secs(5),
        move |state: AppState| {
            let (keys, client) = (keys.clone(), client.clone());
            async move {
                // The lock's transaction stays open (idle) while this instance sends.
                let s = state.clone();
                exclusive(&state.pool, "demo-traffic", move |_| async move { round(&s, &keys, &client).await }.boxed())
                    .await?;
                Ok(Round::default())
            }
        },
    )
}

async fn round(
    state: &AppState,
    keys: &Mutex<HashMap<Uuid, String>>,
    client: &reqwest::Client,
) -> Result<(), AppError> {
    let n = state.config.usage.demo_traffic_tenants as i64;
    let tenants = crate::db::usage::demo_tenants(&state.pool, n).await?;
    let addr = state.config.server.site_addr;
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
    let url = format!("http://{host}:{}/api/v1/usage", addr.port());
    let mut rng = fastrand::Rng::new();
    for (i, tenant) in tenants.into_iter().enumerate() {
        let secret = match keys.lock().ok().and_then(|k| k.get(&tenant).cloned()) {
            Some(s) => s,
            None => {
                let s = new_key(state, tenant).await?;
                if let Ok(mut k) = keys.lock() {
                    k.insert(tenant, s.clone());
                }
                s
            }
        };
        // Bigger tenants (earlier in the list) are busier; every tenant's traffic wobbles.
        let scale = 1.0 + (tenants_weight(i) * rng.f64());
        let now = Utc::now();
        let events = json!({ "events": [
            { "metric": "api_calls", "value": (40.0 * scale).round(), "time": now, "idempotency_key": Uuid::new_v4() },
            { "metric": "bandwidth_gb", "value": 0.002 * scale, "time": now, "idempotency_key": Uuid::new_v4() },
            { "metric": "storage_gb", "value": 1.0 + (i as f64) * 0.5 + rng.f64() * 0.05, "time": now, "idempotency_key": Uuid::new_v4() },
        ]});
        let sent = client.post(&url).bearer_auth(&secret).json(&events).send().await;
        match sent {
            Ok(res) if res.status().is_success() => {}
            Ok(res) if res.status() == reqwest::StatusCode::UNAUTHORIZED => {
                // The key was revoked (by a person, or another instance's start): make another.
                if let Ok(mut k) = keys.lock() {
                    k.remove(&tenant);
                }
            }
            Ok(res) => tracing::debug!(status = %res.status(), "demo usage refused"),
            Err(e) => tracing::debug!(error = %e, "demo usage not sent"),
        }
    }
    Ok(())
}

fn tenants_weight(i: usize) -> f64 {
    4.0 / (1.0 + i as f64 * 0.5)
}

/// A fresh key for the tenant; earlier demo keys of it are revoked first.
async fn new_key(state: &AppState, tenant: Uuid) -> Result<String, AppError> {
    crate::db::api_keys::revoke_named(&state.pool, tenant, KEY_NAME).await?;
    let created = api_keys::create(
        &state.pool,
        &Caller::system(),
        tenant,
        NewApiKey { name: KEY_NAME.into(), scopes: vec![Scope::UsageWrite, Scope::UsageRead] },
    )
    .await?;
    Ok(created.secret)
}
