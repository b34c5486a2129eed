//! Which tenant a request names: the tenant header, a `<slug>.<base_domain>` host, or a
//! tenant's custom domain; and which host names are the portal's own.

use crate::db;
use crate::error::AppError;
use crate::model::messages::NO_TENANT;
use crate::model::Me;
use crate::server::state::AppState;
use http::header;
use std::net::IpAddr;
use uuid::Uuid;

/// How a request names its tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Hint {
    /// By id or slug: the tenant header or a `<slug>.<base_domain>` host.
    Named(String),
    /// A host name that is not the portal's own: maybe a tenant's custom domain.
    Domain(String),
}

/// A tenant named by the request (header, subdomain or custom domain).
pub(super) fn tenant_hint(parts: &http::request::Parts, state: &AppState) -> Option<Hint> {
    let cfg = &state.config.tenancy;
    if let Some(v) = parts.headers.get(cfg.tenant_header.as_str()).and_then(|v| v.to_str().ok()) {
        let v = v.trim();
        if !v.is_empty() {
            return Some(Hint::Named(v.to_ascii_lowercase()));
        }
    }
    let host = request_host(parts)?;
    let base = cfg.base_domain.trim().to_ascii_lowercase();
    if !base.is_empty() {
        if let Some(sub) = host.strip_suffix(&format!(".{base}")) {
            if !sub.contains('.') && !sub.is_empty() {
                return Some(Hint::Named(sub.to_string()));
            }
        }
    }
    (!is_portal_host(&host, state) && host.contains('.')).then_some(Hint::Domain(host))
}

/// The request's host name, lower case, without the port.
pub fn request_host(parts: &http::request::Parts) -> Option<String> {
    let host = parts.headers.get(header::HOST).and_then(|h| h.to_str().ok())?;
    let host =
        host.rsplit_once(':').map_or(host, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host });
    Some(host.to_ascii_lowercase())
}

/// The portal's own names: its public URL's host, the base domain and every name under
/// it, localhost and bare addresses. No tenant may claim one as its custom domain.
pub fn is_portal_host(host: &str, state: &AppState) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let base = state.config.tenancy.base_domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let under_base = !base.is_empty() && (host == base || host.ends_with(&format!(".{base}")));
    under_base
        || host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok()
        || Some(host.as_str()) == public_host(&state.config.mail.public_url).as_deref()
}

/// The tenant whose own address the request came to: `<slug>.<base_domain>` or its custom
/// domain (not the tenant header: that is for programs, not pages). The sign-in page
/// wears that tenant's brand.
pub async fn host_tenant(parts: &http::request::Parts, state: &AppState) -> Result<Option<Uuid>, AppError> {
    let Some(host) = request_host(parts) else { return Ok(None) };
    let base = state.config.tenancy.base_domain.trim().to_ascii_lowercase();
    if let Some(sub) = (!base.is_empty()).then(|| host.strip_suffix(&format!(".{base}"))).flatten() {
        if sub.is_empty() || sub.contains('.') {
            return Ok(None);
        }
        return db::tenants::id_by_slug(&state.pool, sub).await;
    }
    if host.contains('.') && !is_portal_host(&host, state) {
        return db::domains::tenant_of(&state.pool, &host).await;
    }
    Ok(None)
}

/// The host a session may be made on for this request: one of the portal's own names, or
/// a tenant's verified custom domain. Any other name (an unverified or removed domain, or
/// a name someone else pointed at the portal) can't hold a session: whoever controls its
/// DNS could take the cookie away with them.
pub async fn session_host(parts: &http::request::Parts, state: &AppState) -> Result<Option<String>, AppError> {
    // A request without a Host header (HTTP/1.0, in-process tests) is the portal's own.
    let host = request_host(parts).unwrap_or_default();
    if !host.contains('.') || is_portal_host(&host, state) {
        return Ok(Some(host));
    }
    Ok(db::domains::tenant_of(&state.pool, &host).await?.map(|_| host))
}

fn public_host(url: &str) -> Option<String> {
    let rest = url.split("://").nth(1)?;
    let host = rest.split(['/', '?']).next()?;
    Some(host.rsplit_once(':').map_or(host, |(h, _)| h).to_ascii_lowercase())
}

/// The tenant a signed-in person names in a request (header or subdomain), if they may
/// work in it.
pub(super) async fn tenant_for_hint(state: &AppState, me: &Me, hint: &str) -> Result<Option<Uuid>, AppError> {
    if let Some(m) = me.memberships.iter().find(|m| m.tenant_id.to_string() == hint || m.slug == hint) {
        return Ok(Some(m.tenant_id));
    }
    if me.is_platform_admin {
        let id = match Uuid::parse_str(hint) {
            Ok(id) => db::tenants::by_id(&state.pool, id).await?.map(|t| t.id),
            Err(_) => db::tenants::id_by_slug(&state.pool, hint).await?,
        };
        return id.map(Some).ok_or_else(|| AppError::not_found(NO_TENANT));
    }
    Err(AppError::not_found(NO_TENANT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_host_of_urls() {
        assert_eq!(public_host("https://portal.example.com:8443/x").as_deref(), Some("portal.example.com"));
        assert_eq!(public_host("http://127.0.0.1:3000").as_deref(), Some("127.0.0.1"));
        assert_eq!(public_host("nonsense"), None);
    }
}
