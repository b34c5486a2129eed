//! Runtime configuration: `Leptos.toml`, then environment overrides (PRODUCT.md O1).

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub log: LogConfig,
    pub tenants: TenantsConfig,
    pub demo: DemoConfig,
    pub auth: AuthConfig,
    pub mail: MailConfig,
    pub tenancy: TenancyConfig,
    pub workflows: WorkflowsConfig,
    pub metrics: MetricsConfig,
    pub usage: UsageConfig,
    pub outbound: OutboundConfig,
    pub webhooks: WebhooksConfig,
    pub health: HealthConfig,
}

/// Usage metering (PRODUCT.md U1-U4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct UsageConfig {
    /// Largest `POST /api/v1/usage` body (bytes); bigger batches are answered 413.
    pub max_batch_bytes: usize,
    /// Raw events are kept this many days (their day partitions are then dropped); the
    /// rollups stay. At least 36, so the 35-day deduplication window is always covered.
    pub retention_days: u32,
    /// Day partitions made ahead of today.
    pub partitions_ahead_days: u32,
    /// How often the rollup worker adds new events to the rollups (milliseconds).
    pub rollup_interval_ms: u64,
    /// How often the sampler measures every active tenant (seconds).
    pub sample_interval_secs: u64,
    /// With demo data on: report demo usage for this many active demo tenants every few
    /// seconds, through the REST API with their own keys (0: off).
    pub demo_traffic_tenants: u32,
}

impl Default for UsageConfig {
    fn default() -> Self {
        Self {
            max_batch_bytes: 1024 * 1024,
            retention_days: 40,
            partitions_ahead_days: 3,
            rollup_interval_ms: 1000,
            sample_interval_secs: 60,
            demo_traffic_tenants: 12,
        }
    }
}

/// Every request the portal itself sends out (webhooks, probes, DNS checks) goes through
/// one SSRF policy (`server::outbound`): public addresses only, plus what `allow` names.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OutboundConfig {
    /// Host names, addresses or CIDR ranges reachable although not public, e.g.
    /// `["127.0.0.1", "10.0.0.0/8", "hooks.internal"]`. In the environment
    /// (`TENANTRY_OUTBOUND__ALLOW`) a comma-separated list. Empty by default.
    #[serde(deserialize_with = "list_or_commas")]
    pub allow: Vec<String>,
}

/// A list, or one string of comma-separated items (as environment variables give it).
fn list_or_commas<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        One(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::List(v) => v,
        Either::One(s) => s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect(),
    })
}

/// Signed webhooks (PRODUCT.md E2).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhooksConfig {
    /// How long one attempt may take (connect, send, answer).
    pub timeout_secs: u64,
    /// After a secret is rotated, the previous one keeps signing this long.
    pub rotation_overlap_hours: u64,
    /// Deliveries claimed per round, and sent at once.
    pub batch: i64,
    pub concurrency: usize,
    /// Finished deliveries are kept (and can be replayed) this many days.
    pub log_retention_days: u32,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self { timeout_secs: 10, rotation_overlap_hours: 24, batch: 500, concurrency: 64, log_retention_days: 30 }
    }
}

/// Health probes of the tenants' services (PRODUCT.md H2–H4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthConfig {
    /// Probes in flight at once on this instance (more due checks wait for a free slot).
    pub concurrency: usize,
    /// Redirects a probe follows at most (each hop obeys the outbound policy).
    pub max_redirects: usize,
    /// Bytes of a body read at most (text is looked for in these).
    pub max_body_bytes: usize,
    /// Raw results are kept this many days (uptime and charts read the hourly rollups,
    /// kept for `rollup_retention_days`).
    pub retention_days: u32,
    pub rollup_retention_days: u32,
    /// A PEM file of extra certificate authorities probes trust (besides the system's).
    pub extra_roots_pem: String,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            concurrency: 256,
            max_redirects: 5,
            max_body_bytes: 64 * 1024,
            retention_days: 14,
            rollup_retention_days: 400,
            extra_roots_pem: String::new(),
        }
    }
}

