//! Signed webhooks (PRODUCT.md E2): the signatures (`sign`) and the worker that drains the
//! outbox into deliveries and sends them (`deliver`). Endpoints are managed through
//! `services::webhooks`.

pub mod deliver;
pub mod sign;

use crate::server::state::AppState;
use crate::server::workers::Worker;
use std::time::Duration;

/// The deliverer, for the registry. Every instance runs it; rows are claimed with SKIP
/// LOCKED, so each event is dispatched once and each attempt made once.
pub fn worker() -> Worker {
    Worker::new(
        "webhooks",
        "Turns outbox events into webhook deliveries and sends them, signed, retrying on the published schedule",
        Duration::from_secs(1),
        |state: AppState| async move { deliver::round(&state).await },
    )
}

/// Keeps the outbox and the delivery log from growing without end: dispatched events
/// go after a week, finished deliveries after `[webhooks] log_retention_days` (a range
/// replay reaches back that far). Deleting twice is harmless, so every instance may run it.
pub fn retention_worker() -> Worker {
    Worker::new(
        "webhook-retention",
        "Deletes dispatched outbox events after 7 days and finished webhook deliveries after the log retention",
        Duration::from_secs(3600),
        |state: AppState| async move {
            let now = chrono::Utc::now();
            let keep = chrono::Duration::days(i64::from(state.config.webhooks.log_retention_days.max(1)));
            let mut conn = state.pool.acquire().await?;
            while crate::db::webhooks::purge(&mut conn, now - chrono::Duration::days(7), now - keep, 10_000).await? > 0
            {
            }
            Ok(crate::server::workers::Round::default())
        },
    )
}

/// Demo data only: a receiver inside the portal (`POST /demo/webhooks`) for the demo
/// tenants' endpoints, so deliveries show up on first start. It accepts most requests and
/// answers one in five with 429 and `Retry-After: 20`, so retries show too. Not mounted
/// unless demo data is on.
pub fn demo_receiver() -> axum::Router<AppState> {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    axum::Router::new().route(
        "/demo/webhooks",
        axum::routing::post(|| async {
            if fastrand::u8(..5) == 0 {
                (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "20")], "demo receiver: busy, try again")
                    .into_response()
            } else {
                (StatusCode::OK, "demo receiver: received").into_response()
            }
        }),
    )
}
