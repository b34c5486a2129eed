//! What every request handler and server function can reach: the pool and the config.
//! Handed to server functions through Leptos context, never a global, so each test can
//! bring its own database.

use super::config::Config;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub mailer: super::mail::Mailer,
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
        Self { pool, config: Arc::new(config), leptos_options, mailer }
    }

    /// The state a server function runs with.
    pub fn from_context() -> Result<Self, crate::error::AppError> {
        leptos::prelude::use_context::<AppState>()
            .ok_or_else(|| crate::error::AppError::internal("context", "AppState missing from context"))
    }
}
