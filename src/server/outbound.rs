//! The one policy every outbound request of the portal goes through (webhooks, health
//! probes, and the DNS upstream of domain verification): no loopback, private, link-local,
//! carrier-grade NAT, multicast, documentation or cloud metadata addresses, checked
//! after DNS resolution, unless the operator's `[outbound] allow` list names the host or
//! a range holding the address (tests and local development allow 127.0.0.1).
//!
//! The check is made where the connection is made: the HTTP client resolves names
//! through [`Policy`] (so a name that resolves to a public address when an endpoint is
//! registered and to 127.0.0.1 later, DNS rebinding, is still refused), and addresses
//! written as IP literals are checked before the request. Webhooks follow no redirects;
//! probes follow a few, each hop checked.

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// What the operator allows beyond public addresses.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    hosts: Vec<String>,
    nets: Vec<IpNet>,
}

/// Why a destination was refused (a sentence for the person who entered the URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// A probe's redirects went on too long or in a loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirects(pub String);

impl std::fmt::Display for Redirects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Redirects {}

impl Policy {
    /// From the `[outbound] allow` entries: host names, addresses or CIDR ranges. An entry
    /// that is none of these is an error (a typo must not silently allow nothing).
    pub fn new(allow: &[String]) -> Result<Self, String> {
        let mut p = Policy::default();
        for raw in allow {
            let e = raw.trim();
            if e.is_empty() {
                continue;
            }
            if let Ok(net) = e.parse::<IpNet>() {
                p.nets.push(net);
            } else if let Ok(ip) = e.trim_matches(['[', ']']).parse::<IpAddr>() {
                p.nets.push(IpNet::from(ip));
            } else if e.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                && e.contains(|c: char| c.is_ascii_alphabetic())
            {
                p.hosts.push(e.trim_end_matches('.').to_ascii_lowercase());
            } else {
                return Err(format!(
                    "[outbound] allow: \u{201c}{e}\u{201d} is not a host name, an address or a CIDR range"
                ));
            }
        }
        Ok(p)
    }

    fn host_allowed(&self, host: &str) -> bool {
        let h = host.trim_end_matches('.').to_ascii_lowercase();
        self.hosts.contains(&h)
    }

    /// Whether the portal may connect to `ip` (reached through the host `host`).
    pub fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), Refused> {
        if self.host_allowed(host) || self.nets.iter().any(|n| n.contains(&ip)) {
            return Ok(());
        }
        match forbidden(ip) {
            None => Ok(()),
            Some(why) => Err(Refused(format!(
                "{host} resolves to {ip}, {why}: the portal doesn't send requests there. An operator can allow it with [outbound] allow."
            ))),
        }
    }

    /// Resolves `url`'s host and checks every address (all must be allowed: the client
    /// may connect to any of them). For registering a URL; sending checks again.
    pub async fn check_url(&self, url: &str) -> Result<Url, Refused> {
        let u = Url::parse(url.trim()).map_err(|e| Refused(format!("That is not a valid URL ({e}).")))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(Refused("The URL must start with https:// (or http://).".into()));
        }
        let host = u.host_str().ok_or_else(|| Refused("The URL needs a host.".into()))?.to_string();
        let port = u.port_or_known_default().unwrap_or(443);
        let bare = host.trim_matches(['[', ']']);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            self.check_ip(&host, ip)?;
            return Ok(u);
        }
        self.resolve_allowed(bare, port).await?;
        Ok(u)
    }

    /// A client builder whose every connection obeys the policy: names resolve through
    /// it. IP-literal URLs must be checked with [`Policy::check_url`] or
    /// [`Policy::check_literal`] before sending.
    fn builder(self: &Arc<Self>, agent: &'static str) -> reqwest::ClientBuilder {
        reqwest::Client::builder().dns_resolver(self.clone()).pool_max_idle_per_host(64).user_agent(agent)
    }

    /// The webhook deliverer's client: redirects are not followed.
    pub fn client(self: &Arc<Self>, timeout: Duration) -> reqwest::Client {
        self.builder(concat!("Tenantry-Webhooks/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()
            .unwrap_or_default()
    }

    /// The health prober's client: follows at most `max_redirects` redirects, each hop
    /// checked against the policy (a redirect to 169.254.169.254 is refused), a loop
    /// refused at once; keeps the TLS peer certificate so its expiry can be read. The
    /// timeout is each check's own (set per request). `roots` are extra trusted CAs.
    pub fn probe_client(self: &Arc<Self>, max_redirects: usize, roots: Vec<reqwest::Certificate>) -> reqwest::Client {
        let policy = self.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().iter().any(|u| u == attempt.url()) {
                return attempt.error(Redirects("The redirects loop back to an earlier URL.".into()));
            }
            if attempt.previous().len() > max_redirects {
                return attempt.error(Redirects(format!("More than {max_redirects} redirects.")));
            }
            match policy.check_literal(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(r) => attempt.error(r),
            }
        });
        let mut b = self
            .builder(concat!("Tenantry-Health/", env!("CARGO_PKG_VERSION")))
            .redirect(redirects)
            .tls_info(true)
            // Probes measure the service, not a connection kept from the previous probe.
            .pool_max_idle_per_host(0);
        for r in roots {
            b = b.add_root_certificate(r);
        }
        b.build().unwrap_or_default()
    }

    /// Resolves `host` and answers its addresses if every one is allowed (the client may
    /// connect to any of them).
    async fn resolve_allowed(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Refused> {
        let addrs = resolve(host, port).await?;
        for a in &addrs {
            self.check_ip(host, a.ip())?;
        }
        Ok(addrs)
    }

    /// Checks a URL whose host is an IP literal (the client's resolver never sees it);
    /// names pass (the resolver checks them when connecting).
    pub fn check_literal(&self, url: &Url) -> Result<(), Refused> {
        let host = url.host_str().ok_or_else(|| Refused("The URL needs a host.".into()))?;
        match host.trim_matches(['[', ']']).parse::<IpAddr>() {
            Ok(ip) => self.check_ip(host, ip),
            Err(_) => Ok(()),
        }
    }
}

