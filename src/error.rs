//! The one error type of the application, shared by the server and the client.
//!
//! Every server function and REST handler answers with an `AppError`; its variant decides
//! the HTTP status and the machine-readable code. Internal failures are logged on the
//! server with their details and reach the caller only as a reference id.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field name → message, for validation errors shown next to the field that caused them.
pub type FieldErrors = BTreeMap<String, String>;

/// On the wire (server functions' error answers, and errors rendered into the page) an
/// error is one flat object, `{"kind": "Validation", "message": …, "fields": {…}}` (see
/// `Wire`): the derived decoder of the enum itself took 7 KB of the client's main bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "Wire", try_from = "Wire")]
pub enum AppError {
    /// The request could not be understood (malformed JSON, bad query parameter, bad cursor).
    #[error("{0}")]
    BadRequest(String),
    /// The request was understood but some fields are invalid.
    #[error("{message}")]
    Validation { message: String, fields: FieldErrors },
    /// Nobody is signed in (or the API key is unknown, revoked or malformed).
    #[error("{0}")]
    Unauthorized(String),
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// A uniqueness clash, an illegal transition, or a concurrent change that won first.
    #[error("{message}")]
    Conflict { message: String, fields: FieldErrors },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too many attempts; try again after this many seconds.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// A part we depend on (the database) is unreachable for now; try again shortly.
    #[error("{0}")]
    Unavailable(String),
    /// Something failed on our side; the string is the reference id written to the log.
    #[error("Something went wrong on our side. Please try again; if it keeps happening, quote reference {0}.")]
    Internal(String),
    /// The request never reached the server function (network, encoding).
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl AppError {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        Self::BadRequest(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::NotFound(msg.into())
    }

    pub fn unauthorized(msg: impl Into<String>) -> Self {
        Self::Unauthorized(msg.into())
    }

    pub fn forbidden(msg: impl Into<String>) -> Self {
        Self::Forbidden(msg.into())
    }

    pub fn conflict(msg: impl Into<String>) -> Self {
        Self::Conflict { message: msg.into(), fields: FieldErrors::new() }
    }

    /// A conflict caused by one field, e.g. a slug that is already taken.
    pub fn conflict_on(field: &str, msg: impl Into<String>) -> Self {
        let msg = msg.into();
        Self::Conflict { message: msg.clone(), fields: FieldErrors::from([(field.to_string(), msg)]) }
    }

    pub fn validation(fields: FieldErrors) -> Self {
        let message = match fields.len() {
            1 => "One field needs attention.".to_string(),
            n => format!("{n} fields need attention."),
        };
        Self::Validation { message, fields }
    }

    pub fn invalid(field: &str, msg: impl Into<String>) -> Self {
        Self::validation(FieldErrors::from([(field.to_string(), msg.into())]))
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict { .. } => 409,
            Self::PayloadTooLarge(_) => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::Validation { .. } => 422,
            Self::TooManyRequests { .. } => 429,
            Self::Internal(_) => 500,
            Self::Unavailable(_) | Self::Transport(_) => 503,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict { .. } => "conflict",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Validation { .. } => "validation_failed",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Internal(_) => "internal",
            Self::Unavailable(_) | Self::Transport(_) => "unavailable",
        }
    }

    /// Per-field messages, empty for errors that are not about a field.
    pub fn fields(&self) -> FieldErrors {
        match self {
            Self::Validation { fields, .. } | Self::Conflict { fields, .. } => fields.clone(),
            _ => FieldErrors::new(),
        }
    }

    /// Seconds to wait before retrying, for 429 answers.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after_secs, .. } => Some(*retry_after_secs),
            // The database usually comes back within seconds (a restart, a failover).
            Self::Unavailable(_) => Some(10),
            _ => None,
        }
    }

    /// The message for one field, if this error names it.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            Self::Validation { fields, .. } | Self::Conflict { fields, .. } => fields.get(name).cloned(),
            _ => None,
        }
    }
}

