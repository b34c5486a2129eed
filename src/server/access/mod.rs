//! Who is asking, for which tenant, and may they do this (PRODUCT.md A2, A4, A5, I5).
//!
//! - [`Caller`] (here): the caller of one request and the one guard every service asks
//!   before it touches data ([`Caller::require`], [`Caller::require_on`], and
//!   [`Caller::visible`] for lists).
//! - `authenticate`: the middleware that turns a session or an API key into a `Caller`.
//! - `tenancy`: which tenant a request names (header, subdomain, custom domain).
//! - `csrf`: cross-site writes are refused.
//! - `key_cache`: API keys this instance has authenticated, forgotten on any change.

mod authenticate;
mod csrf;
pub mod key_cache;
mod tenancy;

pub use authenticate::{resolve, PUBLIC_PAGES};
pub use key_cache::KeyCache;
pub use tenancy::{host_tenant, is_portal_host, request_host, session_host};

use crate::error::AppError;
use crate::model::messages::{NO_TENANT, SIGN_IN};
use crate::model::{Actor, ActorKind, Me, Permission, Role, Scope, TenantStatus};
use axum::extract::ConnectInfo;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use uuid::Uuid;

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

    /// The tenant of the API key calling, if a key is calling.
    pub fn key_tenant(&self) -> Option<Uuid> {
        match &self.principal {
            Principal::ApiKey(k) => Some(k.tenant_id),
            _ => None,
        }
    }

    /// The status of the calling API key's tenant, if a key is calling (read with the key).
    pub fn key_status(&self) -> Option<TenantStatus> {
        match &self.principal {
            Principal::ApiKey(k) => Some(k.tenant_status),
            _ => None,
        }
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
