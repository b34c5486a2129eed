//! The durable workflow engine (PRODUCT.md P3, P4, P6): a small engine of our own on
//! PostgreSQL rather than a crate (see README, "Workflows", for why).
//!
//! - `engine`: a worker claims a due run with `FOR UPDATE SKIP LOCKED` and keeps that row
//!   lock while it runs its steps, each in a savepoint of the same transaction, then
//!   records the outcomes and commits: a step's work and the fact that it ran commit
//!   together or not at all. Consecutive steps that only touch the database run in one
//!   transaction; the transaction commits before a step with an effect outside the
//!   database (email), which runs alone. A server killed mid-run loses only the
//!   uncommitted attempt, and the run is due again for whichever instance looks next.
//!   Failed attempts are retried with back-off; a permanent failure compensates the
//!   completed steps in reverse.
//! - `worker`: the background workers (registered with `server::workers`) and the
//!   LISTEN/NOTIFY wake-up.
//! - `steps`: what each step does and how it is undone. Steps are idempotent.
//!
//! Runs are queued by the services (`db::workflows::enqueue`); a request that waits for
//! its run drives it through the hook the composition root installs (`AppState::drive`).

mod engine;
mod plan_change;
mod steps;
mod worker;

pub use engine::{drain, drive, run_step_again, tick, Tick};
pub use steps::default_settings;
pub use worker::workers;

use crate::error::AppError;
use crate::server::state::AppState;
use serde_json::Value;
use sqlx::PgConnection;

/// A claimed run, as the steps see it.
pub type Run = crate::db::workflows::Claimed;

/// A step's error: worth another attempt, or not.
#[derive(Debug)]
pub enum StepError {
    Retry(String),
    Permanent(String),
}

impl From<AppError> for StepError {
    fn from(e: AppError) -> Self {
        match e.status() {
            // Bad input or a state that forbids the step won't change by retrying.
            400..=499 => StepError::Permanent(e.to_string()),
            _ => StepError::Retry(e.to_string()),
        }
    }
}

impl From<sqlx::Error> for StepError {
    /// The database's own words stay in the log: the step's error (which a tenant's
    /// members can read on the Workflows tab) carries only a reference to them.
    fn from(e: sqlx::Error) -> Self {
        AppError::from(e).into()
    }
}

impl StepError {
    fn message(&self) -> &str {
        match self {
            Self::Retry(m) | Self::Permanent(m) => m,
        }
    }
}

/// What a step sees: its transaction, the app and the run.
pub struct Cx<'a> {
    pub db: &'a mut PgConnection,
    pub state: &'a AppState,
    pub run: &'a Run,
}

/// What a step produced (shown to operators, and read by later steps and tests).
pub type Output = Option<Value>;
