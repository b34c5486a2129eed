//! Queries on `memberships`: who belongs to which tenant, with which role.

use crate::error::AppError;
use crate::model::{Member, Role, UserStatus};
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct MemberRow {
    user_id: Uuid,
    email: String,
    name: String,
    role: String,
    status: UserStatus,
    joined_at: DateTime<Utc>,
}

pub async fn list(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<Vec<Member>, AppError> {
    let rows: Vec<MemberRow> = sqlx::query_as(
        "select u.id as user_id, u.email, u.name, m.role, u.status, m.created_at as joined_at
         from memberships m join users u on u.id = m.user_id
         where m.tenant_id = $1
         order by case m.role when 'owner' then 0 when 'admin' then 1 when 'member' then 2 else 3 end, u.email",
    )
    .bind(tenant)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Member {
            user_id: r.user_id,
            email: r.email,
            name: r.name,
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
            status: r.status,
            joined_at: r.joined_at,
        })
        .collect())
}

pub async fn role_of(db: impl PgExecutor<'_>, tenant: Uuid, user: Uuid) -> Result<Option<Role>, AppError> {
    let role: Option<String> = sqlx::query_scalar("select role from memberships where tenant_id = $1 and user_id = $2")
        .bind(tenant)
        .bind(user)
        .fetch_optional(db)
        .await?;
    Ok(role.as_deref().and_then(Role::parse))
}

/// Adds the user to the tenant; an existing membership keeps its role. True when added.
pub async fn add(db: impl PgExecutor<'_>, tenant: Uuid, user: Uuid, role: Role) -> Result<bool, AppError> {
    Ok(sqlx::query("insert into memberships (tenant_id, user_id, role) values ($1, $2, $3) on conflict do nothing")
        .bind(tenant)
        .bind(user)
        .bind(role.as_str())
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

pub async fn set_role(db: impl PgExecutor<'_>, tenant: Uuid, user: Uuid, role: Role) -> Result<bool, AppError> {
    Ok(sqlx::query("update memberships set role = $3, updated_at = now() where tenant_id = $1 and user_id = $2")
        .bind(tenant)
        .bind(user)
        .bind(role.as_str())
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

pub async fn remove(db: impl PgExecutor<'_>, tenant: Uuid, user: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query("delete from memberships where tenant_id = $1 and user_id = $2")
        .bind(tenant)
        .bind(user)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

pub async fn count_owners(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("select count(*) from memberships where tenant_id = $1 and role = 'owner'")
        .bind(tenant)
        .fetch_one(db)
        .await?)
}

/// Members plus pending, unexpired invitations: what counts against the plan's user limit.
pub async fn seats_used(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "select (select count(*) from memberships where tenant_id = $1)
              + (select count(*) from invitations where tenant_id = $1 and status = 'pending' and expires_at > now())",
    )
    .bind(tenant)
    .fetch_one(db)
    .await?)
}

/// Removes every membership of the tenant (termination); returns how many.
/// Whether someone with `email` is a member of the tenant.
pub async fn has_email(db: impl PgExecutor<'_>, tenant: Uuid, email: &str) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from memberships m join users u on u.id = m.user_id
                          where m.tenant_id = $1 and u.email = $2) as "exists!""#,
        tenant,
        email
    )
    .fetch_one(db)
    .await?)
}

pub async fn remove_all(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<u64, AppError> {
    Ok(sqlx::query("delete from memberships where tenant_id = $1").bind(tenant).execute(db).await?.rows_affected())
}
