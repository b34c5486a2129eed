//! Queries on `tenant_domains`: tenants' custom domain claims and their verification.

use crate::error::AppError;
use crate::model::domains::{challenge_name, Domain, DomainStatus, GIVE_UP_DAYS};
use crate::model::messages;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

struct Row {
    domain: String,
    token: String,
    status: String,
    primary: bool,
    created_at: DateTime<Utc>,
    window_started_at: DateTime<Utc>,
    verified_at: Option<DateTime<Utc>>,
    last_checked_at: Option<DateTime<Utc>>,
    last_result: String,
    next_check_at: Option<DateTime<Utc>>,
}

impl From<Row> for Domain {
    fn from(r: Row) -> Self {
        let status = DomainStatus::parse(&r.status);
        let pending = status == DomainStatus::Pending;
        Domain {
            record_name: challenge_name(&r.domain),
            domain: r.domain,
            status,
            primary: r.primary,
            record_value: r.token,
            created_at: r.created_at,
            verified_at: r.verified_at,
            last_checked_at: r.last_checked_at,
            last_result: r.last_result,
            next_check_at: r.next_check_at,
            gives_up_at: pending.then(|| r.window_started_at + chrono::Duration::days(GIVE_UP_DAYS)),
        }
    }
}

/// The tenant whose verified custom domain is `domain`.
pub async fn tenant_of(db: impl PgExecutor<'_>, domain: &str) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        "select t.id from tenant_domains d join tenants t on t.id = d.tenant_id
         where d.domain = $1 and d.status = 'verified' and t.status <> 'terminated'",
        domain
    )
    .fetch_optional(db)
    .await?)
}

/// Makes `domain` (one of its claims, or none) the tenant's primary domain.
pub async fn set_primary(db: impl PgExecutor<'_>, id: Uuid, domain: Option<&str>) -> Result<(), AppError> {
    sqlx::query!("update tenants set domain = $2, version = version + 1, updated_at = now() where id = $1", id, domain)
        .execute(db)
        .await
        .map_err(|e| {
            AppError::from_constraint(
                e,
                &[("tenants_domain_key", AppError::conflict_on("domain", messages::DOMAIN_TAKEN))],
            )
        })?;
    Ok(())
}

/// The tenant's domains (or only `domain`), the primary one first, then by when they
/// were added.
async fn select(db: impl PgExecutor<'_>, tenant: Uuid, domain: Option<&str>) -> Result<Vec<Domain>, AppError> {
    let rows = sqlx::query_as!(
        Row,
        r#"select d.domain, d.token, d.status, (t.domain is not distinct from d.domain) as "primary!",
                  d.created_at, d.window_started_at, d.verified_at, d.last_checked_at, d.last_result, d.next_check_at
           from tenant_domains d join tenants t on t.id = d.tenant_id
           where d.tenant_id = $1 and ($2::text is null or d.domain = $2)
           order by (t.domain is not distinct from d.domain) desc, d.created_at, d.domain"#,
        tenant,
        domain
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Domain::from).collect())
}

/// The tenant's domains, the primary one first, then by when they were added.
pub async fn list(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<Vec<Domain>, AppError> {
    select(db, tenant, None).await
}

/// One of the tenant's domains.
pub async fn get(db: impl PgExecutor<'_>, tenant: Uuid, domain: &str) -> Result<Option<Domain>, AppError> {
    Ok(select(db, tenant, Some(domain)).await?.pop())
}

/// A claim locked for a check.
pub struct Locked {
    pub token: String,
    pub status: DomainStatus,
    pub checks: i32,
}

/// Locks the tenant's claim of `domain` for a check.
pub async fn lock(db: impl PgExecutor<'_>, tenant: Uuid, domain: &str) -> Result<Option<Locked>, AppError> {
    Ok(sqlx::query!(
        "select token, status, checks from tenant_domains where tenant_id = $1 and domain = $2 for update",
        tenant,
        domain
    )
    .fetch_optional(db)
    .await?
    .map(|r| Locked { token: r.token, status: DomainStatus::parse(&r.status), checks: r.checks }))
}

/// The tenant's live claims (pending or verified): what the plan's limit counts.
pub async fn count_live(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "n!" from tenant_domains where tenant_id = $1 and status <> 'failed'"#,
        tenant
    )
    .fetch_one(db)
    .await?)
}

/// A new pending claim, first checked `first_check_mins` from now (409 when another tenant
/// has a live claim of the name, or this one has it already).
pub async fn insert(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    domain: &str,
    token: &str,
    by: &str,
    first_check_mins: i64,
) -> Result<(), AppError> {
    sqlx::query!(
        "insert into tenant_domains (tenant_id, domain, token, created_by, next_check_at)
         values ($1, $2, $3, $4, now() + make_interval(mins => $5::int))",
        tenant,
        domain,
        token,
        by,
        first_check_mins.clamp(0, 1440) as i32
    )
    .execute(db)
    .await
    .map_err(taken)?;
    Ok(())
}

