//! Queries on `invitations`. Only the SHA-256 of a token is stored.

use crate::error::AppError;
use crate::model::{Invitation, InvitationStatus, Role};
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

pub struct InvitationRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub email: String,
    pub role: Role,
    pub status: String,
    pub invited_by: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_count: i32,
    pub last_sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl InvitationRow {
    pub fn status(&self) -> InvitationStatus {
        match self.status.as_str() {
            "accepted" => InvitationStatus::Accepted,
            "revoked" => InvitationStatus::Revoked,
            _ if self.expires_at <= Utc::now() => InvitationStatus::Expired,
            _ => InvitationStatus::Pending,
        }
    }

    pub fn role(&self) -> Role {
        self.role
    }
}

impl From<InvitationRow> for Invitation {
    fn from(r: InvitationRow) -> Self {
        Invitation {
            status: r.status(),
            role: r.role(),
            id: r.id,
            tenant_id: r.tenant_id,
            email: r.email,
            invited_by: r.invited_by,
            expires_at: r.expires_at,
            created_at: r.created_at,
            sent_count: r.sent_count,
            last_sent_at: r.last_sent_at,
            last_error: r.last_error,
        }
    }
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    tenant: Uuid,
    email: &str,
    role: Role,
    token_hash: &[u8],
    invited_by: Option<Uuid>,
    expires_at: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    sqlx::query_scalar!(
        "insert into invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
         values ($1, $2, $3, $4, $5, $6) returning id",
        tenant,
        email,
        role as Role,
        token_hash,
        invited_by,
        expires_at,
    )
    .fetch_one(db)
    .await
    .map_err(|e| {
        AppError::from_constraint(
            e,
            &[(
                "invitations_one_pending",
                AppError::conflict_on("email", "That person already has a pending invitation. Resend it instead."),
            )],
        )
    })
}

/// The pending invitation of `email` in the tenant, if any.
pub async fn pending_id(db: impl PgExecutor<'_>, tenant: Uuid, email: &str) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        "select id from invitations where tenant_id = $1 and email = $2 and status = 'pending'",
        tenant,
        email
    )
    .fetch_optional(db)
    .await?)
}

/// The pending invitation of `email` that was never mailed, locked for the transaction.
pub async fn unsent_for_update(db: impl PgExecutor<'_>, tenant: Uuid, email: &str) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        "select id from invitations
          where tenant_id = $1 and email = $2 and status = 'pending' and sent_count = 0
            for update",
        tenant,
        email
    )
    .fetch_optional(db)
    .await?)
}

/// Deletes the tenant's pending invitations (undoing provisioning's first admin).
pub async fn delete_pending(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<u64, AppError> {
    Ok(sqlx::query!("delete from invitations where tenant_id = $1 and status = 'pending'", tenant)
        .execute(db)
        .await?
        .rows_affected())
}

pub async fn get(db: impl PgExecutor<'_>, tenant: Uuid, id: Uuid) -> Result<Option<InvitationRow>, AppError> {
    Ok(sqlx::query_as!(
        InvitationRow,
        r#"select i.id, i.tenant_id, i.email, i.role as "role: Role", i.status, u.email as "invited_by?",
                  i.expires_at, i.created_at, i.sent_count, i.last_sent_at, i.last_error
           from invitations i left join users u on u.id = i.invited_by
           where i.tenant_id = $1 and i.id = $2"#,
        tenant,
        id,
    )
    .fetch_optional(db)
    .await?)
}

/// Locks the invitation a token belongs to (for accepting it).
pub async fn by_token_for_update(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> Result<Option<InvitationRow>, AppError> {
    Ok(sqlx::query_as!(
        InvitationRow,
        r#"select i.id, i.tenant_id, i.email, i.role as "role: Role", i.status, u.email as "invited_by?",
                  i.expires_at, i.created_at, i.sent_count, i.last_sent_at, i.last_error
           from invitations i left join users u on u.id = i.invited_by
           where i.token_hash = $1 for update of i"#,
        token_hash,
    )
    .fetch_optional(db)
    .await?)
}

pub async fn by_token(db: impl PgExecutor<'_>, token_hash: &[u8]) -> Result<Option<InvitationRow>, AppError> {
    Ok(sqlx::query_as!(
        InvitationRow,
        r#"select i.id, i.tenant_id, i.email, i.role as "role: Role", i.status, u.email as "invited_by?",
                  i.expires_at, i.created_at, i.sent_count, i.last_sent_at, i.last_error
           from invitations i left join users u on u.id = i.invited_by
           where i.token_hash = $1"#,
        token_hash,
    )
    .fetch_optional(db)
    .await?)
}

/// Pending first, then newest.
pub async fn list(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<Vec<Invitation>, AppError> {
    let rows = sqlx::query_as!(
        InvitationRow,
        r#"select i.id, i.tenant_id, i.email, i.role as "role: Role", i.status, u.email as "invited_by?",
                  i.expires_at, i.created_at, i.sent_count, i.last_sent_at, i.last_error
           from invitations i left join users u on u.id = i.invited_by
           where i.tenant_id = $1 order by i.status <> 'pending', i.created_at desc limit 500"#,
        tenant,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A new token and expiry for a resend (the old link stops working).
pub async fn renew(
    db: impl PgExecutor<'_>,
    id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query!(
        "update invitations set token_hash = $2, expires_at = $3 where id = $1 and status = 'pending'",
        id,
        token_hash,
        expires_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records the outcome of sending the email.
pub async fn mark_sent(db: impl PgExecutor<'_>, id: Uuid, error: Option<&str>) -> Result<(), AppError> {
    sqlx::query!(
        "update invitations set sent_count = sent_count + (case when $2::text is null then 1 else 0 end),
                                last_sent_at = case when $2::text is null then now() else last_sent_at end,
                                last_error = $2
         where id = $1",
        id,
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_status(db: impl PgExecutor<'_>, id: Uuid, status: &str) -> Result<(), AppError> {
    sqlx::query!(
        "update invitations set status = $2,
                accepted_at = case when $2 = 'accepted' then now() else accepted_at end,
                revoked_at = case when $2 = 'revoked' then now() else revoked_at end
         where id = $1",
        id,
        status,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn revoke_all_pending(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<u64, AppError> {
    Ok(sqlx::query!(
        "update invitations set status = 'revoked', revoked_at = now() where tenant_id = $1 and status = 'pending'",
        tenant,
    )
    .execute(db)
    .await?
    .rows_affected())
}
