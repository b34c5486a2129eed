//! Demo traffic (demo data only): a few active demo tenants report usage every few
//! seconds through the real REST API (`POST /api/v1/usage`) with their own API keys, so
//! the usage dashboards move on a fresh portal. One key per tenant, kept in
//! `demo_traffic_keys` (demo data only) so that restarts and other instances reuse it
//! instead of issuing a new one each time; each instance also keeps the keys in memory.
//! One instance at a time sends (advisory lock).

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
    let sender = Arc::new(Sender::new());
    Worker::new(
        "demo-traffic",
        "Reports demo usage through the REST API (demo data only)",
        Duration::from_secs(5),
        move |state: AppState| {
            let sender = sender.clone();
            async move {
                // The lock's transaction stays open (idle) while this instance sends.
                let s = state.clone();
                exclusive(&state.pool, "demo-traffic", move |_| async move { sender.round(&s).await }.boxed()).await?;
                Ok(Round::default())
            }
        },
    )
}

/// One instance's sender: its HTTP client and the keys it holds.
pub struct Sender {
    keys: Mutex<HashMap<Uuid, String>>,
    client: reqwest::Client,
}

impl Default for Sender {
    fn default() -> Self {
        Self::new()
    }
}

impl Sender {
    pub fn new() -> Self {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Self { keys: Mutex::default(), client }
    }

    /// Reports a little usage for each demo tenant through this instance's own REST API.
    pub async fn round(&self, state: &AppState) -> Result<(), AppError> {
        let n = state.config.usage.demo_traffic_tenants as i64;
        let tenants = crate::db::usage::demo_tenants(&state.pool, n).await?;
        let addr = state.config.server.site_addr;
        let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
        let url = format!("http://{host}:{}/api/v1/usage", addr.port());
        let mut rng = fastrand::Rng::new();
        for (i, tenant) in tenants.into_iter().enumerate() {
            let secret = self.key(state, tenant).await?;
            // Bigger tenants (earlier in the list) are busier; every tenant's traffic wobbles.
            let scale = 1.0 + (tenants_weight(i) * rng.f64());
            let now = Utc::now();
            let events = json!({ "events": [
                { "metric": "api_calls", "value": (40.0 * scale).round(), "time": now, "idempotency_key": Uuid::new_v4() },
                { "metric": "bandwidth_gb", "value": 0.002 * scale, "time": now, "idempotency_key": Uuid::new_v4() },
                { "metric": "storage_gb", "value": 1.0 + (i as f64) * 0.5 + rng.f64() * 0.05, "time": now, "idempotency_key": Uuid::new_v4() },
            ]});
            match self.client.post(&url).bearer_auth(&secret).json(&events).send().await {
                Ok(res) if res.status().is_success() => {}
                Ok(res) if res.status() == reqwest::StatusCode::UNAUTHORIZED => {
                    // The key was revoked (by a person). The next round takes the one another
                    // instance may have made meanwhile, or makes one; forgetting only this
                    // secret keeps two instances from revoking each other's keys in turn.
                    if let Ok(mut k) = self.keys.lock() {
                        k.remove(&tenant);
                    }
                    crate::db::usage::forget_demo_traffic_key(&state.pool, tenant, &secret).await?;
                }
                Ok(res) => tracing::debug!(status = %res.status(), "demo usage refused"),
                Err(e) => tracing::debug!(error = %e, "demo usage not sent"),
            }
        }
        Ok(())
    }

    /// The tenant's key: held in memory, else the one kept from an earlier start, else new.
    async fn key(&self, state: &AppState, tenant: Uuid) -> Result<String, AppError> {
        if let Some(s) = self.keys.lock().ok().and_then(|k| k.get(&tenant).cloned()) {
            return Ok(s);
        }
        let s = match crate::db::usage::demo_traffic_key(&state.pool, tenant).await? {
            Some(s) => s,
            None => new_key(state, tenant).await?,
        };
        if let Ok(mut k) = self.keys.lock() {
            k.insert(tenant, s.clone());
        }
        Ok(s)
    }
}

fn tenants_weight(i: usize) -> f64 {
    4.0 / (1.0 + i as f64 * 0.5)
}

/// A fresh key for the tenant, kept for the next start; earlier demo keys of it are
/// revoked first.
async fn new_key(state: &AppState, tenant: Uuid) -> Result<String, AppError> {
    crate::db::api_keys::revoke_named(&state.pool, tenant, KEY_NAME).await?;
    let created = api_keys::create(
        &state.pool,
        &Caller::system(),
        tenant,
        NewApiKey { name: KEY_NAME.into(), scopes: vec![Scope::UsageWrite, Scope::UsageRead] },
    )
    .await?;
    crate::db::usage::keep_demo_traffic_key(&state.pool, tenant, &created.secret).await?;
    Ok(created.secret)
}
