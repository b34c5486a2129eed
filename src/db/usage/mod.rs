//! Usage metering tables (PRODUCT.md U1, U2): the metric catalog, reported events with
//! their deduplication records, the rollups and the day partitions of `usage_events`.
//! What the dashboards read is in `reads`.

pub mod reads;

use crate::error::AppError;
use crate::model::usage::{Aggregation, Metric, MetricSource};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

pub async fn metrics(db: impl PgExecutor<'_>) -> Result<Vec<Metric>, AppError> {
    Ok(sqlx::query_as!(
        Metric,
        r#"select id, name, unit, aggregation as "aggregation: Aggregation", source as "source: MetricSource", resource
           from usage_metrics order by sort_order, id"#
    )
    .fetch_all(db)
    .await?)
}

/// The advisory lock that fences batches in flight from the rollup (see `roll_up`).
const FENCE: i64 = 0x7573_6167_6500; // "usage"

/// A batch's events, one per idempotency key (its first occurrence), in key order.
#[derive(Debug, Default)]
pub struct KeyedEvents {
    pub keys: Vec<String>,
    pub fingerprints: Vec<Vec<u8>>,
    pub metrics: Vec<String>,
    pub times: Vec<DateTime<Utc>>,
    pub values: Vec<f64>,
    pub dimensions: Vec<Option<serde_json::Value>>,
}

/// Writes the events whose keys were not seen before, with their keys, in one statement
/// (so in one transaction), and answers the keys that were seen before with their
/// fingerprints. A key another batch writes at the same moment makes the statement fail
/// (23505 from the keys' unique index, or 40P01) and the caller tries again; keys come
/// in order, so such batches mostly wait for each other rather than deadlock.
///
/// The batch takes its number while holding the fence (shared) until it commits, so the
/// rollup can wait for every numbered batch to be visible; the lock is taken before the
/// number is given out (the subquery runs first).
pub async fn write_new(
    db: &mut PgConnection,
    tenant: Uuid,
    ev: &KeyedEvents,
) -> Result<Vec<(String, Vec<u8>)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"with fence as materialized (
               select nextval('usage_batches') as n from (select pg_advisory_xact_lock_shared($8)) as lock
           ), seen as materialized (
               select idempotency_key as k, fingerprint as f from usage_dedup
               where tenant_id = $1 and idempotency_key = any($2)
           ), new as materialized (
               select t.* from unnest($2::text[], $3::bytea[], $4::text[], $5::timestamptz[], $6::float8[], $7::jsonb[])
                   as t (k, f, m, a, v, d)
               where not exists (select 1 from seen where seen.k = t.k)
           ), keys as (
               insert into usage_dedup (tenant_id, idempotency_key, fingerprint) select $1, k, f from new
           ), events as (
               insert into usage_events (tenant_id, metric, at, value, idempotency_key, dimensions, batch)
               select $1, m, a, v, k, d, fence.n from new, fence
           )
           select k as "key!", f as "fingerprint!" from seen"#,
        tenant,
        &ev.keys,
        &ev.fingerprints,
        &ev.metrics,
        &ev.times,
        &ev.values,
        &ev.dimensions as &[Option<serde_json::Value>],
        FENCE,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.key, r.fingerprint)).collect())
}

/// The last batch number given out, once every batch numbered so far has committed (or
/// rolled back): takes the fence exclusively, which waits for the batches holding it, and
/// lets go at once. Batches that start later get higher numbers.
/// Also answers when that was: every batch numbered later arrived after it.
pub async fn settled_batch(pool: &sqlx::PgPool) -> Result<(i64, DateTime<Utc>), AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", FENCE).execute(&mut *tx).await?;
    let row = sqlx::query!(
        r#"select case when is_called then last_value else 0 end as "n!", clock_timestamp() as "at!"
           from usage_batches"#
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((row.n, row.at))
}

/// Makes the day partitions of `usage_events` for [first, last] that are missing.
pub async fn ensure_partitions(db: impl PgExecutor<'_>, first: NaiveDate, last: NaiveDate) -> Result<i32, AppError> {
    Ok(sqlx::query_scalar!(r#"select usage_ensure_partitions($1, $2) as "made!""#, first, last).fetch_one(db).await?)
}

/// The day partitions there are, oldest first.
pub async fn partitions(db: impl PgExecutor<'_>) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select c.relname::text as "name!" from pg_inherits i
           join pg_class c on c.oid = i.inhrelid
           where i.inhparent = 'usage_events'::regclass order by c.relname"#
    )
    .fetch_all(db)
    .await?)
}