/// The policy and the HTTP clients built on it, shared by every request handler and
/// worker of this process (a client keeps its connections for the next request).
#[derive(Debug, Default)]
pub struct Outbound {
    pub policy: Arc<Policy>,
    webhooks: OnceLock<reqwest::Client>,
    probes: OnceLock<reqwest::Client>,
    dns: OnceLock<super::dns::Dns>,
}

impl Outbound {
    /// From `[outbound] allow`; entries were checked when the configuration was loaded,
    /// so one that still doesn't parse here allows nothing.
    pub fn new(allow: &[String]) -> Self {
        let policy = Policy::new(allow).unwrap_or_else(|e| {
            tracing::error!(error = %e, "the outbound allow-list is invalid; allowing public addresses only");
            Policy::default()
        });
        Self { policy: Arc::new(policy), webhooks: OnceLock::new(), probes: OnceLock::new(), dns: OnceLock::new() }
    }

    /// The webhook deliverer's client (built on first use, with its timeout then).
    pub fn webhook_client(&self, timeout: Duration) -> &reqwest::Client {
        self.webhooks.get_or_init(|| self.policy.client(timeout))
    }

    /// The health prober's client (built on first use with the `[health]` settings then).
    pub fn probe_client(&self, cfg: &crate::server::config::HealthConfig) -> &reqwest::Client {
        self.probes.get_or_init(|| self.policy.probe_client(cfg.max_redirects, extra_roots(&cfg.extra_roots_pem)))
    }
}

impl Outbound {
    /// Domain verification's resolver (built on first use with `[tenancy] dns_upstream`).
    pub fn dns(&self, upstream: &str) -> &super::dns::Dns {
        self.dns.get_or_init(|| super::dns::Dns::new(upstream, &self.policy))
    }
}

/// The certificates of a PEM file (`[health] extra_roots_pem`); an unreadable file is
/// logged and trusts nothing extra.
fn extra_roots(path: &str) -> Vec<reqwest::Certificate> {
    if path.trim().is_empty() {
        return Vec::new();
    }
    match std::fs::read(path.trim())
        .map_err(|e| e.to_string())
        .and_then(|pem| reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| e.to_string()))
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(path, error = %e, "[health] extra_roots_pem could not be read; trusting the system's CAs only");
            Vec::new()
        }
    }
}

