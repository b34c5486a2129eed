//! Request authentication: an API key (`Authorization: Bearer`) or the session becomes
//! the request's [`Caller`], once per request, before any handler runs.

use super::csrf::same_origin;
use super::tenancy::{tenant_for_hint, tenant_hint, Hint};
use super::{source_ip, Caller, KeyCaller, Principal};
use crate::db;
use crate::error::AppError;
use crate::model::{Me, Scope};
use crate::server::auth::{self, Backend};
use crate::server::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, Method};
use std::sync::Arc;
use uuid::Uuid;

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
        let domain_tenant = domain_tenant(state, &hint).await?;
        // A key is bound to its tenant: naming another one (header, subdomain or another
        // tenant's domain) is refused.
        let bound = match &hint {
            None => true,
            Some(Hint::Named(h)) => *h == k.caller.tenant_id.to_string() || *h == k.tenant_slug,
            Some(Hint::Domain(_)) => domain_tenant.is_none_or(|id| id == k.caller.tenant_id),
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
    // Host-bound (C4): a session is a credential only on the host it was made on, and only
    // while that host may hold sessions (the portal's names, or a verified tenant domain:
    // a domain removed or never proven is not one). Sessions from before hosts were
    // recorded count as the portal's own.
    let bound: Option<String> = session.session.get(auth::SIGNED_IN_HOST).await.ok().flatten();
    let domain_tenant = domain_tenant(state, &hint).await?;
    let (here, portal_here) = match &hint {
        Some(Hint::Domain(d)) => (domain_tenant.map(|_| d.clone()), false),
        _ => (super::tenancy::session_host(parts, state).await?, true),
    };
    let accepted = match (&here, &bound) {
        (Some(h), Some(b)) => h == b,
        (Some(_), None) => portal_here,
        (None, _) => false,
    };
    if !accepted {
        return Ok(Caller::anonymous(ip));
    }
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
        // On a verified domain the session works in that tenant only.
        Some(Hint::Domain(_)) => match domain_tenant {
            Some(t) => tenant_for_hint(state, &me, &t.to_string()).await?,
            None => None,
        },
        None => None,
    };
    me.active_tenant = match hinted {
        Some(t) => Some(t),
        None => chosen
            .filter(|t| me.is_platform_admin || me.membership(*t).is_some())
            .or_else(|| (!me.is_platform_admin).then(|| me.memberships.first().map(|m| m.tenant_id)).flatten()),
    };
    Ok(Caller::user(me, ip))
}

/// The tenant whose verified domain the request came to, looked up once per request and
/// only for a caller with a credential (a key, or a signed-in session).
async fn domain_tenant(state: &AppState, hint: &Option<Hint>) -> Result<Option<Uuid>, AppError> {
    match hint {
        Some(Hint::Domain(d)) => db::domains::tenant_of(&state.pool, d).await,
        _ => Ok(None),
    }
}

/// A session ends `max_age` seconds after sign-in; one without a sign-in time is over.
fn past_absolute_timeout(signed_in_at: Option<i64>, now: i64, max_age: i64) -> bool {
    signed_in_at.is_none_or(|t| now - t > max_age)
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
    let found = match state.keys.get(prefix) {
        Some(k) => k,
        None => {
            let generation = state.keys.generation();
            let k = Arc::new(db::api_keys::by_prefix(&state.pool, prefix).await?.ok_or_else(invalid)?);
            state.keys.put(generation, k.clone());
            k
        }
    };
    if !auth::constant_time_eq(&auth::sha256(key), &found.secret_hash) {
        return Err(invalid());
    }
    if state.keys.record_use(&found) {
        db::api_keys::touch(&state.pool, found.id).await?;
    }
    Ok(ResolvedKey {
        caller: KeyCaller {
            id: found.id,
            tenant_id: found.tenant_id,
            name: found.name.clone(),
            prefix: found.prefix.clone(),
            scopes: found.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
            tenant_status: found.tenant_status,
        },
        tenant_slug: found.tenant_slug.clone(),
    })
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
    fn absolute_timeout() {
        let hour = 3600;
        assert!(!past_absolute_timeout(Some(1_000), 1_000 + 12 * hour, 12 * hour));
        assert!(past_absolute_timeout(Some(1_000), 1_001 + 12 * hour, 12 * hour));
        assert!(past_absolute_timeout(None, 1_000, 12 * hour));
    }
}
