//! Prometheus metrics (PRODUCT.md O2) through the `metrics` facade and
//! `metrics-exporter-prometheus`'s recorder, rendered at `/metrics`.
//!
//! What is measured: HTTP requests by route template and status with latency histograms;
//! workflow steps by workflow kind, step and outcome with their duration; background
//! worker rounds and lag; health probes' scheduling lag and outcomes; and the database pool (size, idle, in use, acquire waits).
//! `/metrics` is served on its own listener (`[metrics].listen`) or, on the main one, only
//! with the configured bearer token (`[metrics].token`); with neither it is not served.

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Latency buckets in seconds, from a cached read to a slow provisioning step.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Installs the process-wide recorder once (later calls, e.g. from tests, reuse it).
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (tests run many apps in one process);
        // then this handle renders what it recorded itself, which is nothing: fine.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// The text exposition of everything recorded so far.
pub fn render() -> String {
    install().render()
}

pub fn http_request(method: &str, route: &str, status: u16, took: Duration) {
    let labels = [("method", method.to_string()), ("route", route.to_string()), ("status", status.to_string())];
    counter!("tenantry_http_requests_total", &labels).increment(1);
    histogram!("tenantry_http_request_duration_seconds", &labels).record(took.as_secs_f64());
}

pub fn workflow_step(kind: &str, step: &str, outcome: &str, took: Duration) {
    let labels = [("kind", kind.to_string()), ("step", step.to_string()), ("outcome", outcome.to_string())];
    counter!("tenantry_workflow_steps_total", &labels).increment(1);
    histogram!("tenantry_workflow_step_duration_seconds", &labels).record(took.as_secs_f64());
}

pub fn workflow_run_finished(kind: &str, status: &str) {
    counter!("tenantry_workflow_runs_total", "kind" => kind.to_string(), "status" => status.to_string()).increment(1);
}

pub fn worker_round(worker: &str, lag: Option<Duration>, ok: bool) {
    let outcome = if ok { "ok" } else { "failed" };
    counter!("tenantry_worker_rounds_total", "worker" => worker.to_string(), "outcome" => outcome).increment(1);
    if ok {
        gauge!("tenantry_worker_last_beat_timestamp_seconds", "worker" => worker.to_string())
            .set(chrono::Utc::now().timestamp() as f64);
    }
    if let Some(lag) = lag {
        gauge!("tenantry_worker_lag_seconds", "worker" => worker.to_string()).set(lag.as_secs_f64());
    }
}

/// A health probe started `lag` after it was due, and how it came out.
pub fn probe(lag: Duration, outcome: &str) {
    histogram!("tenantry_health_probe_lag_seconds").record(lag.as_secs_f64());
    counter!("tenantry_health_probes_total", "outcome" => outcome.to_string()).increment(1);
}

/// The pool as it stands, sampled when `/metrics` is read.
pub fn pool(pool: &sqlx::PgPool) {
    let size = pool.size() as f64;
    let idle = pool.num_idle() as f64;
    gauge!("tenantry_db_pool_connections").set(size);
    gauge!("tenantry_db_pool_idle_connections").set(idle);
    gauge!("tenantry_db_pool_in_use_connections").set(size - idle);
    gauge!("tenantry_db_pool_max_connections").set(pool.options().get_max_connections() as f64);
}

/// How long a request waited for a database connection.
pub fn pool_wait(took: Duration) {
    histogram!("tenantry_db_pool_acquire_seconds").record(took.as_secs_f64());
}
