//! Failed sign-ins, counted per account and per source address for throttling.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use std::net::IpAddr;

pub async fn record_failure(db: impl PgExecutor<'_>, email: &str, ip: Option<IpAddr>) -> Result<(), AppError> {
    sqlx::query("insert into sign_in_failures (email, source_ip) values ($1, $2::text::inet)")
        .bind(email)
        .bind(ip.map(|i| i.to_string()))
        .execute(db)
        .await?;
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
    let (by_email, oldest_by_email, by_ip, oldest_by_ip): (i64, Option<DateTime<Utc>>, i64, Option<DateTime<Utc>>) =
        sqlx::query_as(
            "select (select count(*) from sign_in_failures where email = $1 and at > $3),
                    (select min(at) from sign_in_failures where email = $1 and at > $3),
                    (select count(*) from sign_in_failures where source_ip = $2::text::inet and at > $3),
                    (select min(at) from sign_in_failures where source_ip = $2::text::inet and at > $3)",
        )
        .bind(email)
        .bind(ip.map(|i| i.to_string()))
        .bind(since)
        .fetch_one(db)
        .await?;
    Ok(Failures { by_email, oldest_by_email, by_ip, oldest_by_ip })
}

/// A successful sign-in forgives the account's failures; old rows are pruned.
pub async fn clear(db: impl PgExecutor<'_>, email: &str) -> Result<(), AppError> {
    sqlx::query("delete from sign_in_failures where email = $1 or at < now() - interval '1 day'")
        .bind(email)
        .execute(db)
        .await?;
    Ok(())
}
