//! The API keys this instance has authenticated, kept in memory so that a service calling
//! many times a second (the quota check, issue 12) doesn't have its key read from the
//! database on every call: that read was half the check's cost.
//!
//! Keeping it right across instances: a database trigger (migration `auth_notify`)
//! notifies `tenantry_auth` when a key is revoked, changed or deleted, or a tenant's status
//! or slug changes, and every instance's `auth-listener` worker forgets its whole cache on
//! that notification. The notification is sent when the change commits, so a revoked key
//! stops working on every instance within the notification's delivery (milliseconds).
//! The cache is used only while the listener is connected: an instance that is not
//! listening (its connection lost, or no workers started, as in most tests) reads every
//! key from the database. A key read while a change was committing is not kept (the
//! generation check in [`KeyCache::put`]), and entries are dropped after [`TTL`] anyway.
//! Unknown keys are never cached, so guessing can't fill the memory.

use crate::db::api_keys::KeyAuth;
use crate::error::AppError;
use crate::server::state::AppState;
use crate::server::workers::{self, Listening, Round, Worker};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The channel the trigger notifies.
pub const CHANNEL: &str = "tenantry_auth";
/// How long a cached key is trusted without a notification (a safety net).
pub const TTL: Duration = Duration::from_secs(60);
/// Keys kept at most; past it the cache starts again empty.
const MAX_ENTRIES: usize = 10_000;
/// A key's `last_used_at` is written at most this often (per instance).
const TOUCH_EVERY: chrono::Duration = chrono::Duration::minutes(1);

struct Entry {
    key: Arc<KeyAuth>,
    fetched: Instant,
    used: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct KeyCache {
    armed: AtomicBool,
    generation: AtomicU64,
    entries: Mutex<HashMap<String, Entry>>,
}

impl KeyCache {
    /// Whether the cache is in use (its listener is connected).
    pub fn armed(&self) -> bool {
        self.armed.load(Ordering::Acquire)
    }

    /// The cached live key with this prefix, if the cache is in use and has it.
    pub fn get(&self, prefix: &str) -> Option<Arc<KeyAuth>> {
        if !self.armed() {
            return None;
        }
        self.lock().get(prefix).filter(|e| e.fetched.elapsed() < TTL).map(|e| e.key.clone())
    }

    /// The generation to hand to [`KeyCache::put`]: read it before reading the key.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps a key read from the database, unless the cache was cleared since
    /// `generation` was read (the key may have changed in between) or is not in use.
    pub fn put(&self, generation: u64, key: Arc<KeyAuth>) {
        let mut all = self.lock();
        if !self.armed() || self.generation() != generation {
            return;
        }
        if all.len() >= MAX_ENTRIES {
            all.clear();
        }
        let used = key.last_used_at;
        all.insert(key.prefix.clone(), Entry { key, fetched: Instant::now(), used });
    }

    /// Whether this use of `key` should be written to `last_used_at`: when it was last
    /// written over a minute ago (as far as this instance knows).
    pub fn record_use(&self, key: &KeyAuth) -> bool {
        let now = Utc::now();
        let mut all = self.lock();
        let entry = all.get_mut(&key.prefix);
        let last = entry.as_ref().map_or(key.last_used_at, |e| e.used);
        let due = last.is_none_or(|t| now - t > TOUCH_EVERY);
        if let (true, Some(e)) = (due, entry) {
            e.used = Some(now);
        }
        due
    }

    /// Forgets every key (something changed).
    pub fn clear(&self) {
        let mut all = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        all.clear();
    }

    fn set_armed(&self, armed: bool) {
        let mut all = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        all.clear();
        self.armed.store(armed, Ordering::Release);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How long one round of the listener waits for notifications (shutdown waits for it).
const ROUND: Duration = Duration::from_secs(5);

/// The `auth-listener` worker: keeps this instance's key cache in use while it listens.
pub fn worker() -> Worker {
    let slot = Listening::default();
    Worker::new(
        "auth-listener",
        "Lets this instance cache API keys while it listens for revocations and tenant status changes",
        ROUND,
        move |state: AppState| round(state, slot.clone()),
    )
}

async fn round(state: AppState, slot: Listening) -> Result<Round, AppError> {
    let cache = state.keys.clone();
    let outcome = workers::listen(&state, &slot, CHANNEL, ROUND, || cache.set_armed(true), |_| cache.clear()).await;
    if outcome.is_err() {
        cache.set_armed(false);
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TenantStatus;
    use uuid::Uuid;

    fn key(prefix: &str) -> Arc<KeyAuth> {
        used_key(prefix, None)
    }

    fn used_key(prefix: &str, last_used_at: Option<DateTime<Utc>>) -> Arc<KeyAuth> {
        Arc::new(KeyAuth {
            id: Uuid::new_v4(),
            tenant_id: Uuid::new_v4(),
            name: "k".into(),
            prefix: prefix.into(),
            secret_hash: vec![1, 2, 3],
            scopes: vec!["quota:read".into()],
            tenant_status: TenantStatus::Active,
            tenant_slug: "t".into(),
            last_used_at,
        })
    }

    #[test]
    fn unused_until_armed() {
        let c = KeyCache::default();
        c.put(c.generation(), key("tnt_aaaaaaaa"));
        assert!(c.get("tnt_aaaaaaaa").is_none(), "a cache that is not listening keeps nothing");
        c.set_armed(true);
        c.put(c.generation(), key("tnt_aaaaaaaa"));
        assert!(c.get("tnt_aaaaaaaa").is_some());
        c.set_armed(false);
        assert!(c.get("tnt_aaaaaaaa").is_none(), "disarming forgets");
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_kept() {
        let c = KeyCache::default();
        c.set_armed(true);
        let before = c.generation();
        c.clear(); // a notification arrives while the key is being read
        c.put(before, key("tnt_bbbbbbbb"));
        assert!(c.get("tnt_bbbbbbbb").is_none());
        c.put(c.generation(), key("tnt_bbbbbbbb"));
        assert!(c.get("tnt_bbbbbbbb").is_some());
        c.clear();
        assert!(c.get("tnt_bbbbbbbb").is_none());
    }

    #[test]
    fn use_is_recorded_once_a_minute() {
        let c = KeyCache::default();
        c.set_armed(true);
        let k = key("tnt_cccccccc");
        c.put(c.generation(), k.clone());
        assert!(c.record_use(&k), "never used: record it");
        assert!(!c.record_use(&k), "just recorded");
        let recent = used_key("tnt_dddddddd", Some(Utc::now()));
        assert!(!c.record_use(&recent), "used seconds ago by the database's account");
    }
}