/// Gives up every claim of the tenant and its primary domain (a terminated tenant's names
/// become free for others); answers the domains given up.
pub async fn release_all(db: &mut sqlx::PgConnection, tenant: Uuid) -> Result<Vec<String>, AppError> {
    let mut released = sqlx::query_scalar!("delete from tenant_domains where tenant_id = $1 returning domain", tenant)
        .fetch_all(&mut *db)
        .await?;
    released.sort();
    set_primary(&mut *db, tenant, None).await?;
    Ok(released)
}

pub async fn delete(db: impl PgExecutor<'_>, tenant: Uuid, domain: &str) -> Result<bool, AppError> {
    Ok(sqlx::query!("delete from tenant_domains where tenant_id = $1 and domain = $2", tenant, domain)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

/// What a check found, to write on the claim.
pub enum Outcome<'a> {
    Verified(&'a str),
    /// Not yet: the next check in this many minutes.
    Again(&'a str, i64),
    /// Given up (the 7 days are over).
    GaveUp(&'a str),
}

/// Writes a check's outcome on a claim that is still pending (a check that raced another
/// one which verified it, or a removal, changes nothing); answers whether it was written.
pub async fn record_check(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    domain: &str,
    outcome: Outcome<'_>,
    automatic: bool,
) -> Result<bool, AppError> {
    let (status, result, next) = match outcome {
        Outcome::Verified(r) => ("verified", r, None),
        Outcome::Again(r, mins) => ("pending", r, Some(mins)),
        Outcome::GaveUp(r) => ("failed", r, None),
    };
    Ok(sqlx::query!(
        "update tenant_domains
            set status = $3, last_result = $4, last_checked_at = now(),
                checks = checks + $6::int,
                next_check_at = now() + make_interval(mins => $5::int),
                verified_at = case when $3 = 'verified' then coalesce(verified_at, now()) else null end
          where tenant_id = $1 and domain = $2 and status = 'pending'",
        tenant,
        domain,
        status,
        result,
        next.map(|m| m.clamp(0, i64::from(i32::MAX)) as i32),
        i32::from(automatic)
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Starts a new 7-day window for a claim that was given up on (a person asked to retry);
/// 409 when another tenant has claimed the name meanwhile.
pub async fn restart(db: impl PgExecutor<'_>, tenant: Uuid, domain: &str) -> Result<(), AppError> {
    sqlx::query!(
        "update tenant_domains
            set status = 'pending', checks = 0, window_started_at = now(), next_check_at = now()
          where tenant_id = $1 and domain = $2",
        tenant,
        domain
    )
    .execute(db)
    .await
    .map_err(taken)?;
    Ok(())
}

fn taken(e: sqlx::Error) -> AppError {
    AppError::from_constraint(
        e,
        &[
            ("tenant_domains_live_key", AppError::conflict_on("domain", messages::DOMAIN_TAKEN)),
            ("tenant_domains_pkey", AppError::conflict_on("domain", "This tenant has added that domain already.")),
        ],
    )
}

/// A pending claim whose automatic check is due.
pub struct Due {
    pub tenant_id: Uuid,
    pub domain: String,
    pub token: String,
    pub checks: i32,
    pub window_started_at: DateTime<Utc>,
}

/// Claims up to `limit` due checks for this instance: their next check moves
/// `lease_secs` ahead, so another instance skips them while this one checks (and takes
/// them again if this one dies before writing the outcome).
pub async fn claim_due(db: impl PgExecutor<'_>, limit: i64, lease_secs: i64) -> Result<Vec<Due>, AppError> {
    Ok(sqlx::query_as!(
        Due,
        "update tenant_domains d
            set next_check_at = now() + make_interval(secs => $2::float8)
           from (select tenant_id, domain from tenant_domains
                  where status = 'pending' and next_check_at <= now()
                  order by next_check_at limit $1 for update skip locked) due
          where d.tenant_id = due.tenant_id and d.domain = due.domain
          returning d.tenant_id, d.domain, d.token, d.checks, d.window_started_at",
        limit,
        lease_secs as f64
    )
    .fetch_all(db)
    .await?)
}

/// Points the tenant's primary domain (`tenants.domain`) at its oldest live claim when the
/// current one is gone or given up on (`None` for every tenant).
pub async fn repoint_primary(db: impl PgExecutor<'_>, tenant: Option<Uuid>) -> Result<u64, AppError> {
    Ok(sqlx::query!(
        "update tenants t
            set domain = (select d.domain from tenant_domains d
                           where d.tenant_id = t.id and d.status <> 'failed' order by d.created_at, d.domain limit 1),
                version = version + 1, updated_at = now()
          where ($1::uuid is null or t.id = $1) and t.domain is not null
            and not exists (select 1 from tenant_domains d
                             where d.tenant_id = t.id and d.domain = t.domain and d.status <> 'failed')",
        tenant
    )
    .execute(db)
    .await?
    .rows_affected())
}
