//! Queries on `memberships`: who belongs to which tenant, with which role.

use crate::error::AppError;
use crate::model::{Member, Role, UserStatus};
use sqlx::PgExecutor;
use uuid::Uuid;

pub async fn list(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<Vec<Member>, AppError> {
    Ok(sqlx::query_as!(
        Member,
        r#"select u.id as user_id, u.email, u.name, m.role as "role: Role", u.status as "status: UserStatus",
                  m.created_at as joined_at
           from memberships m join users u on u.id = m.user_id
           where m.tenant_id = $1
           order by case m.role when 'owner' then 0 when 'admin' then 1 when 'member' then 2 else 3 end, u.email"#,
        tenant,
    )
    .fetch_all(db)
    .await?)
}

pub async fn role_of(db: impl PgExecutor<'_>, tenant: Uuid, user: Uuid) -> Result<Option<Role>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select role as "role: Role" from memberships where tenant_id = $1 and user_id = $2"#,
        tenant,
        user,
    )
    .fetch_optional(db)
    .await?)
}

/// Adds the user to the tenant; an existing membership keeps its role. True when added.
pub async fn add(db: impl PgExecutor<'_>, tenant: Uuid, user: Uuid, role: Role) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "insert into memberships (tenant_id, user_id, role) values ($1, $2, $3) on conflict do nothing",
        tenant,
        user,
        role as Role,
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

pub async fn set_role(db: impl PgExecutor<'_>, tenant: Uuid, user: Uuid, role: Role) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "update memberships set role = $3, updated_at = now() where tenant_id = $1 and user_id = $2",
        tenant,
        user,
        role as Role,
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

pub async fn remove(db: impl PgExecutor<'_>, tenant: Uuid, user: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query!("delete from memberships where tenant_id = $1 and user_id = $2", tenant, user)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

pub async fn count_owners(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "owners!" from memberships where tenant_id = $1 and role = 'owner'"#,
        tenant,
    )
    .fetch_one(db)
    .await?)
}

/// Members plus pending, unexpired invitations: what counts against the plan's user limit.
pub async fn seats_used(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select (select count(*) from memberships where tenant_id = $1)
                + (select count(*) from invitations where tenant_id = $1 and status = 'pending' and expires_at > now())
                  as "seats!""#,
        tenant,
    )
    .fetch_one(db)
    .await?)
}

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

/// Removes every membership of the tenant (termination); returns how many.
pub async fn remove_all(db: impl PgExecutor<'_>, tenant: Uuid) -> Result<u64, AppError> {
    Ok(sqlx::query!("delete from memberships where tenant_id = $1", tenant).execute(db).await?.rows_affected())
}