/// Drops one partition (its name comes from `partitions`, so it is one of ours).
pub async fn drop_partition(db: &mut PgConnection, name: &str) -> Result<(), AppError> {
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    sqlx::query(&format!("drop table if exists {quoted}")).execute(db).await?;
    Ok(())
}

/// Forgets idempotency keys older than the window, a slice at a time.
pub async fn purge_dedup(db: impl PgExecutor<'_>, before: DateTime<Utc>, limit: i64) -> Result<u64, AppError> {
    Ok(sqlx::query!(
        "delete from usage_dedup where ctid = any(array(
             select ctid from usage_dedup where received_at < $1 limit $2))",
        before,
        limit
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// What one rollup round did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RolledUp {
    pub rows: u64,
    pub upto: i64,
}

/// Adds the events of batches (from, upto] into the hourly and daily rollups, in the
/// caller's transaction, and moves the mark to `upto` with them; `upto` comes from
/// `settled_batch`, so every batch up to it is visible. The mark's row lock orders two
/// rollers: the second sees the first's mark and adds only what is left, so each event is
/// counted exactly once. `settled_at` (when `upto` was read) becomes the mark's time: every
/// event not yet rolled up arrived after it, which is what `rollup_lag` reads.
pub async fn roll_up(db: &mut PgConnection, upto: i64, settled_at: DateTime<Utc>) -> Result<RolledUp, AppError> {
    let from = sqlx::query_scalar!("select upto from usage_rollup_state for update").fetch_one(&mut *db).await?;
    if upto <= from {
        sqlx::query!("update usage_rollup_state set rolled_at = $1 where rolled_at < $1", settled_at)
            .execute(&mut *db)
            .await?;
        return Ok(RolledUp { rows: 0, upto: from });
    }
    // The round's batches are found through the BRIN index on `batch` (its new ranges are
    // summarized before each round: `summarize_new_ranges`) and added up in a hash table.
    // The planner can't see how many rows a round reads (the bounds are parameters, and new
    // batch numbers lie past a partition's statistics), so left alone it either scans whole
    // partitions (today's grows all day) in parallel, or expects a few hundred rows and
    // sorts a hundred thousand on disk. With sequential scans priced out, the estimates
    // would switch on JIT compilation, which takes longer than a round: off too. These
    // settings last until the transaction ends. The last value of an hour (or a day) is
    // that of its greatest (time, value) pair, an aggregate that needs no sorted input.
    sqlx::query(
        "select set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true),
                set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)",
    )
    .execute(&mut *db)
    .await?;
    let rows = sqlx::query!(
        r#"with ev as (
               select tenant_id, metric, date_trunc('hour', at, 'UTC') as hour, sum(value) as total,
                      max(value) as peak, (max(array[date_part('epoch', at), value]))[2] as last,
                      max(at) as last_at, count(*) as events
               from usage_events where batch > $1 and batch <= $2
               group by 1, 2, 3
           ), hourly as (
               insert into usage_hourly as u (tenant_id, metric, hour, total, peak, last, last_at, events)
               select tenant_id, metric, hour, total, peak, last, last_at, events from ev
               on conflict (tenant_id, metric, hour) do update set
                   total = u.total + excluded.total,
                   peak = greatest(u.peak, excluded.peak),
                   last = case when excluded.last_at >= u.last_at then excluded.last else u.last end,
                   last_at = greatest(u.last_at, excluded.last_at),
                   events = u.events + excluded.events
               returning 1
           )
           insert into usage_daily as u (tenant_id, metric, day, total, peak, last, last_at, events)
           select tenant_id, metric, (hour at time zone 'UTC')::date, sum(total), max(peak),
                  (max(array[date_part('epoch', last_at), last]))[2], max(last_at), sum(events)::bigint
           from ev group by 1, 2, 3
           on conflict (tenant_id, metric, day) do update set
               total = u.total + excluded.total,
               peak = greatest(u.peak, excluded.peak),
               last = case when excluded.last_at >= u.last_at then excluded.last else u.last end,
               last_at = greatest(u.last_at, excluded.last_at),
               events = u.events + excluded.events"#,
        from,
        upto
    )
    .execute(&mut *db)
    .await?
    .rows_affected();
    sqlx::query!("update usage_rollup_state set upto = $1, rolled_at = greatest(rolled_at, $2)", upto, settled_at)
        .execute(&mut *db)
        .await?;
    Ok(RolledUp { rows, upto })
}

