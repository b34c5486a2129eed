//! Who is asking, for which tenant, and may they do this (PRODUCT.md A2, A4, A5, I5).
//!
//! `resolve` runs once per request (pages, server functions and REST alike): it turns an
//! API key or the session into a [`Caller`], picks the tenant the request works in, and
//! refuses cross-site writes. Every service then asks the one guard, [`Caller::require`]
//! or [`Caller::require_on`], before it touches data; lists ask [`Caller::visible`] for
//! the tenants they may show.

use crate::db;
use crate::error::AppError;
use crate::model::{Me, Permission, Role, Scope, TenantStatus};
use crate::server::auth::{self, Backend};
use crate::server::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, Method};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    System,
    User,
    ApiKey,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::ApiKey => "api_key",
        }
    }
}

/// Who an audit event is attributed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<Uuid>,
    pub label: String,
    pub source_ip: Option<IpAddr>,
}

impl Actor {
    pub fn system(source_ip: Option<IpAddr>) -> Self {
        Self { kind: ActorKind::System, id: None, label: "System".into(), source_ip }
    }

    pub fn user(id: Uuid, email: &str, source_ip: Option<IpAddr>) -> Self {
        Self { kind: ActorKind::User, id: Some(id), label: email.to_string(), source_ip }
    }
}

/// A tenant's API key, as resolved from `Authorization: Bearer`.
#[derive(Debug, Clone)]
pub struct KeyCaller {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub tenant_status: TenantStatus,
}

#[derive(Debug, Clone)]
pub enum Principal {
    Anonymous,
    User(Arc<Me>),
    ApiKey(Arc<KeyCaller>),
    /// The server itself (command line, background work); never from a request.
    System,
}

/// The caller of one request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub source_ip: Option<IpAddr>,
}

/// The tenants a list may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantScope {
    All,
    Only(Vec<Uuid>),
}

impl TenantScope {
    pub fn ids(&self) -> Option<&[Uuid]> {
        match self {
            TenantScope::All => None,
            TenantScope::Only(ids) => Some(ids),
        }
    }
}

pub const SIGN_IN: &str = "Sign in to continue, or send an API key as \u{201c}Authorization: Bearer <key>\u{201d}.";
const NO_TENANT: &str = "No tenant has that id or slug.";

impl Caller {
    pub fn anonymous(source_ip: Option<IpAddr>) -> Self {
        Self { principal: Principal::Anonymous, source_ip }
    }

    pub fn system() -> Self {
        Self { principal: Principal::System, source_ip: None }
    }

    pub fn user(me: Me, source_ip: Option<IpAddr>) -> Self {
        Self { principal: Principal::User(Arc::new(me)), source_ip }
    }

