//! Helpers shared by the benchmarks (each bench binary includes this module).
#![allow(dead_code)]

use anyhow::{Context, Result};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;

pub fn env_or<T: FromStr>(key: &str, default: T) -> Result<T> {
    match std::env::var(key) {
        Ok(v) => v.trim().parse().ok().with_context(|| format!("{key}={v} is not a valid number")),
        Err(_) => Ok(default),
    }
}

pub async fn admin_exec(admin: &PgConnectOptions, sql: &str) -> Result<()> {
    let mut conn = admin.connect().await.context("connecting with DATABASE_URL")?;
    sqlx::raw_sql(sql).execute(&mut conn).await.with_context(|| sql.to_string())?;
    conn.close().await?;
    Ok(())
}

/// The p-th percentile (nearest rank) of sorted samples.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A live API key of `tenant` with `scopes`: its secret.
pub async fn api_key(pool: &sqlx::PgPool, tenant: uuid::Uuid, scopes: &[tenantry::model::Scope]) -> Result<String> {
    let prefix = format!("tnt_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let secret = format!("{prefix}_{}", tenantry::server::auth::random_token(32));
    let hash = tenantry::server::auth::sha256(&secret);
    tenantry::db::api_keys::insert(pool, tenant, "bench", &prefix, &hash, scopes, None).await?;
    Ok(secret)
}
