//! Sign-in and sessions (PRODUCT.md A1) on axum-login and tower-sessions.
//!
//! Sessions live in PostgreSQL (`tower_sessions.session`), so any server instance serves
//! any signed-in user. The cookie is HttpOnly, SameSite=Lax and Secure when configured.
//! axum-login rotates the session id at sign-in and ties each session to a hash of the
//! password hash, so changing the password ends every other session; a disabled user is
//! not loaded at all, which ends their sessions at once.

use crate::db;
use crate::db::users::Credentials;
use crate::error::AppError;
use crate::model::{TenantMembership, UserStatus};
use crate::server::config::AuthConfig;
use axum_login::{AuthManagerLayer, AuthManagerLayerBuilder, AuthUser, AuthnBackend};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tower_sessions::cookie::{time, SameSite};
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;
use uuid::Uuid;

/// The name of the session cookie.
pub const COOKIE: &str = "tenantry_session";
/// Session keys of our own (axum-login keeps its own under "axum-login.data").
pub const SIGNED_IN_AT: &str = "tenantry.signed_in_at";
pub const ACTIVE_TENANT: &str = "tenantry.active_tenant";
pub const LAST_SEEN: &str = "tenantry.last_seen";

/// The signed-in user as loaded for every request: the account and its tenants.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub account: Credentials,
    pub memberships: Vec<TenantMembership>,
}

impl AuthUser for SessionUser {
    type Id = Uuid;

    fn id(&self) -> Uuid {
        self.account.id
    }

    /// Changes when the password does, which invalidates every session made before.
    fn session_auth_hash(&self) -> &[u8] {
        self.account.password_hash.as_bytes()
    }
}

#[derive(Clone)]
pub struct Backend {
    pool: PgPool,
}

impl Backend {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

pub struct PasswordCredentials {
    pub email: String,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BackendError(AppError);

impl AuthnBackend for Backend {
    type User = SessionUser;
    type Credentials = PasswordCredentials;
    type Error = BackendError;

    /// The same work whether or not the email exists, so timing does not tell.
    async fn authenticate(&self, creds: PasswordCredentials) -> Result<Option<SessionUser>, BackendError> {
        let account = db::users::credentials_by_email(&self.pool, &creds.email).await.map_err(BackendError)?;
        let hash = account.as_ref().map(|a| a.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.clone());
        let ok = verify_password(creds.password, hash).await.map_err(BackendError)?;
        match account {
            Some(a) if ok && a.status == UserStatus::Active => self.get_user(&a.id).await,
            _ => Ok(None),
        }
    }

    async fn get_user(&self, id: &Uuid) -> Result<Option<SessionUser>, BackendError> {
        let found = db::users::with_memberships(&self.pool, *id).await.map_err(BackendError)?;
        Ok(found
            .filter(|(a, _)| a.status == UserStatus::Active)
            .map(|(account, memberships)| SessionUser { account, memberships }))
    }
}

/// A hash of a random string, verified against when the email is unknown.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| password_auth::generate_hash(random_token(16)));

/// Stores a value in the session (tenantry's own keys, beside axum-login's).
pub async fn remember<T: serde::Serialize + Send + Sync>(
    session: &axum_login::AuthSession<Backend>,
    key: &str,
    value: T,
) -> Result<(), AppError> {
    session.session.insert(key, value).await.map_err(|e| AppError::internal("session", e))
}

/// argon2id with password-auth's (OWASP) parameters, off the async threads.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
        .await
        .map_err(|e| AppError::internal("hash password", e))
}

pub async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || password_auth::verify_password(password, &hash).is_ok())
        .await
        .map_err(|e| AppError::internal("verify password", e))
}

/// A random secret of `bytes` bytes, URL-safe base64 without padding.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256, for high-entropy secrets (API keys, invitation tokens): they cannot be guessed,
/// so a fast hash is right and lookups stay cheap.
pub fn sha256(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

pub type AuthLayer = AuthManagerLayer<Backend, PostgresStore>;

/// Sessions plus axum-login, configured from `[auth]`.
pub fn layer(pool: &PgPool, cfg: &AuthConfig) -> AuthLayer {
    let sessions = SessionManagerLayer::new(PostgresStore::new(pool.clone()))
        .with_name(COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(cfg.secure_cookies)
        .with_path("/")
        // The idle timeout slides when the session is saved; `access::resolve` touches it
        // at most once a minute rather than writing the session on every request.
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(cfg.idle_timeout_mins.max(1) as i64)));
    AuthManagerLayerBuilder::new(Backend::new(pool.clone()), sessions).build()
}

/// Deletes expired sessions now and then. Every instance may run it; deleting twice is harmless.
pub fn spawn_session_cleanup(pool: PgPool) {
    tokio::spawn(async move {
        let store = PostgresStore::new(pool);
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = tower_sessions::session_store::ExpiredDeletion::delete_expired(&store).await {
                tracing::warn!(error = %e, "could not delete expired sessions");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_is_current_argon2id_and_matches_nothing() {
        assert!(DUMMY_HASH.starts_with("$argon2id$"));
        assert!(!password_auth::is_hash_obsolete(&DUMMY_HASH).unwrap());
        assert!(password_auth::verify_password("", &DUMMY_HASH).is_err());
    }

    #[test]
    fn tokens_are_random_and_url_safe() {
        let (a, b) = (random_token(32), random_token(32));
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(sha256("x").len(), 32);
    }
}
