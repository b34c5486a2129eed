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
