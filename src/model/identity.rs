//! People, memberships, invitations and API keys as the pages and the REST API show them
//! (PRODUCT.md A1, A3, A5).

use super::access::{Role, Scope};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Disabled,
}

/// A user as platform admins see them on the Users page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub is_platform_admin: bool,
    pub status: UserStatus,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// How many tenants the user belongs to.
    pub tenants: i64,
}

/// One member of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
    pub joined_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

impl InvitationStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Accepted => "Accepted",
            Self::Expired => "Expired",
            Self::Revoked => "Revoked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub email: String,
    pub role: Role,
    pub status: InvitationStatus,
    pub invited_by: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_count: i32,
    pub last_sent_at: Option<DateTime<Utc>>,
    /// Why the last email could not be sent, if it could not.
    pub last_error: Option<String>,
}

/// What the accept page shows before the invitee decides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub tenant_name: String,
    pub email: String,
    pub role: Role,
    pub status: InvitationStatus,
    pub expires_at: DateTime<Utc>,
    /// Someone already has an account with this email: they sign in instead of choosing a password.
    pub existing_user: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    /// The visible start of the key, e.g. `tnt_3fa9c2d1`.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    pub key: ApiKey,
    /// The whole key; store it now, it cannot be shown again.
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewApiKey {
    #[cfg_attr(
        feature = "ssr",
        schema(
            min_length = 1,
            max_length = 80,
            pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
        )
    )]
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(min_items = 1))]
    pub scopes: Vec<Scope>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewInvitation {
    #[cfg_attr(
        feature = "ssr",
        schema(max_length = 254, pattern = r"^[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$")
    )]
    pub email: String,
    /// Only an owner may invite an owner (403 otherwise).
    pub role: Role,
}
