//! One probe: a real HTTP request to a tenant's service through the outbound policy, its
//! answer judged against the check (status, body text, response time, certificate
//! expiry) into a `ProbeResult` with a cause a person understands.

use crate::model::monitoring::{parse_statuses, status_expected, Cause, Outcome, ProbeResult};
use crate::server::outbound::{Policy, Redirects, Refused};
use chrono::Utc;
use std::time::{Duration, Instant};

/// What a probe needs to know about its check.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub url: &'a str,
    pub method: &'a str,
    pub expected_status: &'a str,
    pub timeout_ms: i32,
    pub body_contains: Option<&'a str>,
    pub slow_ms: Option<i32>,
    pub cert_expiry_days: i32,
}

/// Probes once. Never fails: every way of not getting a good answer is a result.
pub async fn probe(client: &reqwest::Client, policy: &Policy, t: &Target<'_>, max_body: usize) -> ProbeResult {
    let at = Utc::now();
    let started = Instant::now();
    let timeout = Duration::from_millis(t.timeout_ms.max(1) as u64);
    let found = tokio::time::timeout(timeout, exchange(client, policy, t, max_body, timeout)).await;
    let ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
    let bad = |outcome, cause, detail: String| ProbeResult {
        at,
        outcome,
        status: None,
        ms,
        cause: Some(cause),
        detail: Some(detail),
        cert_days_left: None,
    };
    let answer = match found {
        Err(_) => return bad(Outcome::Down, Cause::Timeout, format!("No answer within {} ms.", t.timeout_ms)),
        Ok(Err((cause, detail))) => return bad(Outcome::Down, cause, detail),
        Ok(Ok(a)) => a,
    };
    judge(t, answer, at, ms)
}

/// What came back.
struct Answer {
    status: u16,
    body: Vec<u8>,
    cert_days_left: Option<i32>,
}