    /// The caller of the server function or page being rendered.
    pub fn current() -> Self {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<Caller>().cloned())
            .unwrap_or_else(|| Self::anonymous(None))
    }

    pub fn me(&self) -> Option<&Me> {
        match &self.principal {
            Principal::User(me) => Some(me),
            _ => None,
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        self.me().map(|m| m.id)
    }

    pub fn is_platform_admin(&self) -> bool {
        matches!(self.principal, Principal::System) || self.me().is_some_and(|m| m.is_platform_admin)
    }

    /// The tenant this request works in, when there is one.
    pub fn tenant(&self) -> Option<Uuid> {
        match &self.principal {
            Principal::User(me) => me.active_tenant,
            Principal::ApiKey(k) => Some(k.tenant_id),
            _ => None,
        }
    }

    /// Who the audit trail names.
    pub fn actor(&self) -> Actor {
        match &self.principal {
            Principal::User(me) => Actor::user(me.id, &me.email, self.source_ip),
            Principal::ApiKey(k) => Actor {
                kind: ActorKind::ApiKey,
                id: Some(k.id),
                label: format!("API key {} ({})", k.name, k.prefix),
                source_ip: self.source_ip,
            },
            Principal::Anonymous | Principal::System => Actor::system(self.source_ip),
        }
    }

    /// A permission that is not about one tenant (creating tenants, managing users), or
    /// "signed in at all" for `TenantRead`.
    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        match &self.principal {
            Principal::System => Ok(()),
            Principal::Anonymous => Err(AppError::unauthorized(SIGN_IN)),
            Principal::User(me) if me.is_platform_admin => Ok(()),
            Principal::User(_) if p.is_platform() => {
                Err(AppError::forbidden(format!("Only platform administrators can {}.", p.describe())))
            }
            Principal::User(_) => Ok(()),
            Principal::ApiKey(k) => self.key_allows(k, k.tenant_id, p),
        }
    }

    /// May the caller do `p` in `tenant`? Someone who is not a member is told the tenant
    /// does not exist (404), so ids cannot be probed; a member whose role is too weak, or
    /// whose tenant is suspended, is told why (403).
    pub fn require_on(&self, tenant: Uuid, p: Permission) -> Result<(), AppError> {
        match &self.principal {
            Principal::System => Ok(()),
            Principal::Anonymous => Err(AppError::unauthorized(SIGN_IN)),
            Principal::User(me) if me.is_platform_admin => Ok(()),
            Principal::User(me) => {
                let Some(m) = me.membership(tenant) else {
                    return Err(AppError::not_found(NO_TENANT));
                };
                if p.is_platform() {
                    return Err(AppError::forbidden(format!("Only platform administrators can {}.", p.describe())));
                }
                if !m.role.allows(p) {
                    return Err(AppError::forbidden(format!(
                        "Your role in {} is {}, which can't {}. Ask an owner or admin of {} for access.",
                        m.name,
                        m.role.label().to_lowercase(),
                        p.describe(),
                        m.name
                    )));
                }
                if p.is_write() && m.status != TenantStatus::Active {
                    return Err(AppError::forbidden(format!(
                        "{} is {}, so nothing can be changed in it. Contact your platform operator.",
                        m.name, m.status
                    )));
                }
                Ok(())
            }
            Principal::ApiKey(k) => self.key_allows(k, tenant, p),
        }
    }

    fn key_allows(&self, k: &KeyCaller, tenant: Uuid, p: Permission) -> Result<(), AppError> {
        if tenant != k.tenant_id {
            return Err(AppError::not_found(NO_TENANT));
        }
        if k.tenant_status != TenantStatus::Active {
            return Err(AppError::forbidden(format!(
                "This API key's tenant is {}; its keys are refused until it is active again.",
                k.tenant_status
            )));
        }
        if !k.scopes.iter().any(|s| s.grants() == p) {
            let needed = Scope::ALL.into_iter().find(|s| s.grants() == p);
            return Err(AppError::forbidden(match needed {
                Some(s) => format!("This API key can't {}: it needs the {s} scope.", p.describe()),
                None => format!("API keys can't {}; sign in as a person to do that.", p.describe()),
            }));
        }
        Ok(())
    }

    /// The tenants a list of `p`-readable things may include.
    pub fn visible(&self, p: Permission) -> Result<TenantScope, AppError> {
        match &self.principal {
            Principal::System => Ok(TenantScope::All),
            Principal::Anonymous => Err(AppError::unauthorized(SIGN_IN)),
            Principal::User(me) if me.is_platform_admin => Ok(TenantScope::All),
            Principal::User(me) => {
                Ok(TenantScope::Only(me.memberships.iter().filter(|m| m.role.allows(p)).map(|m| m.tenant_id).collect()))
            }
            Principal::ApiKey(k) => {
                self.key_allows(k, k.tenant_id, p)?;
                Ok(TenantScope::Only(vec![k.tenant_id]))
            }
        }
    }

    /// The caller's role in the tenant (platform admins act as owners).
    pub fn role_in(&self, tenant: Uuid) -> Option<Role> {
        match &self.principal {
            Principal::System => Some(Role::Owner),
            Principal::User(me) if me.is_platform_admin => Some(Role::Owner),
            Principal::User(me) => me.membership(tenant).map(|m| m.role),
            _ => None,
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Caller>().cloned().unwrap_or_else(|| Caller::anonymous(source_ip(parts))))
    }
}

fn source_ip(parts: &http::request::Parts) -> Option<IpAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// Middleware: resolves the caller and their tenant, refuses cross-site writes, and sends
/// people who are not signed in to the sign-in page.
pub async fn resolve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    if let Err(e) = same_origin(&parts, &state) {
        return e.into_response();
    }
    match resolve_caller(&state, &mut parts).await {
        Ok(caller) => {
            if matches!(caller.principal, Principal::Anonymous) && needs_sign_in_page(&parts) {
                return sign_in_redirect(&parts);
            }
            parts.extensions.insert(caller);
            next.run(Request::from_parts(parts, body)).await
        }
        Err(e) => e.into_response(),
    }
}

