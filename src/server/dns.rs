//! DNS lookups for domain verification (PRODUCT.md C4), through hickory-resolver: a
//! maintained, async resolver whose upstream can be set (`[tenancy] dns_upstream`), so
//! tests answer from a DNS server of their own on 127.0.0.1. Empty: the system's resolvers.
//!
//! The upstream is the only address the portal sends DNS queries to, and it obeys the
//! outbound policy like every other destination (a loopback or private upstream must be
//! allowed by `[outbound] allow`). Answers are never cached: a check asks again.

use crate::server::outbound::Policy;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;
use std::net::SocketAddr;
use std::time::Duration;

/// What the TXT lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Txt {
    /// The record's values (each record's strings joined).
    Found(Vec<String>),
    /// No such name, or no TXT record at it.
    Absent,
    /// The lookup itself failed (timeout, refused, unreachable upstream): a sentence.
    Failed(String),
}

/// The resolver the verification checks use.
#[derive(Clone)]
pub struct Dns {
    resolver: Option<TokioResolver>,
    setup_error: Option<String>,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dns").field("ready", &self.resolver.is_some()).finish()
    }
}

/// `host:port` or a bare address (port 53).
pub fn parse_upstream(s: &str) -> Result<Option<SocketAddr>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(Some(a));
    }
    s.trim_matches(['[', ']']).parse::<std::net::IpAddr>().map(|ip| Some(SocketAddr::new(ip, 53))).map_err(|_| {
        format!("[tenancy] dns_upstream: \u{201c}{s}\u{201d} is not an address such as 1.1.1.1 or 127.0.0.1:5353")
    })
}

impl Dns {
    /// From `[tenancy] dns_upstream`, checked against the outbound policy.
    pub fn new(upstream: &str, policy: &Policy) -> Self {
        let failed = |e: String| {
            tracing::error!(error = %e, "domain verification has no DNS resolver");
            Dns { resolver: None, setup_error: Some(e) }
        };
        let upstream = match parse_upstream(upstream) {
            Ok(u) => u,
            Err(e) => return failed(e),
        };
        let provider = TokioRuntimeProvider::default();
        let mut builder = match upstream {
            Some(addr) => {
                if let Err(r) = policy.check_ip("the DNS upstream", addr.ip()) {
                    return failed(r.0);
                }
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for c in &mut ns.connections {
                    c.port = addr.port();
                }
                TokioResolver::builder_with_config(ResolverConfig::from_name_servers(vec![ns]), provider)
            }
            None => match TokioResolver::builder(provider) {
                Ok(b) => b,
                Err(e) => return failed(format!("the system's DNS configuration could not be read: {e}")),
            },
        };
        let opts = builder.options_mut();
        opts.timeout = Duration::from_secs(4);
        opts.attempts = 1;
        opts.cache_size = 0;
        match builder.build() {
            Ok(r) => Dns { resolver: Some(r), setup_error: None },
            Err(e) => failed(format!("the DNS resolver could not be set up: {e}")),
        }
    }

    /// The TXT records at `name`.
    pub async fn txt(&self, name: &str) -> Txt {
        let Some(r) = &self.resolver else {
            return Txt::Failed(format!(
                "DNS lookups are not available ({}).",
                self.setup_error.as_deref().unwrap_or("no resolver")
            ));
        };
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match tokio::time::timeout(Duration::from_secs(10), r.txt_lookup(fqdn)).await {
            Err(_) => Txt::Failed("The DNS lookup timed out.".into()),
            Ok(Ok(lookup)) => Txt::Found(
                lookup
                    .answers()
                    .iter()
                    .filter_map(|rec| match &rec.data {
                        RData::TXT(t) => Some(t.txt_data.iter().map(|s| String::from_utf8_lossy(s)).collect()),
                        _ => None,
                    })
                    .collect(),
            ),
            Ok(Err(NetError::Dns(DnsError::NoRecordsFound(_)))) => Txt::Absent,
            Ok(Err(e)) => Txt::Failed(format!("The DNS lookup failed: {e}.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstreams_parse() {
        assert_eq!(parse_upstream("").unwrap(), None);
        assert_eq!(parse_upstream("127.0.0.1:5353").unwrap(), Some("127.0.0.1:5353".parse().unwrap()));
        assert_eq!(parse_upstream("1.1.1.1").unwrap(), Some("1.1.1.1:53".parse().unwrap()));
        assert_eq!(parse_upstream("[::1]").unwrap(), Some("[::1]:53".parse().unwrap()));
        assert!(parse_upstream("dns.example").is_err());
    }

    #[tokio::test]
    async fn a_loopback_upstream_needs_the_allow_list() {
        let d = Dns::new("127.0.0.1:5353", &Policy::default());
        match d.txt("x.example").await {
            Txt::Failed(m) => assert!(m.contains("loopback"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
