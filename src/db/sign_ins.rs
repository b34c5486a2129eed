//! Failed sign-ins, counted per account and per source address for throttling.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use std::net::IpAddr;

/// Records an attempt as a failure (a success takes it back with `clear`).
pub async fn record_failure(db: impl PgExecutor<'_>, email: &str, ip: Option<IpAddr>) -> Result<(), AppError> {
    sqlx::query!(
        "insert into sign_in_failures (email, source_ip) values ($1, $2::text::inet)",
        email,
        ip.map(|i| i.to_string()) as Option<String>,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A transaction-scoped advisory lock on a throttle key (an account or an address), so
/// attempts on one key are counted one at a time on every instance.
pub async fn lock(db: impl PgExecutor<'_>, key: &str) -> Result<(), AppError> {
    sqlx::query!("select pg_advisory_xact_lock(hashtextextended('sign_in:' || $1, 0))", key).execute(db).await?;
    Ok(())
}

/// Failures since `since` for the email and for the address, with the oldest of each.
pub struct Failures {
    pub by_email: i64,
    pub oldest_by_email: Option<DateTime<Utc>>,
    pub by_ip: i64,
    pub oldest_by_ip: Option<DateTime<Utc>>,
}

pub async fn failures_since(
    db: impl PgExecutor<'_>,
    email: &str,
    ip: Option<IpAddr>,
    since: DateTime<Utc>,
) -> Result<Failures, AppError> {
    Ok(sqlx::query_as!(
        Failures,
        r#"select (select count(*) from sign_in_failures where email = $1 and at > $3) as "by_email!",
                  (select min(at) from sign_in_failures where email = $1 and at > $3) as oldest_by_email,
                  (select count(*) from sign_in_failures where source_ip = $2::text::inet and at > $3) as "by_ip!",
                  (select min(at) from sign_in_failures where source_ip = $2::text::inet and at > $3) as oldest_by_ip"#,
        email,
        ip.map(|i| i.to_string()) as Option<String>,
        since,
    )
    .fetch_one(db)
    .await?)
}

/// A successful sign-in forgives the account's failures (its own reserved attempt among
/// them); old rows are pruned.
pub async fn clear(db: impl PgExecutor<'_>, email: &str) -> Result<(), AppError> {
    sqlx::query!("delete from sign_in_failures where email = $1 or at < now() - interval '1 day'", email)
        .execute(db)
        .await?;
    Ok(())
}