async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, Refused> {
    let found = tokio::time::timeout(Duration::from_secs(5), tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| Refused(format!("{host} could not be resolved in time.")))?
        .map_err(|_| Refused(format!("{host} could not be resolved (no such host?).")))?
        .collect::<Vec<_>>();
    if found.is_empty() {
        return Err(Refused(format!("{host} resolves to no address.")));
    }
    Ok(found)
}

impl Resolve for Policy {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.clone();
        Box::pin(async move {
            let addrs = policy.resolve_allowed(name.as_str(), 0).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Why an address is not public, or `None` when it is.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4);
            }
            forbidden_v6(v6)
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    Some(if ip.is_loopback() {
        "a loopback address"
    } else if ip.is_private() {
        "a private address"
    } else if ip == Ipv4Addr::new(169, 254, 169, 254) {
        "the cloud metadata address"
    } else if ip.is_link_local() {
        "a link-local address"
    } else if ip.is_unspecified() || o[0] == 0 {
        "an unspecified address"
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        "a carrier-grade NAT address"
    } else if ip.is_multicast() || ip.is_broadcast() || o[0] >= 240 {
        "a multicast or reserved address"
    } else if ip.is_documentation() || (o[0] == 198 && (o[1] & 0xfe) == 18) || (o[0] == 192 && o[1] == 0 && o[2] == 0) {
        "a reserved address"
    } else {
        return None;
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    Some(if ip.is_loopback() {
        "a loopback address"
    } else if ip.is_unspecified() {
        "an unspecified address"
    } else if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        "the cloud metadata address"
    } else if (s[0] & 0xfe00) == 0xfc00 {
        "a private (unique local) address"
    } else if (s[0] & 0xffc0) == 0xfe80 {
        "a link-local address"
    } else if ip.is_multicast() {
        "a multicast address"
    } else if s[0] == 0x2001 && s[1] == 0xdb8 {
        "a documentation address"
    } else if s[0] == 0x64 && s[1] == 0xff9b {
        // NAT64 can reach any IPv4 address, private ones included.
        "a NAT64 address"
    } else if ip.to_ipv4().is_some() && s[0..6] == [0; 6] {
        // IPv4-compatible (deprecated) ::a.b.c.d
        "an IPv4-compatible address"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_and_special_addresses_are_refused() {
        for s in [
            "127.0.0.1",
            "127.8.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.1.1",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "::127.0.0.1",
        ] {
            assert!(forbidden(ip(s)).is_some(), "{s} should be refused");
        }
        for s in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "100.128.0.1", "172.32.0.1"] {
            assert_eq!(forbidden(ip(s)), None, "{s} is public");
        }
    }

    #[test]
    fn the_allow_list_names_hosts_addresses_and_ranges() {
        let p = Policy::new(&["127.0.0.1".into(), "10.0.0.0/8".into(), "Hooks.Internal".into(), " ".into()]).unwrap();
        assert!(p.check_ip("x", ip("127.0.0.1")).is_ok());
        assert!(p.check_ip("x", ip("127.0.0.2")).is_err());
        assert!(p.check_ip("x", ip("10.200.0.1")).is_ok());
        assert!(p.check_ip("hooks.internal", ip("192.168.0.1")).is_ok());
        assert!(p.check_ip("other.internal", ip("192.168.0.1")).is_err());
        assert!(Policy::new(&["10.0.0.0/33".into()]).is_err());
        assert!(Policy::new(&["http://x".into()]).is_err());
    }

    #[tokio::test]
    async fn urls_are_checked_after_resolution() {
        let none = Policy::default();
        let e = none.check_url("http://localhost:9/hook").await.unwrap_err();
        assert!(e.0.contains("loopback"), "{e}");
        assert!(none.check_url("http://[::ffff:7f00:1]/").await.is_err());
        assert!(none.check_url("http://169.254.169.254/latest/meta-data").await.unwrap_err().0.contains("metadata"));
        assert!(none.check_url("ftp://example.com").await.is_err());
        let local = Policy::new(&["127.0.0.1".into()]).unwrap();
        assert!(local.check_url("http://127.0.0.1:9/hook").await.is_ok());
        let u = Url::parse("http://10.0.0.1/").unwrap();
        assert!(local.check_literal(&u).is_err());
        assert!(local.check_literal(&Url::parse("http://example.com/").unwrap()).is_ok());
    }
}