async fn exchange(
    client: &reqwest::Client,
    policy: &Policy,
    t: &Target<'_>,
    max_body: usize,
    timeout: Duration,
) -> Result<Answer, (Cause, String)> {
    let url = reqwest::Url::parse(t.url).map_err(|e| (Cause::Network, format!("The URL is not valid ({e}).")))?;
    policy.check_literal(&url).map_err(|r| (Cause::Blocked, r.0))?;
    let method = reqwest::Method::from_bytes(t.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut res = client.request(method, url).timeout(timeout).send().await.map_err(describe)?;
    let cert_days_left =
        res.extensions().get::<reqwest::tls::TlsInfo>().and_then(|i| i.peer_certificate()).and_then(days_left);
    let status = res.status().as_u16();
    let mut body = Vec::new();
    while body.len() < max_body {
        match res.chunk().await {
            Ok(Some(b)) => body.extend_from_slice(&b),
            Ok(None) => break,
            Err(e) => return Err(describe(e)),
        }
    }
    body.truncate(max_body);
    Ok(Answer { status, body, cert_days_left })
}

/// Whole days until the DER certificate's notAfter (negative once expired).
fn days_left(der: &[u8]) -> Option<i32> {
    use x509_cert::der::Decode;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let not_after = cert.tbs_certificate.validity.not_after.to_unix_duration().as_secs() as i64;
    let secs = not_after - Utc::now().timestamp();
    Some((secs.div_euclid(86_400)).clamp(i32::MIN as i64, i32::MAX as i64) as i32)
}

fn judge(t: &Target<'_>, a: Answer, at: chrono::DateTime<Utc>, ms: i32) -> ProbeResult {
    let mut r = ProbeResult {
        at,
        outcome: Outcome::Up,
        status: Some(i32::from(a.status)),
        ms,
        cause: None,
        detail: None,
        cert_days_left: a.cert_days_left,
    };
    let expected = parse_statuses(t.expected_status).unwrap_or_else(|_| vec![(200, 299)]);
    if !status_expected(&expected, a.status) {
        r.outcome = Outcome::Down;
        r.cause = Some(Cause::Status);
        r.detail = Some(format!("Expected {}, got {}.", t.expected_status, a.status));
        return r;
    }
    if let Some(text) = t.body_contains.filter(|s| !s.is_empty()) {
        if !contains(&a.body, text.as_bytes()) {
            r.outcome = Outcome::Degraded;
            r.cause = Some(Cause::Text);
            r.detail = Some(format!("The answer does not contain \u{201c}{text}\u{201d}."));
            return r;
        }
    }
    if let Some(limit) = t.slow_ms.filter(|l| ms > *l) {
        r.outcome = Outcome::Degraded;
        r.cause = Some(Cause::Slow);
        r.detail = Some(format!("Answered in {ms} ms; the target is {limit} ms."));
        return r;
    }
    if let Some(days) = a.cert_days_left.filter(|d| t.cert_expiry_days > 0 && *d < t.cert_expiry_days) {
        r.outcome = Outcome::Degraded;
        r.cause = Some(Cause::Certificate);
        r.detail = Some(format!("The certificate expires in {days} days (warning at {}).", t.cert_expiry_days));
    }
    r
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// Why a request got no answer, as a cause and a sentence (never the portal's internals).
fn describe(e: reqwest::Error) -> (Cause, String) {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<Refused>() {
            return (Cause::Blocked, format!("Refused by the outbound policy: {r}"));
        }
        if let Some(r) = s.downcast_ref::<Redirects>() {
            return (Cause::Redirects, r.0.clone());
        }
        if let Some(t) = s.downcast_ref::<rustls::Error>() {
            return (Cause::Tls, format!("The TLS handshake failed: {t}."));
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return (Cause::Refused, "Connection refused: nothing answers at that address and port.".into());
            }
            if let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return (Cause::Tls, format!("The TLS handshake failed: {t}."));
            }
        }
        // A handshake failure may reach us only as text (the TLS error boxed away inside
        // the connector's error).
        let text = s.to_string().to_ascii_lowercase();
        if text.contains("certificate") || text.contains("handshake") || text.contains("tls") {
            return (Cause::Tls, format!("The TLS handshake failed: {s}."));
        }
        source = s.source();
    }
    if e.is_timeout() {
        (Cause::Timeout, "No answer in time (the request timed out).".into())
    } else if e.is_redirect() {
        (Cause::Redirects, "Too many redirects.".into())
    } else if e.is_connect() {
        (Cause::Network, "Could not connect (the name did not resolve, or the connection failed).".into())
    } else {
        (Cause::Network, "The request failed before a complete answer arrived.".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target<'static> {
        Target {
            url: "http://x",
            method: "GET",
            expected_status: "200-299",
            timeout_ms: 1000,
            body_contains: Some("ok"),
            slow_ms: Some(100),
            cert_expiry_days: 14,
        }
    }

    #[test]
    fn answers_are_judged_in_order_status_text_speed_certificate() {
        let now = Utc::now();
        let a = |status, body: &str, days| Answer { status, body: body.as_bytes().to_vec(), cert_days_left: days };
        let r = judge(&target(), a(200, "all ok", Some(90)), now, 20);
        assert_eq!((r.outcome, r.cause), (Outcome::Up, None));
        let r = judge(&target(), a(503, "ok", None), now, 20);
        assert_eq!((r.outcome, r.cause), (Outcome::Down, Some(Cause::Status)));
        let r = judge(&target(), a(200, "nope", None), now, 20);
        assert_eq!((r.outcome, r.cause), (Outcome::Degraded, Some(Cause::Text)));
        let r = judge(&target(), a(200, "ok", None), now, 300);
        assert_eq!((r.outcome, r.cause), (Outcome::Degraded, Some(Cause::Slow)));
        let r = judge(&target(), a(200, "ok", Some(3)), now, 20);
        assert_eq!((r.outcome, r.cause), (Outcome::Degraded, Some(Cause::Certificate)));
        let never = Target { cert_expiry_days: 0, ..target() };
        assert_eq!(judge(&never, a(200, "ok", Some(3)), now, 20).outcome, Outcome::Up);
    }
}
