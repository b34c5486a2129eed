//! Server functions for signing in and out, the signed-in person, and switching tenant.
//! Plain form fields, so the sign-in form also works without JavaScript.

use crate::error::AppError;
use crate::model::Me;
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{
    fns::respond, server::access::Caller, server::auth::Backend, server::services::session as svc,
    server::state::AppState,
};

#[cfg(feature = "ssr")]
async fn auth_session() -> Result<axum_login::AuthSession<Backend>, AppError> {
    leptos_axum::extract::<axum_login::AuthSession<Backend>>().await.map_err(|e| AppError::internal("auth session", e))
}

/// Signs in and, without JavaScript, redirects to `next` (a path on this site). A stable
/// path (`/api/sign_in`, form fields email, password, next) so scripts can sign in too.
#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    respond(
        async {
            let state = AppState::from_context()?;
            let host = session_host(&state).await?;
            let mut session = auth_session().await?;
            let ip = Caller::current().source_ip;
            svc::sign_in(&state, &mut session, ip, &host, &email, password).await?;
            leptos_axum::redirect(&safe_next(next.as_deref()));
            Ok(())
        }
        .await,
    )
}

/// The host this sign-in is made on and bound to: the portal's own names or a tenant's
/// verified domain; any other name is refused (see `access::session_host`).
#[cfg(feature = "ssr")]
pub(crate) async fn session_host(state: &AppState) -> Result<String, AppError> {
    let parts = use_context::<http::request::Parts>().ok_or_else(|| AppError::internal("sign in", "no request"))?;
    crate::server::access::session_host(&parts, state).await?.ok_or_else(|| {
        AppError::forbidden(format!(
            "This address is not a verified domain of a tenant, so it can't hold a sign-in. Sign in at {}.",
            state.config.mail.public_url
        ))
    })
}

/// Only paths on this site: never an open redirect. Browsers drop tabs and newlines from
/// URLs and read a backslash as a slash, so `/\t/evil.example` would become
/// `//evil.example`: any control character or backslash anywhere sends people home instead
/// (and never reaches a Location header, where it could not even be encoded).
pub fn safe_next(next: Option<&str>) -> String {
    match next.map(str::trim) {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.chars().any(|c| c.is_control() || c == '\\' || c.is_whitespace() && c != ' ') =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    respond(
        async {
            let state = AppState::from_context()?;
            let mut session = auth_session().await?;
            svc::sign_out(&state, &mut session, &Caller::current()).await?;
            leptos_axum::redirect("/login");
            Ok(())
        }
        .await,
    )
}

/// A tenant's name and branding, for the sign-in page reached at its own address.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TenantBrand {
    pub name: String,
    pub branding: crate::model::Branding,
}

/// The brand of the tenant whose address (`<slug>.<base_domain>` or its custom domain)
/// the sign-in page was reached at; None on the portal's own address or for a tenant that
/// is not live.
#[server]
pub async fn sign_in_brand() -> Result<Option<TenantBrand>, AppError> {
    respond(
        async {
            let state = AppState::from_context()?;
            let Some(parts) = use_context::<http::request::Parts>() else { return Ok(None) };
            let Some(id) = crate::server::access::host_tenant(&parts, &state).await? else { return Ok(None) };
            Ok(crate::db::tenants::by_id(&state.pool, id)
                .await?
                .filter(|t| t.status.is_live())
                .map(|t| TenantBrand { name: t.name, branding: t.branding }))
        }
        .await,
    )
}

/// The signed-in person, or None.
#[server]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    Ok(Caller::current().me().cloned())
}

#[server]
pub async fn switch_tenant(tenant: Uuid) -> Result<Me, AppError> {
    respond(
        async {
            let mut session = auth_session().await?;
            svc::switch_tenant(&mut session, &Caller::current(), tenant).await
        }
        .await,
    )
}

#[server]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    respond(
        async {
            let state = AppState::from_context()?;
            let mut session = auth_session().await?;
            svc::change_password(&state, &mut session, &Caller::current(), current_password, new_password).await
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_is_never_an_open_redirect() {
        use super::safe_next;
        assert_eq!(safe_next(Some("/tenants?q=a")), "/tenants?q=a");
        for bad in [
            None,
            Some(""),
            Some("https://evil.example"),
            Some("//evil.example"),
            Some("/\\evil.example"),
            Some("javascript:x"),
            Some("/\t/evil.example"),
            Some("/a\\b"),
            Some("/x\r\nSet-Cookie: a=b"),
            Some("/x\nLocation: //evil"),
            Some("/\u{7f}/evil.example"),
            Some("/\u{2028}/evil.example"),
        ] {
            assert_eq!(safe_next(bad), "/");
        }
    }
}
