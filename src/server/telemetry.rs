//! Structured logs through tracing (PRODUCT.md O2).

use super::config::LogConfig;
use tracing_subscriber::EnvFilter;

pub fn init(cfg: &LogConfig) {
    let filter = EnvFilter::try_new(&cfg.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let result = if cfg.format == "json" { builder.json().try_init() } else { builder.try_init() };
    // A second init (tests, benches) keeps the first subscriber.
    let _ = result;
}
