//! Who is asking. Every server function and REST handler resolves its caller here, so
//! sign-in, roles and tenant context (issue: identity and access) plug into one place.
//! Until sign-in exists every caller acts as the system, and the source address is kept.

use axum::extract::ConnectInfo;
use std::net::{IpAddr, SocketAddr};
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

    /// The caller of an HTTP request.
    pub fn from_parts(parts: &http::request::Parts) -> Self {
        let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Self::system(ip)
    }

    /// The caller of the server function being run.
    pub fn current() -> Self {
        leptos::prelude::use_context::<http::request::Parts>()
            .map(|p| Self::from_parts(&p))
            .unwrap_or_else(|| Self::system(None))
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Actor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Actor::from_parts(parts))
    }
}