/// `/metrics` (Prometheus): served on its own listener (`listen`, e.g. 127.0.0.1:9464,
/// off the public one), or on the main listener to callers sending
/// `Authorization: Bearer <token>`; with neither it is not served.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsConfig {
    pub listen: String,
    pub token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthConfig {
    /// A session unused this long ends.
    pub idle_timeout_mins: u64,
    /// A session ends this long after sign-in, however busy.
    pub absolute_timeout_hours: u64,
    /// Send the session cookie only over HTTPS (set when the portal is served over TLS;
    /// also turns on HSTS).
    pub secure_cookies: bool,
    /// Failed sign-ins allowed per account, and per source address, within the window.
    pub max_failures_per_account: u32,
    pub max_failures_per_address: u32,
    pub failure_window_secs: u64,
    /// How long an invitation link stays valid.
    pub invitation_expiry_days: u32,
    pub invitation_mails_per_hour: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MailConfig {
    /// `smtp://host:port` (plain), `smtp://host:port?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host:465` (TLS); see lettre's `from_url`.
    pub smtp_url: String,
    pub from: String,
    /// The address people open the portal at; links in emails start with it.
    pub public_url: String,
    pub timeout_secs: u64,
    /// Development only: when set, the server itself runs a mail sink on the address of
    /// `smtp_url` and writes every message it is sent into this directory as a .eml file.
    pub dev_sink_dir: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TenancyConfig {
    /// Requests to `<slug>.<base_domain>` work in that tenant. Empty: off.
    pub base_domain: String,
    /// A request header naming the tenant (id or slug) to work in.
    pub tenant_header: String,
    /// The DNS server custom-domain verification asks (`host:port`, or an address for
    /// port 53). Empty: the system's resolvers. It obeys `[outbound] allow`.
    pub dns_upstream: String,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            idle_timeout_mins: 120,
            absolute_timeout_hours: 12,
            secure_cookies: false,
            max_failures_per_account: 5,
            max_failures_per_address: 30,
            failure_window_secs: 900,
            invitation_expiry_days: 7,
            invitation_mails_per_hour: 30,
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_url: "smtp://127.0.0.1:2525".into(),
            from: "Tenantry <no-reply@tenantry.localhost>".into(),
            public_url: "http://127.0.0.1:3000".into(),
            timeout_secs: 10,
            dev_sink_dir: String::new(),
        }
    }
}

/// The workflow engine (PRODUCT.md P3).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkflowsConfig {
    /// Steps this instance runs at once (0: this instance runs no background work).
    pub workers: usize,
    /// Attempts a step gets before it fails for good (and the run compensates).
    pub max_attempts: i32,
    /// Back-off before the second attempt; it doubles each time, up to `max_backoff_secs`.
    pub backoff_ms: u64,
    pub max_backoff_secs: u64,
    /// A step running longer than this is stopped and counts as a failed attempt.
    pub step_timeout_secs: u64,
    /// Exports of large tenants may take longer.
    pub export_timeout_secs: u64,
    /// How often idle workers look for due retries; new work wakes them at once.
    pub poll_secs: u64,
    /// Testing aids, off in production: a step that always fails for good, and a pause at
    /// the start of every step (inside its transaction) for crash tests.
    pub fail_step: String,
    pub step_delay_ms: u64,
}

impl Default for WorkflowsConfig {
    fn default() -> Self {
        Self {
            workers: 4,
            max_attempts: 5,
            backoff_ms: 500,
            max_backoff_secs: 300,
            step_timeout_secs: 60,
            export_timeout_secs: 600,
            poll_secs: 5,
            fail_step: String::new(),
            step_delay_ms: 0,
        }
    }
}

