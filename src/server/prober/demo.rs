//! Demo data only: services for the demo tenants' health checks to probe, inside the
//! portal under `/demo/services/{kind}` (mounted only when demo data is on), and a week
//! of hourly history so uptime and charts show on first start. Between them every state
//! appears by itself: healthy, slow (degraded), flapping (down and recovering every few
//! minutes), blipping (one failure in four: the confirmation rule keeps it up), failing
//! (500), missing text (degraded) and down (connection refused, a closed port).

use crate::error::AppError;
use crate::model::monitoring::{bucket, BUCKETS};
use axum::extract::Path;
use axum::http::StatusCode;
use chrono::{Duration, DurationRound, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// Kind, the check's name, and its response-time target.
pub const SERVICES: [(&str, &str, Option<i32>); 7] = [
    ("healthy", "API", Some(500)),
    ("slow", "Checkout", Some(500)),
    ("flapping", "Search", None),
    ("blipping", "Status page", None),
    ("failing", "Billing", None),
    ("text", "Dashboard", None),
    ("down", "Legacy API", None),
];

/// How long the flapping service stays in each state.
const FLAP_SECS: i64 = 150;

pub fn router() -> axum::Router<crate::server::state::AppState> {
    axum::Router::new().route("/demo/services/{kind}", axum::routing::any(serve))
}

async fn serve(Path(kind): Path<String>) -> (StatusCode, &'static str) {
    match kind.as_str() {
        "healthy" => (StatusCode::OK, "ok: healthy"),
        "slow" => {
            tokio::time::sleep(std::time::Duration::from_millis(600 + fastrand::u64(..500))).await;
            (StatusCode::OK, "ok: but slow")
        }
        "flapping" if (Utc::now().timestamp() / FLAP_SECS) % 2 == 0 => (StatusCode::OK, "ok: up for now"),
        "flapping" => (StatusCode::SERVICE_UNAVAILABLE, "unavailable for now"),
        "blipping" if fastrand::u8(..4) == 0 => (StatusCode::BAD_GATEWAY, "a blip"),
        "blipping" => (StatusCode::OK, "ok: mostly"),
        "failing" => (StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
        "text" => (StatusCode::OK, "the page rendered without its content"),
        _ => (StatusCode::NOT_FOUND, "no such demo service"),
    }
}

/// A week of hourly rollups for a demo check, shaped like its service.
pub async fn history(pool: &PgPool, tenant: Uuid, check: Uuid, kind: &str) -> Result<(), AppError> {
    let now = Utc::now().duration_trunc(Duration::hours(1)).unwrap_or_else(|_| Utc::now());
    let mut rng = fastrand::Rng::with_seed(check.as_u128() as u64);
    let (mut hours, mut totals, mut downs, mut degraded, mut hists) = (vec![], vec![], vec![], vec![], vec![]);
    for h in 1..=(7 * 24) {
        let hour = now - Duration::hours(h);
        let total = 240;
        let (down, slow, typical) = match kind {
            "healthy" => (0, 0, 40 + rng.i32(0..60)),
            "slow" => (0, total, 700 + rng.i32(0..400)),
            "flapping" => (if h % 5 == 0 { 30 + rng.i32(0..60) } else { 0 }, 0, 80 + rng.i32(0..80)),
            "blipping" => (rng.i32(0..3), 0, 60 + rng.i32(0..40)),
            "failing" => (if h < 30 { total } else { rng.i32(0..4) }, 0, 30),
            "text" => (0, total, 50),
            _ => (if h < 48 { total } else { 0 }, 0, 90),
        };
        let mut hist = vec![0i32; BUCKETS.len()];
        hist[bucket(typical)] += total - total / 10;
        hist[bucket(typical * 3)] += total / 10;
        hours.push(hour);
        totals.push(total);
        downs.push(down);
        degraded.push(slow);
        hists.push(hist.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(","));
    }
    sqlx::query(
        "insert into health_rollups (tenant_id, check_id, hour, total, degraded, down, ms_hist)
         select $1, $2, h, t, g, d, string_to_array(m, ',')::int[]
         from unnest($3::timestamptz[], $4::int[], $5::int[], $6::int[], $7::text[]) as x(h, t, d, g, m)
         on conflict do nothing",
    )
    .bind(tenant)
    .bind(check)
    .bind(&hours)
    .bind(&totals)
    .bind(&downs)
    .bind(&degraded)
    .bind(&hists)
    .execute(pool)
    .await?;
    Ok(())
}
