//! Integration tests: the real router against a real PostgreSQL database per test
//! (`#[sqlx::test]` creates and migrates it).

mod alerts;
mod audit;
mod branding;
mod config;
mod demo;
mod domains;
mod errors;
mod flags;
mod hardening;
mod helpers;
mod isolation;
mod key_cache;
mod layers;
mod lifecycle;
mod listing;
mod logos;
mod members;
mod monitoring;
mod monitoring_periods;
mod notifications;
mod operations;
mod outage;
mod pages;
mod plan_changes;
mod policies;
mod processes;
mod real_server;
mod resources;
mod server_fns;
mod sessions;
mod tenants;
mod usage;
mod webhooks;
mod workflows;
