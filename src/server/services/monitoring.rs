//! Health checks of the tenants' services (PRODUCT.md H2–H4): owners and admins define
//! them, every member reads their state, uptime, response times and incidents; "check
//! now" probes at once; incidents are acknowledged and checks silenced. Platform admins
//! see every tenant's checks in one overview. Probing is the prober's (`server::prober`).

use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::monitoring::*;
use crate::model::Permission;
use crate::server::access::Caller;
use crate::server::prober::{apply, probe::Target};
use crate::server::state::AppState;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

const NO_CHECK: &str = "This tenant has no health check with that id.";
const NO_INCIDENT: &str = "This tenant has no incident with that id.";
/// Results one page answers at most.
pub const RESULTS_MAX: i64 = 1000;
/// Rows the platform overview answers at most.
pub const OVERVIEW_MAX: i64 = 5000;

pub async fn list(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<Vec<Check>, AppError> {
    caller.require_on(tenant, Permission::HealthRead)?;
    db::monitoring::checks(pool, tenant).await
}

async fn get(pool: &PgPool, tenant: Uuid, id: Uuid) -> Result<Check, AppError> {
    db::monitoring::check(pool, tenant, id).await?.ok_or_else(|| AppError::not_found(NO_CHECK))
}

/// Checks a check's fields, then where its URL points (after DNS, by the outbound policy).
async fn validate(state: &AppState, input: CheckInput) -> Result<CheckInput, AppError> {
    let input = input.validate().map_err(AppError::validation)?;
    if let Err(r) = state.outbound.policy.check_url(&input.url).await {
        return Err(AppError::invalid("url", r.0));
    }
    Ok(input)
}

/// The first probe of a new check: soon, spread over its first interval (at most a
/// minute) so checks made together don't probe together.
fn first_due(interval_secs: i32) -> DateTime<Utc> {
    let spread = i64::from(interval_secs.clamp(1, 60)) * 1000;
    Utc::now() + chrono::Duration::milliseconds(fastrand::i64(0..spread))
}

pub async fn create(state: &AppState, caller: &Caller, tenant: Uuid, input: CheckInput) -> Result<Check, AppError> {
    caller.require_on(tenant, Permission::HealthManage)?;
    let input = validate(state, input).await?;
    let mut tx = state.pool.begin().await?;
    // Serialises creations per tenant, so the limit holds under concurrent requests.
    sqlx::query("select 1 from tenants where id = $1 for update").bind(tenant).execute(&mut *tx).await?;
    if db::monitoring::count(&mut *tx, tenant).await? >= MAX_CHECKS {
        return Err(AppError::conflict(format!("A tenant can have at most {MAX_CHECKS} health checks.")));
    }
    let actor = caller.actor();
    let c = db::monitoring::insert(&mut *tx, tenant, &input, first_due(input.interval_secs), &actor.label).await?;
    NewEvent::new("health_check.created", "health_check", c.id)
        .in_tenant(tenant)
        .after(json!(input))
        .record(&mut *tx, &actor)
        .await?;
    tx.commit().await?;
    Ok(c)
}

pub async fn replace(
    state: &AppState,
    caller: &Caller,
    tenant: Uuid,
    id: Uuid,
    input: CheckInput,
) -> Result<Check, AppError> {
    caller.require_on(tenant, Permission::HealthManage)?;
    let before = get(&state.pool, tenant, id).await?;
    let input = validate(state, input).await?;
    let mut tx = state.pool.begin().await?;
    let c = db::monitoring::replace(&mut *tx, tenant, id, &input, first_due(input.interval_secs))
        .await?
        .ok_or_else(|| AppError::not_found(NO_CHECK))?;
    NewEvent::new("health_check.updated", "health_check", id)
        .in_tenant(tenant)
        .before(json!({ "name": before.name, "url": before.url, "interval_secs": before.interval_secs }))
        .after(json!(input))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    Ok(c)
}

/// Deletes a check with its results, rollups and incidents.
pub async fn delete(pool: &PgPool, caller: &Caller, tenant: Uuid, id: Uuid) -> Result<(), AppError> {
    caller.require_on(tenant, Permission::HealthManage)?;
    let before = get(pool, tenant, id).await?;
    let mut tx = pool.begin().await?;
    if !db::monitoring::delete(&mut *tx, tenant, id).await? {
        return Err(AppError::not_found(NO_CHECK));
    }
    NewEvent::new("health_check.deleted", "health_check", id)
        .in_tenant(tenant)
        .before(json!({ "name": before.name, "url": before.url }))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Probes the check now (with the re-check a worsening needs) and answers the latest
/// result; it counts like a scheduled probe, so the state may change.
pub async fn run_now(state: &AppState, caller: &Caller, tenant: Uuid, id: Uuid) -> Result<ProbeResult, AppError> {
    caller.require_on(tenant, Permission::HealthManage)?;
    let c = get(&state.pool, tenant, id).await?;
    let target = Target {
        url: &c.url,
        method: &c.method,
        expected_status: &c.expected_status,
        timeout_ms: c.timeout_ms,
        body_contains: c.body_contains.as_deref(),
        slow_ms: c.slow_ms,
        cert_expiry_days: c.cert_expiry_days,
    };
    let tracker = Tracker { state: c.state, failures: 0, downs: 0, successes: 0 };
    let results = apply::probe_confirmed(state, &tracker, &target, c.down_after, c.up_after).await;
    let mut tx = state.pool.begin().await?;
    apply::apply(&mut tx, tenant, id, &results, None).await?;
    tx.commit().await?;
    results.last().cloned().ok_or_else(|| AppError::internal("check now", "no result"))
}

/// `[from, to)` as asked: `to` defaults to now, `from` to `default` before `to`.
fn period(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    default: chrono::Duration,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let to = to.unwrap_or_else(Utc::now);
    (from.unwrap_or(to - default), to)
}

/// A check's results in [from, to) (default: the last 24 hours), newest first; a range
/// with `from` not before `to` holds none.
pub async fn results(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    id: Uuid,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Vec<ProbeResult>, AppError> {
    caller.require_on(tenant, Permission::HealthRead)?;
    let (from, to) = period(from, to, chrono::Duration::hours(24));
    get(pool, tenant, id).await?;
    if from >= to {
        return Ok(Vec::new());
    }
    db::monitoring::results(pool, tenant, id, from, to, RESULTS_MAX).await
}

pub async fn incidents(pool: &PgPool, caller: &Caller, tenant: Uuid, limit: i64) -> Result<Vec<Incident>, AppError> {
    caller.require_on(tenant, Permission::HealthRead)?;
    db::monitoring::incidents(pool, tenant, limit.clamp(1, 200)).await
}

/// The tenant Health tab in one call, with the chart of `chart` (else the first check)
/// over `period`.
pub async fn tenant_health(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    chart: Option<Uuid>,
    period: ChartPeriod,
) -> Result<TenantHealth, AppError> {
    caller.require_on(tenant, Permission::HealthRead)?;
    let period = period.validate().map_err(AppError::bad_request)?;
    let now = Utc::now();
    let checks = db::monitoring::checks(pool, tenant).await?;
    let ids: Vec<Uuid> = checks.iter().map(|c| c.id).collect();
    let windows = [24, 7 * 24, 30 * 24].map(|h| Cover::of(last_hours(now, h), now));
    let sums = db::monitoring::sums(pool, tenant, &ids, &windows).await?;
    let sum = |check: Uuid, period: i32| sums.iter().find(|s| s.check_id == check && s.period == period);
    let checks: Vec<CheckSummary> = checks
        .into_iter()
        .map(|check| {
            let up = |p| sum(check.id, p).map(db::monitoring::Sums::uptime).unwrap_or_default();
            CheckSummary {
                uptime_24h: up(0),
                uptime_7d: up(1),
                uptime_30d: up(2),
                p95_ms_24h: sum(check.id, 0).and_then(|s| quantile(&s.hist(), 0.95)),
                check,
            }
        })
        .collect();
    let chart_check = chart.filter(|c| ids.contains(c)).or_else(|| ids.first().copied());
    let (from, to, daily) = period.bounds(now);
    let (chart, period) = match chart_check {
        Some(c) => (
            db::monitoring::points(pool, tenant, c, from, to, daily).await?,
            Some(summary(pool, tenant, c, from, to).await?),
        ),
        None => (Vec::new(), None),
    };
    let incidents = db::monitoring::incidents(pool, tenant, 50).await?;
    let can_manage = caller.require_on(tenant, Permission::HealthManage).is_ok();
    Ok(TenantHealth { checks, incidents, can_manage, now, chart_check, chart, daily, period })
}

/// What a check did over `[from, to)`, from the rollups.
async fn summary(
    pool: &PgPool,
    tenant: Uuid,
    check: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<PeriodSummary, AppError> {
    let sums = db::monitoring::sums(pool, tenant, &[check], &[Cover::of(from, to)]).await?;
    Ok(match sums.first() {
        Some(s) => PeriodSummary::new(from, to, s.total, s.degraded, s.down, &s.hist()),
        None => PeriodSummary::new(from, to, 0, 0, 0, &[]),
    })
}

/// A check's uptime, degraded probes and response times over `[from, to)` (default: the
/// last 30 days), from the rollups; a longer period than `MAX_PERIOD_DAYS` (the rollups'
/// retention) is cut to the days ending at `to` (the answer says which); a period with
/// `from` not before `to` holds no probes.
pub async fn uptime(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    id: Uuid,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<PeriodSummary, AppError> {
    caller.require_on(tenant, Permission::HealthRead)?;
    let (from, to) = period(from, to, chrono::Duration::days(30));
    let from = from.max(to - chrono::Duration::days(MAX_PERIOD_DAYS));
    get(pool, tenant, id).await?;
    summary(pool, tenant, id, from, to).await
}

/// Acknowledges an incident with a note, and optionally silences its check's alerts.
pub async fn acknowledge(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    id: Uuid,
    a: Acknowledge,
) -> Result<Incident, AppError> {
    caller.require_on(tenant, Permission::HealthManage)?;
    let note = a.note.trim();
    let mut errors = crate::error::FieldErrors::new();
    if note.chars().count() > MAX_NOTE {
        errors.insert("note".into(), format!("At most {MAX_NOTE} characters."));
    }
    if !(0..=MAX_SILENCE_MINUTES).contains(&a.silence_minutes) {
        errors.insert("silence_minutes".into(), "From 0 (don't silence) to 10,080 minutes (a week).".into());
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let actor = caller.actor();
    let mut tx = pool.begin().await?;
    let check = db::monitoring::acknowledge(&mut tx, tenant, id, &actor.label, (!note.is_empty()).then_some(note))
        .await?
        .ok_or_else(|| AppError::not_found(NO_INCIDENT))?;
    let until = (a.silence_minutes > 0).then(|| Utc::now() + chrono::Duration::minutes(i64::from(a.silence_minutes)));
    if until.is_some() {
        db::monitoring::silence(&mut tx, tenant, check, until).await?;
    }
    NewEvent::new("health_incident.acknowledged", "health_incident", id)
        .in_tenant(tenant)
        .after(json!({ "note": note, "silenced_until": until }))
        .record(&mut *tx, &actor)
        .await?;
    tx.commit().await?;
    db::monitoring::incident(pool, tenant, id).await?.ok_or_else(|| AppError::not_found(NO_INCIDENT))
}

/// Every tenant's checks, worst first (platform admins).
pub async fn overview(
    pool: &PgPool,
    caller: &Caller,
    state: Option<&str>,
    q: Option<&str>,
) -> Result<Overview, AppError> {
    caller.require(Permission::PlatformManage)?;
    let state = match state.map(str::trim).filter(|s| !s.is_empty() && *s != "all") {
        None => None,
        Some(s) => Some(
            CheckState::parse(s)
                .ok_or_else(|| AppError::bad_request("state is one of down, degraded, up or pending."))?,
        ),
    };
    let q = q.map(str::trim).filter(|s| !s.is_empty());
    if q.is_some_and(|q| q.chars().count() > 100) {
        return Err(AppError::bad_request("q is at most 100 characters."));
    }
    let now = Utc::now();
    let rows = db::monitoring::overview(pool, state, q, last_hours(now, 24), OVERVIEW_MAX).await?;
    let (up, degraded, down, pending, open_incidents) = db::monitoring::counts(pool).await?;
    Ok(Overview { up, degraded, down, pending, open_incidents, rows, now })
}

/// Demo data: checks on the demo services (`prober::demo`) for a few active demo
/// tenants, so every state shows on first start.
pub async fn demo(pool: &PgPool, base: &str, refused: &str) -> Result<usize, AppError> {
    let mut added = 0;
    let services = crate::server::prober::demo::SERVICES;
    for (i, tenant) in db::usage::demo_tenants(pool, 6).await?.into_iter().enumerate() {
        if db::monitoring::count(pool, tenant).await? > 0 {
            continue;
        }
        // Each tenant watches three of the services, rotating, so every state appears.
        for k in 0..3 {
            let (kind, name, slow_ms) = services[(i + k * 2) % services.len()];
            let url = if kind == "down" { refused.to_string() } else { format!("{base}/{kind}") };
            let input = CheckInput {
                name: name.into(),
                url,
                interval_secs: 15,
                timeout_ms: 3_000,
                slow_ms,
                body_contains: Some("ok".into()),
                down_after: 2,
                up_after: 2,
                ..CheckInput::default()
            };
            let c = db::monitoring::insert(pool, tenant, &input, first_due(input.interval_secs), "demo").await?;
            crate::server::prober::demo::history(pool, tenant, c.id, kind).await?;
            added += 1;
        }
    }
    Ok(added)
}
