//! Where sessions live: `auth_sessions` in PostgreSQL, so any instance serves any
//! signed-in person (PRODUCT.md A1, O3).
//!
//! Our own `tower_sessions::SessionStore` rather than tower-sessions-sqlx-store, for one
//! reason: a session row must know whose it is. That store keeps an opaque MessagePack
//! blob, so "delete every session of this person" (disabling someone) was impossible
//! without decoding every row. Here the person is a column (taken from axum-login's data
//! on every save) and the data is JSON.

use crate::db;
use crate::error::AppError;
use crate::server::auth::SessionUser;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::cell::Cell;
use std::collections::HashMap;
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use uuid::Uuid;

/// axum-login keeps the signed-in user's id under this key (its default data key).
pub const AUTH_DATA_KEY: &str = "axum-login.data";

#[derive(Debug, Clone)]
pub struct PgSessionStore {
    pool: PgPool,
}

impl PgSessionStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn to_chrono(t: OffsetDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_else(Utc::now)
}

fn to_time(t: DateTime<Utc>) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(t.timestamp_nanos_opt().unwrap_or_default() as i128)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The person a session belongs to, if someone is signed in with it.
fn user_of(record: &Record) -> Option<Uuid> {
    record.data.get(AUTH_DATA_KEY)?.get("user_id")?.as_str().and_then(|s| Uuid::parse_str(s).ok())
}

fn encode(record: &Record) -> session_store::Result<serde_json::Value> {
    serde_json::to_value(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

/// What the session load learned that the rest of the request needs.
#[derive(Default)]
struct RequestScope {
    /// The person read together with the session by `load`, for `Backend::get_user`:
    /// one round trip instead of two on every signed-in request.
    user: Cell<Option<SessionUser>>,
    /// The load failed because the database is away (the layers above answer a bare 500).
    unavailable: Cell<bool>,
}

tokio::task_local! {
    static SCOPE: RequestScope;
}

/// Middleware (outside the session layer): gives the request a place for what the session
/// load learns, and turns the session layer's bare 500 into a clear 503 (a page for
/// people, JSON for the API) when the load failed because the database is away.
pub async fn session_scope(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let wants_json = crate::server::unavailable::wants_json(&req);
    SCOPE
        .scope(RequestScope::default(), async move {
            let res = next.run(req).await;
            let away = SCOPE.with(|s| s.unavailable.get());
            if away && res.status() == http::StatusCode::INTERNAL_SERVER_ERROR {
                return crate::server::unavailable::response(wants_json);
            }
            res
        })
        .await
}

/// The person `load` read with this request's session, if it is `id` (taken: a second
/// call reads the database again).
pub fn take_prefetched(id: Uuid) -> Option<SessionUser> {
    SCOPE.try_with(|s| s.user.take()).ok().flatten().filter(|u| u.account.id == id)
}

#[async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh random id; on the (astronomically unlikely) clash, draw another.
        loop {
            let data = encode(record)?;
            let expiry = to_chrono(record.expiry_date);
            if db::sessions::insert(&self.pool, &record.id.to_string(), user_of(record), &data, expiry)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = encode(record)?;
        db::sessions::upsert(&self.pool, &record.id.to_string(), user_of(record), &data, to_chrono(record.expiry_date))
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = match db::sessions::load(&self.pool, &id.to_string()).await {
            Ok(Some(row)) => row,
            Ok(None) => return Ok(None),
            Err(e) => {
                if matches!(e, AppError::Unavailable(_)) {
                    let _ = SCOPE.try_with(|s| s.unavailable.set(true));
                }
                return Err(backend(e));
            }
        };
        if let Some((account, memberships)) = row.user {
            let _ = SCOPE.try_with(|s| s.user.set(Some(SessionUser::new(account, memberships))));
        }
        let data: HashMap<String, serde_json::Value> =
            serde_json::from_value(row.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date: to_time(row.expiry_date) }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        db::sessions::delete(&self.pool, &id.to_string()).await.map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for PgSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        db::sessions::delete_expired(&self.pool).await.map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_person_is_read_from_axum_logins_data() {
        let user = Uuid::new_v4();
        let mut record = Record { id: Id::default(), data: HashMap::new(), expiry_date: OffsetDateTime::now_utc() };
        assert_eq!(user_of(&record), None);
        record.data.insert(AUTH_DATA_KEY.into(), serde_json::json!({ "user_id": user, "auth_hash": [1, 2] }));
        assert_eq!(user_of(&record), Some(user));
        record.data.insert(AUTH_DATA_KEY.into(), serde_json::json!({ "user_id": null, "auth_hash": null }));
        assert_eq!(user_of(&record), None);
    }

    #[test]
    fn times_survive_the_round_trip() {
        let now = OffsetDateTime::now_utc();
        let back = to_time(to_chrono(now));
        assert_eq!(back.unix_timestamp(), now.unix_timestamp());
        assert_eq!(back.nanosecond() / 1000, now.nanosecond() / 1000);
    }
}