async fn resolve_caller(state: &AppState, parts: &mut http::request::Parts) -> Result<Caller, AppError> {
    let ip = source_ip(parts);
    let hint = tenant_hint(parts, state);
    if let (None, Some(Hint::Domain(d))) = (parts.headers.get(header::AUTHORIZATION), &hint) {
        // A tenant's custom domain is not the portal: whoever controls its DNS could serve
        // their own pages there. Until domains are verified (C4), it carries API keys only;
        // a session cookie sent to it is no credential. (A host name that is no tenant's
        // domain is just another name of the portal.)
        if db::tenants::id_by_domain(&state.pool, d).await?.is_some() {
            return Ok(Caller::anonymous(ip));
        }
    }
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let key = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| {
                AppError::unauthorized("Send the API key as \u{201c}Authorization: Bearer <key>\u{201d}.")
            })?;
        let k = authenticate_key(state, key).await?;
        // A key is bound to its tenant: naming another one (header, subdomain or another
        // tenant's domain) is refused.
        let bound = match &hint {
            None => true,
            Some(Hint::Named(h)) => *h == k.caller.tenant_id.to_string() || *h == k.tenant_slug,
            Some(Hint::Domain(d)) => {
                db::tenants::id_by_domain(&state.pool, d).await?.is_none_or(|id| id == k.caller.tenant_id)
            }
        };
        if !bound {
            return Err(AppError::not_found("This API key belongs to another tenant than the one named."));
        }
        return Ok(Caller { principal: Principal::ApiKey(Arc::new(k.caller)), source_ip: ip });
    }
    let Some(mut session) = parts.extensions.get::<axum_login::AuthSession<Backend>>().cloned() else {
        return Ok(Caller::anonymous(ip));
    };
    let Some(user) = session.user.clone() else {
        return Ok(Caller::anonymous(ip));
    };
    // The absolute timeout: a session ends this long after sign-in, however busy.
    let signed_in_at: Option<i64> = session.session.get(auth::SIGNED_IN_AT).await.ok().flatten();
    let max_age = state.config.auth.absolute_timeout_hours.max(1) as i64 * 3600;
    if past_absolute_timeout(signed_in_at, chrono::Utc::now().timestamp(), max_age) {
        let _ = session.logout().await;
        return Ok(Caller::anonymous(ip));
    }
    // Slide the idle timeout: saving the session renews its expiry; once a minute is enough.
    let now = chrono::Utc::now().timestamp();
    let last_seen: Option<i64> = session.session.get(auth::LAST_SEEN).await.ok().flatten();
    if last_seen.is_none_or(|t| now - t >= 60) {
        auth::remember(&session, auth::LAST_SEEN, now).await?;
    }
    let chosen: Option<Uuid> = session.session.get(auth::ACTIVE_TENANT).await.ok().flatten();
    let mut me = Me {
        id: user.account.id,
        email: user.account.email.clone(),
        name: user.account.name.clone(),
        is_platform_admin: user.account.is_platform_admin,
        memberships: user.memberships.clone(),
        active_tenant: None,
    };
    let hinted = match hint {
        Some(Hint::Named(h)) => tenant_for_hint(state, &me, &h).await?,
        Some(Hint::Domain(_)) | None => None,
    };
    me.active_tenant = match hinted {
        Some(t) => Some(t),
        None => chosen
            .filter(|t| me.is_platform_admin || me.membership(*t).is_some())
            .or_else(|| (!me.is_platform_admin).then(|| me.memberships.first().map(|m| m.tenant_id)).flatten()),
    };
    Ok(Caller::user(me, ip))
}

/// A session ends `max_age` seconds after sign-in; one without a sign-in time is over.
fn past_absolute_timeout(signed_in_at: Option<i64>, now: i64, max_age: i64) -> bool {
    signed_in_at.is_none_or(|t| now - t > max_age)
}

/// How a request names its tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hint {
    /// By id or slug: the tenant header or a `<slug>.<base_domain>` host.
    Named(String),
    /// A host name that is not the portal's own: maybe a tenant's custom domain.
    Domain(String),
}

