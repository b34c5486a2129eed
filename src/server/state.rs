//! What every request handler and server function can reach: the pool, the config, this
//! instance, and the hooks the composition root (`server::app`) installs. Handed to
//! server functions through Leptos context, never a global, so each test can bring its
//! own database.

use super::config::Config;
use super::workers::Instance;
use crate::error::AppError;
use crate::model::RunStatus;
use axum::extract::FromRef;
use futures_util::future::BoxFuture;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use uuid::Uuid;

/// Runs a queued workflow run to its end (or the deadline) from the request that asked
/// for it. The workflow engine sits above the services, so the services reach it only
/// through this hook, which `server::app` installs.
pub type DriveFn =
    Arc<dyn Fn(AppState, Uuid, Duration) -> BoxFuture<'static, Result<RunStatus, AppError>> + Send + Sync>;

/// Hooks installed once by the composition root, shared by every clone of the state.
#[derive(Default)]
pub struct Hooks {
    pub drive: OnceLock<DriveFn>,
    /// The REST API's OpenAPI document (the REST layer builds it).
    pub api_document: OnceLock<serde_json::Value>,
}

/// Cheap to clone (one reference count): every layer and handler of every request clones
/// it, and it holds the Leptos options' strings.
#[derive(Clone)]
pub struct AppState(Arc<State>);

impl std::ops::Deref for AppState {
    type Target = State;
    fn deref(&self) -> &State {
        &self.0
    }
}

pub struct State {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub mailer: super::mail::Mailer,
    pub instance: Instance,
    pub hooks: Arc<Hooks>,
    /// API keys' request counts per tenant (see `ratelimit`).
    pub rate_limits: Arc<super::ratelimit::RateLimits>,
    /// The SSRF policy every outbound request obeys, and its HTTP clients.
    pub outbound: Arc<super::outbound::Outbound>,
    /// The API keys this instance has authenticated (see `access::key_cache`).
    pub keys: Arc<super::access::KeyCache>,
    /// The usage metric catalog as this instance last read it (see `ingest::MetricCatalog`).
    pub metrics: Arc<super::services::usage::ingest::MetricCatalog>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(pool: PgPool, config: Config) -> Self {
        let leptos_options = LeptosOptions::builder()
            .output_name("tenantry")
            .site_root(config.server.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(config.server.site_addr)
            .build();
        let mailer = super::mail::Mailer::new(&config.mail);
        let outbound = Arc::new(super::outbound::Outbound::new(&config.outbound.allow));
        Self(Arc::new(State {
            pool,
            config: Arc::new(config),
            leptos_options,
            mailer,
            instance: Instance::new(),
            hooks: Arc::default(),
            rate_limits: Arc::default(),
            outbound,
            keys: Arc::default(),
            metrics: Arc::default(),
        }))
    }

    /// The state a server function runs with.
    pub fn from_context() -> Result<Self, AppError> {
        leptos::prelude::use_context::<AppState>()
            .ok_or_else(|| AppError::internal("context", "AppState missing from context"))
    }

    /// Waits for a workflow run to end (at most `deadline`): drives it from this request
    /// when the engine is installed, else waits for the background workers.
    pub async fn drive(&self, run: Uuid, deadline: Duration) -> Result<RunStatus, AppError> {
        if let Some(drive) = self.hooks.drive.get() {
            return drive(self.clone(), run, deadline).await;
        }
        let until = tokio::time::Instant::now() + deadline;
        loop {
            let (status, _) = crate::db::workflows::status_and_due(&self.pool, run).await?;
            if !status.is_open() || tokio::time::Instant::now() >= until {
                return Ok(status);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
