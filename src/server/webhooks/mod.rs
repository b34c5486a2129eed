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

/// Demo data only: a receiver inside the portal (`POST /demo/webhooks`) for the demo
/// tenants' endpoints, so deliveries show up on first start. It accepts most requests and
/// answers one in five with 503 and `Retry-After: 20`, so retries show too. Not mounted
/// unless demo data is on.
pub fn demo_receiver() -> axum::Router<AppState> {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    axum::Router::new().route(
        "/demo/webhooks",
        axum::routing::post(|| async {
            if fastrand::u8(..5) == 0 {
                (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "20")], "demo receiver: busy, try again").into_response()
            } else {
                (StatusCode::OK, "demo receiver: received").into_response()
            }
        }),
    )
}