/// `AppError` as it travels: the variant's name, its message (the reference id for
/// `Internal`), and the per-field messages or the retry delay where the variant has them.
#[derive(Serialize, Deserialize)]
struct Wire {
    kind: String,
    message: String,
    #[serde(default, skip_serializing_if = "FieldErrors::is_empty")]
    fields: FieldErrors,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after_secs: Option<u64>,
}

impl From<AppError> for Wire {
    fn from(e: AppError) -> Self {
        let (kind, message, fields, retry_after_secs) = match e {
            AppError::BadRequest(m) => ("BadRequest", m, FieldErrors::new(), None),
            AppError::Validation { message, fields } => ("Validation", message, fields, None),
            AppError::Unauthorized(m) => ("Unauthorized", m, FieldErrors::new(), None),
            AppError::Forbidden(m) => ("Forbidden", m, FieldErrors::new(), None),
            AppError::NotFound(m) => ("NotFound", m, FieldErrors::new(), None),
            AppError::Conflict { message, fields } => ("Conflict", message, fields, None),
            AppError::PayloadTooLarge(m) => ("PayloadTooLarge", m, FieldErrors::new(), None),
            AppError::UnsupportedMediaType(m) => ("UnsupportedMediaType", m, FieldErrors::new(), None),
            AppError::TooManyRequests { message, retry_after_secs } => {
                ("TooManyRequests", message, FieldErrors::new(), Some(retry_after_secs))
            }
            AppError::Unavailable(m) => ("Unavailable", m, FieldErrors::new(), None),
            AppError::Internal(m) => ("Internal", m, FieldErrors::new(), None),
            AppError::Transport(m) => ("Transport", m, FieldErrors::new(), None),
        };
        Wire { kind: kind.to_string(), message, fields, retry_after_secs }
    }
}

impl TryFrom<Wire> for AppError {
    type Error = String;

    fn try_from(w: Wire) -> Result<Self, String> {
        let Wire { kind, message, fields, retry_after_secs } = w;
        Ok(match kind.as_str() {
            "BadRequest" => AppError::BadRequest(message),
            "Validation" => AppError::Validation { message, fields },
            "Unauthorized" => AppError::Unauthorized(message),
            "Forbidden" => AppError::Forbidden(message),
            "NotFound" => AppError::NotFound(message),
            "Conflict" => AppError::Conflict { message, fields },
            "PayloadTooLarge" => AppError::PayloadTooLarge(message),
            "UnsupportedMediaType" => AppError::UnsupportedMediaType(message),
            "TooManyRequests" => AppError::TooManyRequests { message, retry_after_secs: retry_after_secs.unwrap_or(1) },
            "Unavailable" => AppError::Unavailable(message),
            "Internal" => AppError::Internal(message),
            "Transport" => AppError::Transport(message),
            other => return Err(format!("unknown error kind {other:?}")),
        })
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(m) | E::MissingArg(m) | E::Deserialization(m) => {
                Self::BadRequest(format!("The request was malformed: {m}"))
            }
            other => Self::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;

    impl AppError {
        /// Logs an internal failure with its details and returns the error the caller sees.
        pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
            let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
            tracing::error!(%reference, %context, error = %err, "internal error");
            AppError::Internal(reference)
        }
    }

    use crate::model::messages::DATABASE_AWAY;

