//! Sessions as rows (`auth_sessions`); the store itself is `server::session_store`.

use super::users::{user_with_memberships_sql, Credentials};
use crate::error::AppError;
use crate::model::{TenantMembership, UserStatus};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::PgExecutor;
use uuid::Uuid;

/// A live session row and, when someone is signed in with it, that person.
pub struct Loaded {
    pub data: Value,
    pub expiry_date: DateTime<Utc>,
    pub user: Option<(Credentials, Vec<TenantMembership>)>,
}

#[derive(sqlx::FromRow)]
struct LoadedRow {
    data: Value,
    expiry_date: DateTime<Utc>,
    id: Option<Uuid>,
    email: Option<String>,
    name: Option<String>,
    password_hash: Option<String>,
    is_platform_admin: Option<bool>,
    status: Option<UserStatus>,
    memberships: Option<Json<Vec<TenantMembership>>>,
}

static LOAD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "select s.data, s.expiry_date, u.* from auth_sessions s
           left join lateral ({}) u on true
          where s.id = $1 and s.expiry_date > now()",
        user_with_memberships_sql("s.user_id")
    )
});

/// The unexpired session `id` and its person in one round trip (every signed-in request
/// starts with this).
pub async fn load(db: impl PgExecutor<'_>, id: &str) -> Result<Option<Loaded>, AppError> {
    let row: Option<LoadedRow> = sqlx::query_as(&LOAD).bind(id).fetch_optional(db).await?;
    Ok(row.map(|r| {
        let user = match (r.id, r.email, r.name, r.password_hash, r.is_platform_admin, r.status) {
            (Some(id), Some(email), Some(name), Some(password_hash), Some(is_platform_admin), Some(status)) => Some((
                Credentials { id, email, name, password_hash, is_platform_admin, status },
                r.memberships.map(|m| m.0).unwrap_or_default(),
            )),
            _ => None,
        };
        Loaded { data: r.data, expiry_date: r.expiry_date, user }
    }))
}

/// Inserts a new session; false when the id is taken (the caller draws another).
pub async fn insert(
    db: impl PgExecutor<'_>,
    id: &str,
    user: Option<Uuid>,
    data: &Value,
    expiry: DateTime<Utc>,
) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "insert into auth_sessions (id, user_id, data, expiry_date) values ($1, $2, $3, $4)
         on conflict (id) do nothing",
        id,
        user,
        data,
        expiry,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn upsert(
    db: impl PgExecutor<'_>,
    id: &str,
    user: Option<Uuid>,
    data: &Value,
    expiry: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query!(
        "insert into auth_sessions (id, user_id, data, expiry_date) values ($1, $2, $3, $4)
         on conflict (id) do update set user_id = excluded.user_id, data = excluded.data,
                                        expiry_date = excluded.expiry_date",
        id,
        user,
        data,
        expiry,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete(db: impl PgExecutor<'_>, id: &str) -> Result<(), AppError> {
    sqlx::query!("delete from auth_sessions where id = $1", id).execute(db).await?;
    Ok(())
}

pub async fn delete_expired(db: impl PgExecutor<'_>) -> Result<u64, AppError> {
    Ok(sqlx::query!("delete from auth_sessions where expiry_date < now()").execute(db).await?.rows_affected())
}

/// Ends every session of a person (disabling them): the rows are deleted, so re-enabling
/// the account later revives none of the old cookies.
pub async fn delete_for_user(db: impl PgExecutor<'_>, user: Uuid) -> Result<u64, AppError> {
    Ok(sqlx::query!("delete from auth_sessions where user_id = $1", user).execute(db).await?.rows_affected())
}