impl Default for TenancyConfig {
    fn default() -> Self {
        Self { base_domain: String::new(), tenant_header: "X-Tenant-Id".into(), dns_upstream: String::new() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerConfig {
    pub site_addr: SocketAddr,
    pub site_root: String,
    pub request_timeout_secs: u64,
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
    pub min_connections: u32,
    pub acquire_timeout_secs: u64,
    pub migrate_on_start: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LogConfig {
    pub level: String,
    pub format: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantsConfig {
    pub retention_days: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DemoConfig {
    pub load_when_empty: bool,
    pub tenants: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            site_addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            site_root: "target/site".into(),
            request_timeout_secs: 30,
            max_body_bytes: 256 * 1024,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "postgres://tenantry@127.0.0.1:54329/tenantry".into(),
            max_connections: 20,
            min_connections: 2,
            acquire_timeout_secs: 5,
            migrate_on_start: true,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { level: "info,tower_http=info,sqlx=warn".into(), format: "pretty".into() }
    }
}

impl Default for TenantsConfig {
    fn default() -> Self {
        Self { retention_days: 30 }
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self { load_when_empty: false, tenants: 300 }
    }
}

impl Config {
    /// Defaults, then the file (if present), then `TENANTRY_SECTION__KEY` variables, then
    /// the well-known names.
    pub fn load(path: &str) -> Result<Config, String> {
        let c: Config = Self::figment(path).extract().map_err(|e| format!("invalid configuration: {e}"))?;
        crate::server::outbound::Policy::new(&c.outbound.allow).map_err(|e| format!("invalid configuration: {e}"))?;
        crate::server::dns::parse_upstream(&c.tenancy.dns_upstream)
            .map_err(|e| format!("invalid configuration: {e}"))?;
        Ok(c)
    }

    fn figment(path: &str) -> Figment {
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(path))
            .merge(Env::prefixed("TENANTRY_").split("__"))
            .merge(Env::raw().filter_map(|key| {
                let nested = match key.as_str().to_ascii_uppercase().as_str() {
                    "DATABASE_URL" => "database.url",
                    "LEPTOS_SITE_ADDR" => "server.site_addr",
                    "LEPTOS_SITE_ROOT" => "server.site_root",
                    "RUST_LOG" => "log.level",
                    "TENANTRY_DEMO_DATA" => "demo.load_when_empty",
                    _ => return None,
                };
                Some(nested.into())
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's test jail returns its own error type
    fn file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "Leptos.toml",
                "[server]\nsite_addr = \"127.0.0.1:4000\"\n[database]\nmax_connections = 7\n",
            )?;
            let c = Config::load("Leptos.toml").unwrap();
            assert_eq!(c.server.site_addr.port(), 4000);
            assert_eq!(c.database.max_connections, 7);
            assert_eq!(c.tenants.retention_days, 30);
            jail.set_env("LEPTOS_SITE_ADDR", "127.0.0.1:5000");
            jail.set_env("DATABASE_URL", "postgres://x@h/db");
            jail.set_env("TENANTRY_DATABASE__MAX_CONNECTIONS", "9");
            jail.set_env("TENANTRY_DEMO_DATA", "true");
            let c = Config::load("Leptos.toml").unwrap();
            assert_eq!(c.server.site_addr.port(), 5000);
            assert_eq!(c.database.url, "postgres://x@h/db");
            assert_eq!(c.database.max_connections, 9);
            assert!(c.demo.load_when_empty);
            jail.set_env("TENANTRY_OUTBOUND__ALLOW", "127.0.0.1, 10.0.0.0/8");
            let c = Config::load("Leptos.toml").unwrap();
            assert_eq!(c.outbound.allow, vec!["127.0.0.1".to_string(), "10.0.0.0/8".to_string()]);
            jail.set_env("TENANTRY_OUTBOUND__ALLOW", "[\"localhost\"]");
            assert_eq!(Config::load("Leptos.toml").unwrap().outbound.allow, vec!["localhost".to_string()]);
            jail.set_env("TENANTRY_OUTBOUND__ALLOW", "10.0.0.0/33");
            assert!(Config::load("Leptos.toml").is_err());
            jail.set_env("TENANTRY_OUTBOUND__ALLOW", "");
            jail.set_env("LEPTOS_SITE_ADDR", "not an address");
            assert!(Config::load("Leptos.toml").is_err());
            Ok(())
        });
    }
}