    impl AppError {
        /// The error for a write that broke a constraint: the one `known` names for it
        /// (constraint name → error), else a general 409 (unique) or 422 (foreign key,
        /// check); anything that is not a constraint violation is handled as usual.
        pub fn from_constraint(err: sqlx::Error, known: &[(&str, AppError)]) -> AppError {
            let Some(db) = err.as_database_error() else { return err.into() };
            if let Some(name) = db.constraint() {
                if let Some((_, e)) = known.iter().find(|(k, _)| *k == name) {
                    return e.clone();
                }
            }
            match db.code().as_deref() {
                Some("23505") => AppError::conflict("That already exists."),
                Some("23503") => AppError::Validation {
                    message: "That refers to something that does not exist.".into(),
                    fields: Default::default(),
                },
                Some("23514") => AppError::Validation {
                    message: "A value is outside what is allowed.".into(),
                    fields: Default::default(),
                },
                _ => err.into(),
            }
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            if let sqlx::Error::RowNotFound = err {
                return AppError::not_found("Not found.");
            }
            // The database is away (stopped, restarting, unreachable): a 503 the caller can
            // retry, logged once as a warning rather than an internal error.
            if matches!(
                err,
                sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_)
            ) || err.as_database_error().is_some_and(|d| {
                // admin_shutdown, crash_shutdown, cannot_connect_now
                matches!(d.code().as_deref(), Some("57P01") | Some("57P02") | Some("57P03"))
            }) {
                tracing::warn!(error = %err, "database unavailable");
                return AppError::Unavailable(DATABASE_AWAY.into());
            }
            if let Some(db) = err.as_database_error() {
                // Serialization failures and lock timeouts under contention are a
                // conflict the caller can retry, not an internal error.
                if matches!(db.code().as_deref(), Some("40001") | Some("40P01") | Some("55P03")) {
                    return AppError::conflict(
                        "Another change to the same data happened at the same time. Please retry.",
                    );
                }
            }
            AppError::internal("database", err)
        }
    }

    impl axum::response::IntoResponse for AppError {
        fn into_response(self) -> axum::response::Response {
            let status = http::StatusCode::from_u16(self.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            let mut error = serde_json::json!({
                "code": self.code(),
                "message": self.to_string(),
            });
            let fields = self.fields();
            if !fields.is_empty() {
                error["fields"] = serde_json::json!(fields);
            }
            let mut res = (status, axum::Json(serde_json::json!({ "error": error }))).into_response();
            if let Some(secs) = self.retry_after() {
                res.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
            }
            if let Self::Unauthorized(_) = self {
                res.headers_mut().insert(http::header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Bearer"));
            }
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_survives_the_wire() {
        let all = [
            AppError::BadRequest("bad".into()),
            AppError::invalid("name", "Name is required."),
            AppError::Validation { message: "No fields.".into(), fields: FieldErrors::new() },
            AppError::Unauthorized("who".into()),
            AppError::Forbidden("no".into()),
            AppError::NotFound("gone".into()),
            AppError::conflict_on("slug", "Taken."),
            AppError::PayloadTooLarge("big".into()),
            AppError::UnsupportedMediaType("xml".into()),
            AppError::TooManyRequests { message: "slow".into(), retry_after_secs: 42 },
            AppError::Unavailable("away".into()),
            AppError::Internal("abc123".into()),
            AppError::Transport("offline".into()),
        ];
        let mut kinds = std::collections::BTreeSet::new();
        for e in all {
            let json = serde_json::to_value(&e).unwrap();
            kinds.insert(json["kind"].as_str().unwrap().to_string());
            assert_eq!(serde_json::from_value::<AppError>(json.clone()).unwrap(), e, "{json}");
        }
        assert_eq!(kinds.len(), 12, "each variant has its own kind");
    }

    #[test]
    fn the_wire_shape_is_flat() {
        let json = serde_json::to_value(AppError::invalid("name", "Name is required.")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "kind": "Validation", "message": "One field needs attention.",
                                "fields": { "name": "Name is required." } })
        );
        let json =
            serde_json::to_value(AppError::TooManyRequests { message: "m".into(), retry_after_secs: 7 }).unwrap();
        assert_eq!(json, serde_json::json!({ "kind": "TooManyRequests", "message": "m", "retry_after_secs": 7 }));
        let err = serde_json::from_str::<AppError>(r#"{"kind": "Teapot", "message": "m"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown error kind \"Teapot\""), "{err}");
        assert!(serde_json::from_str::<AppError>(r#"{"NotFound": "m"}"#).is_err());
    }
}
