//! Sign-in and sessions (PRODUCT.md A1) on axum-login and tower-sessions.
//!
//! Sessions live in PostgreSQL (`auth_sessions`, see `session_store`), so any server
//! instance serves any signed-in user. The cookie is HttpOnly, SameSite=Lax, and with
//! `secure_cookies` Secure and named `__Host-…` (bound to this exact host). The session id
//! changes at every sign-in (`services::session`); each session is tied to a digest of the
//! password hash, so changing the password ends every other session; disabling a person
//! deletes their sessions. Password hashing is bounded by [`HASHING`], so a burst of
//! sign-ins queues instead of starving the machine.

use crate::db;
use crate::db::users::Credentials;
use crate::error::AppError;
use crate::model::{TenantMembership, UserStatus};
use crate::server::config::AuthConfig;
use crate::server::session_store::PgSessionStore;
use axum_login::{AuthManagerLayer, AuthManagerLayerBuilder, AuthUser, AuthnBackend};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tower_sessions::cookie::{time, SameSite};
use tower_sessions::{Expiry, SessionManagerLayer};
use uuid::Uuid;

/// The name of the session cookie.
pub const COOKIE: &str = "tenantry_session";
/// Its name with `secure_cookies`: browsers accept a `__Host-` cookie only when it is
/// Secure, has Path=/ and no Domain, so no sibling host can set or shadow it.
pub const SECURE_COOKIE: &str = "__Host-tenantry_session";

pub fn cookie_name(cfg: &AuthConfig) -> &'static str {
    if cfg.secure_cookies {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}
/// Session keys of our own (axum-login keeps its own under "axum-login.data").
pub const SIGNED_IN_AT: &str = "tenantry.signed_in_at";
/// The host the person signed in on: the session is accepted there only (C4).
pub const SIGNED_IN_HOST: &str = "tenantry.signed_in_host";
pub const ACTIVE_TENANT: &str = "tenantry.active_tenant";
pub const LAST_SEEN: &str = "tenantry.last_seen";

/// The signed-in user as loaded for every request: the account and its tenants.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub account: Credentials,
    pub memberships: Vec<TenantMembership>,
    /// SHA-256 of the password hash: what the session stores to notice a password change
    /// (the hash itself never goes into a session row).
    auth_hash: Vec<u8>,
}

impl SessionUser {
    pub fn new(account: Credentials, memberships: Vec<TenantMembership>) -> Self {
        let auth_hash = sha256(&account.password_hash);
        Self { account, memberships, auth_hash }
    }
}

impl AuthUser for SessionUser {
    type Id = Uuid;

    fn id(&self) -> Uuid {
        self.account.id
    }

    /// Changes when the password does, which invalidates every session made before.
    fn session_auth_hash(&self) -> &[u8] {
        &self.auth_hash
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
        // Read with the session in the same round trip, when this request loaded one.
        if let Some(user) = super::session_store::take_prefetched(*id) {
            return Ok(Some(user).filter(|u| u.account.status == UserStatus::Active));
        }
        let found = db::users::with_memberships(&self.pool, *id).await.map_err(BackendError)?;
        Ok(found
            .filter(|(a, _)| a.status == UserStatus::Active)
            .map(|(account, memberships)| SessionUser::new(account, memberships)))
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

/// Marks a fresh sign-in: when (the absolute timeout counts from it) and on which host
/// (the session is accepted on that host only).
pub async fn signed_in(session: &axum_login::AuthSession<Backend>, host: &str) -> Result<(), AppError> {
    remember(session, SIGNED_IN_AT, chrono::Utc::now().timestamp()).await?;
    remember(session, SIGNED_IN_HOST, host.to_ascii_lowercase()).await
}

/// At most one argon2 computation per core at a time, per instance. Each takes ~20 MB and
/// tens of milliseconds of CPU; without a bound, a burst of sign-ins (or an attacker)
/// would run hundreds at once and starve every other request. Extra callers wait their
/// turn on the semaphore rather than being refused.
pub static HASHING: std::sync::LazyLock<Bounded> =
    std::sync::LazyLock::new(|| Bounded::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)));

/// A semaphore that also remembers how many holders it had at most (for tests and metrics).
pub struct Bounded {
    permits: usize,
    semaphore: tokio::sync::Semaphore,
    in_flight: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl Bounded {
    pub fn new(permits: usize) -> Self {
        Self {
            permits: permits.max(1),
            semaphore: tokio::sync::Semaphore::new(permits.max(1)),
            in_flight: 0.into(),
            peak: 0.into(),
        }
    }

    pub fn permits(&self) -> usize {
        self.permits
    }

    /// The most holders seen at once.
    pub fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs blocking work off the async threads once a permit is free.
    pub async fn run<T: Send + 'static>(
        &self,
        what: &str,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        use std::sync::atomic::Ordering;
        let _permit = self.semaphore.acquire().await.map_err(|e| AppError::internal(what, e))?;
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::Relaxed);
        let result = tokio::task::spawn_blocking(work).await.map_err(|e| AppError::internal(what, e));
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

/// argon2id with password-auth's (OWASP) parameters, off the async threads.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    HASHING.run("hash password", move || password_auth::generate_hash(password)).await
}

pub async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    HASHING.run("verify password", move || password_auth::verify_password(password, &hash).is_ok()).await
}

/// A random secret of `bytes` bytes, URL-safe base64 without padding.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Compares secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// SHA-256, for high-entropy secrets (API keys, invitation tokens): they cannot be guessed,
/// so a fast hash is right and lookups stay cheap.
pub fn sha256(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

pub type AuthLayer = AuthManagerLayer<Backend, PgSessionStore>;

/// Sessions plus axum-login, configured from `[auth]`.
pub fn layer(pool: &PgPool, cfg: &AuthConfig) -> AuthLayer {
    let sessions = SessionManagerLayer::new(PgSessionStore::new(pool.clone()))
        .with_name(cookie_name(cfg))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(cfg.secure_cookies)
        .with_path("/")
        // The idle timeout slides when the session is saved; `access::resolve` touches it
        // at most once a minute rather than writing the session on every request.
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(cfg.idle_timeout_mins.max(1) as i64)));
    AuthManagerLayerBuilder::new(Backend::new(pool.clone()), sessions).build()
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

    /// Many verifications at once never run more than the permits allow at the same time.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn password_hashing_is_bounded() {
        let bounded = std::sync::Arc::new(Bounded::new(2));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let b = bounded.clone();
                tokio::spawn(async move {
                    b.run("test", || password_auth::verify_password("guess", &DUMMY_HASH).is_ok()).await.unwrap()
                })
            })
            .collect();
        for t in tasks {
            assert!(!t.await.unwrap());
        }
        assert_eq!(bounded.peak(), 2, "twelve callers, never more than two hashing at once");
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
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
