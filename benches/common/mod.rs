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

/// Writes out what the setup left dirty in PostgreSQL's buffers (CHECKPOINT), so a timed
/// phase neither pays for the setup's writes nor has a checkpoint start under it. Needs a
/// superuser or pg_checkpoint; without them the bench goes on and says so.
pub async fn checkpoint(pool: &sqlx::PgPool, after: &str) {
    if let Err(e) = sqlx::raw_sql("checkpoint").execute(pool).await {
        println!("(no checkpoint after {after}: {e})");
    }
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

/// "ok" or "FAIL", for a figure against its target.
/// A bench's exit: success, or the error on stderr and a failure code.
pub fn exit(result: Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

pub fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "FAIL"
    }
}

/// Runs `measure` on a fresh database `name` made on the server of DATABASE_URL (an old one
/// is dropped first), and drops it afterwards unless KEEP_DB=1.
pub async fn with_fresh_db<F, Fut>(name: &str, measure: F) -> Result<()>
where
    F: FnOnce(sqlx::PgPool) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let keep = std::env::var("KEEP_DB").is_ok_and(|v| v == "1");
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL must name a PostgreSQL server (an admin URL)")?;
    let admin = PgConnectOptions::from_str(&url).context("DATABASE_URL is not a PostgreSQL URL")?;
    let drop_db = format!("drop database if exists {name} with (force)");
    admin_exec(&admin, &drop_db).await?;
    admin_exec(&admin, &format!("create database {name}")).await?;
    let pool = tenantry::server::pool_options(24).connect_with(admin.clone().database(name)).await?;
    let outcome = measure(pool.clone()).await;
    pool.close().await;
    if keep {
        println!("KEEP_DB=1: database {name} kept");
    } else {
        admin_exec(&admin, &drop_db).await?;
    }
    outcome
}

/// A pool on database `name` as an earlier run with `KEEP_DB=1` left it, migrated to
/// this build's schema (for measures that reuse a loaded database).
pub async fn kept_db(name: &str) -> Result<sqlx::PgPool> {
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL must name a PostgreSQL server (an admin URL)")?;
    let admin = PgConnectOptions::from_str(&url).context("DATABASE_URL is not a PostgreSQL URL")?;
    let pool = tenantry::server::pool_options(24)
        .connect_with(admin.database(name))
        .await
        .with_context(|| format!("no database {name}: run once with KEEP_DB=1 first"))?;
    tenantry::server::MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// A platform admin's session cookie, through the real sign-in of the app at `app`
/// (the admin is created when missing).
pub async fn sign_in(pool: &sqlx::PgPool, app: &str) -> Result<String> {
    const EMAIL: &str = "bench@example.com";
    const PASSWORD: &str = "bench password 1";
    let new = tenantry::server::services::users::NewUser {
        email: EMAIL.into(),
        name: "Bench".into(),
        password: PASSWORD.into(),
        is_platform_admin: true,
    };
    match tenantry::server::services::users::create(pool, &tenantry::server::access::Caller::system(), new).await {
        Ok(_) | Err(tenantry::error::AppError::Conflict { .. }) => {}
        Err(e) => anyhow::bail!("creating the bench admin: {e}"),
    }
    let res = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .post(format!("{app}/api/sign_in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(format!("email={}&password={}", EMAIL.replace('@', "%40"), PASSWORD.replace(' ', "+")))
        .send()
        .await?;
    anyhow::ensure!(res.status().as_u16() < 400, "sign-in failed: {}", res.status());
    let cookie = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(tenantry::server::auth::COOKIE))
        .and_then(|v| v.split(';').next())
        .context("no session cookie")?;
    Ok(cookie.to_string())
}