/// A tenant named by the request (header, subdomain or custom domain).
fn tenant_hint(parts: &http::request::Parts, state: &AppState) -> Option<Hint> {
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
fn request_host(parts: &http::request::Parts) -> Option<String> {
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

/// True when the request came in on a tenant's custom domain (which carries API keys
/// only: no sessions, no sign-in).
pub async fn on_tenant_domain(parts: &http::request::Parts, state: &AppState) -> Result<bool, AppError> {
    match request_host(parts) {
        Some(h) if h.contains('.') && !is_portal_host(&h, state) => {
            Ok(db::tenants::id_by_domain(&state.pool, &h).await?.is_some())
        }
        _ => Ok(false),
    }
}

fn public_host(url: &str) -> Option<String> {
    let rest = url.split("://").nth(1)?;
    let host = rest.split(['/', '?']).next()?;
    Some(host.rsplit_once(':').map_or(host, |(h, _)| h).to_ascii_lowercase())
}

/// The tenant a signed-in person names in a request (header or subdomain), if they may
/// work in it.
async fn tenant_for_hint(state: &AppState, me: &Me, hint: &str) -> Result<Option<Uuid>, AppError> {
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

struct ResolvedKey {
    caller: KeyCaller,
    tenant_slug: String,
}

/// Keys look like `tnt_<8 characters>_<secret>`; the first two parts are the stored prefix.
async fn authenticate_key(state: &AppState, key: &str) -> Result<ResolvedKey, AppError> {
    let invalid = || AppError::unauthorized("The API key is not valid: it is unknown, revoked or mistyped.");
    let prefix = key.get(..12).filter(|p| p.starts_with("tnt_") && key.as_bytes().get(12) == Some(&b'_'));
    let prefix = prefix.ok_or_else(invalid)?;
    let found = db::api_keys::by_prefix(&state.pool, prefix).await?.ok_or_else(invalid)?;
    if !constant_time_eq(&auth::sha256(key), &found.secret_hash) {
        return Err(invalid());
    }
    if found.last_used_at.is_none_or(|t| chrono::Utc::now() - t > chrono::Duration::minutes(1)) {
        db::api_keys::touch(&state.pool, found.id).await?;
    }
    Ok(ResolvedKey {
        caller: KeyCaller {
            id: found.id,
            tenant_id: found.tenant_id,
            name: found.name,
            prefix: found.prefix,
            scopes: found.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
            tenant_status: found.tenant_status,
        },
        tenant_slug: found.tenant_slug,
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// CSRF: a browser always sends `Origin` (or `Sec-Fetch-Site`) with a cross-site POST;
/// state-changing requests from another site are refused. Requests without either header
/// come from programs, which a browser's cookies do not reach. The session cookie is also
/// SameSite=Lax.
fn same_origin(parts: &http::request::Parts, state: &AppState) -> Result<(), AppError> {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    if parts.headers.contains_key(header::AUTHORIZATION) {
        // API keys are not ambient credentials: a cross-site page cannot attach one.
        return Ok(());
    }
    let refused = || AppError::forbidden("This request came from another site and was refused (cross-site request).");
    if let Some(origin) = parts.headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| refused())?;
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        let host = parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        let public = state.config.mail.public_url.trim_end_matches('/');
        if origin == "null" || (origin_host != host && origin != public) {
            return Err(refused());
        }
        return Ok(());
    }
    match parts.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("cross-site") | Some("same-site") => Err(refused()),
        _ => Ok(()),
    }
}

/// A person opening a page without being signed in goes to the sign-in page. Server
/// functions, the REST API and public pages answer for themselves.
fn needs_sign_in_page(parts: &http::request::Parts) -> bool {
    let path = parts.uri.path();
    parts.method == Method::GET
        && !path.starts_with("/api/")
        && !path.starts_with("/pkg/")
        && !PUBLIC_PAGES.iter().any(|p| path == *p || path.starts_with(&format!("{p}/")))
        && !path.contains('.')
}

/// Pages anyone may open.
pub const PUBLIC_PAGES: &[&str] = &["/login", "/invite"];

fn sign_in_redirect(parts: &http::request::Parts) -> Response {
    let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let location = if next == "/" {
        "/login".to_string()
    } else {
        format!("/login?next={}", crate::model::query::encode_component(next))
    };
    (http::StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
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

    #[test]
    fn absolute_timeout() {
        let hour = 3600;
        assert!(!past_absolute_timeout(Some(1_000), 1_000 + 12 * hour, 12 * hour));
        assert!(past_absolute_timeout(Some(1_000), 1_001 + 12 * hour, 12 * hour));
        assert!(past_absolute_timeout(None, 1_000, 12 * hour));
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