/// Summarizes the BRIN ranges of `usage_events` written since the last call, so that
/// `roll_up` reads only the pages of its batches (see the migration of
/// `usage_summarize_new_ranges`). Answers how many ranges it summarized.
pub async fn summarize_new_ranges(db: impl PgExecutor<'_>) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(r#"select usage_summarize_new_ranges() as "ranges!""#).fetch_one(db).await?)
}

/// One rollup round: wait for the batches in flight, then add them.
pub async fn roll_up_settled(pool: &sqlx::PgPool) -> Result<RolledUp, AppError> {
    let (upto, settled_at) = settled_batch(pool).await?;
    let mut tx = pool.begin().await?;
    let done = roll_up(&mut tx, upto, settled_at).await?;
    tx.commit().await?;
    Ok(done)
}

/// One measured value per tenant and metric, added to the rollups directly (samples are
/// many and small; the event log is for what tenants report).
#[derive(Debug, Default)]
pub struct Samples {
    pub tenants: Vec<Uuid>,
    pub metrics: Vec<String>,
    pub values: Vec<f64>,
}

pub async fn record_samples(db: &mut PgConnection, at: DateTime<Utc>, s: &Samples) -> Result<u64, AppError> {
    Ok(sqlx::query!(
        r#"with ev as (
               select t, m, v from unnest($1::uuid[], $2::text[], $3::float8[]) as x (t, m, v)
           ), hourly as (
               insert into usage_hourly as u (tenant_id, metric, hour, total, peak, last, last_at, events)
               select t, m, date_trunc('hour', $4::timestamptz, 'UTC'), v, v, v, $4, 1 from ev
               on conflict (tenant_id, metric, hour) do update set
                   total = u.total + excluded.total, peak = greatest(u.peak, excluded.peak),
                   last = case when excluded.last_at >= u.last_at then excluded.last else u.last end,
                   last_at = greatest(u.last_at, excluded.last_at), events = u.events + 1
               returning 1
           )
           insert into usage_daily as u (tenant_id, metric, day, total, peak, last, last_at, events)
           select t, m, ($4::timestamptz at time zone 'UTC')::date, v, v, v, $4, 1 from ev
           on conflict (tenant_id, metric, day) do update set
               total = u.total + excluded.total, peak = greatest(u.peak, excluded.peak),
               last = case when excluded.last_at >= u.last_at then excluded.last else u.last end,
               last_at = greatest(u.last_at, excluded.last_at), events = u.events + 1"#,
        &s.tenants,
        &s.metrics,
        &s.values,
        at
    )
    .execute(db)
    .await?
    .rows_affected())
}

/// How long the newest events may have waited for the rollups, in seconds: 0 when every
/// batch numbered so far is rolled up, else the time since the last round took its mark
/// (every batch not yet in the rollups arrived after it). Two tiny reads, no scan.
pub async fn rollup_lag(db: impl PgExecutor<'_>) -> Result<f64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select case when (select case when is_called then last_value else 0 end from usage_batches) > s.upto
                       then greatest(extract(epoch from now() - s.rolled_at)::float8, 0) else 0 end as "lag!"
           from usage_rollup_state s"#
    )
    .fetch_one(db)
    .await?)
}

/// The first `n` active tenants by name (the demo traffic's senders).
pub async fn demo_tenants(db: impl PgExecutor<'_>, n: i64) -> Result<Vec<Uuid>, AppError> {
    Ok(sqlx::query_scalar!("select id from tenants where status = 'active' order by name limit $1", n)
        .fetch_all(db)
        .await?)
}

/// The stored secret of a demo tenant's demo traffic key, if it has one.
pub async fn demo_traffic_key(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar!("select secret from demo_traffic_keys where tenant_id = $1", tenant)
        .fetch_optional(db)
        .await?)
}

/// Keeps a demo tenant's demo traffic key (replacing the one kept before).
pub async fn keep_demo_traffic_key(db: impl PgExecutor<'_>, tenant: Uuid, secret: &str) -> Result<(), AppError> {
    sqlx::query!(
        "insert into demo_traffic_keys (tenant_id, secret) values ($1, $2)
         on conflict (tenant_id) do update set secret = excluded.secret, created_at = now()",
        tenant,
        secret
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets a demo tenant's demo traffic key if it is still `secret` (another instance may
/// have replaced it already).
pub async fn forget_demo_traffic_key(db: impl PgExecutor<'_>, tenant: Uuid, secret: &str) -> Result<(), AppError> {
    sqlx::query!("delete from demo_traffic_keys where tenant_id = $1 and secret = $2", tenant, secret)
        .execute(db)
        .await?;
    Ok(())
}
