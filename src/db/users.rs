//! Queries on `users`.

use crate::error::AppError;
use crate::model::{Page, TenantMembership, User, UserStatus};
use sqlx::types::Json;
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// What sign-in and the session need about a user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credentials {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_platform_admin: bool,
    pub status: UserStatus,
}

pub async fn credentials_by_email(db: impl PgExecutor<'_>, email: &str) -> Result<Option<Credentials>, AppError> {
    Ok(sqlx::query_as!(
        Credentials,
        r#"select id, email, name, password_hash, is_platform_admin, status as "status: UserStatus"
           from users where email = $1"#,
        email,
    )
    .fetch_optional(db)
    .await?)
}

#[derive(sqlx::FromRow)]
struct WithMemberships {
    #[sqlx(flatten)]
    user: Credentials,
    memberships: Json<Vec<TenantMembership>>,
}

/// The user whose id is `id_expr` with the tenants they belong to (terminated tenants
/// excluded) as one row: shared by [`with_memberships`] and the session load, which reads
/// the session and its person in one round trip.
pub(crate) fn user_with_memberships_sql(id_expr: &str) -> String {
    format!(
        "select u.id, u.email, u.name, u.password_hash, u.is_platform_admin, u.status,
                coalesce(json_agg(json_build_object('tenant_id', t.id, 'slug', t.slug, 'name', t.name,
                                                    'status', t.status, 'role', m.role)
                                  order by t.name) filter (where t.id is not null), '[]') as memberships
         from users u
         left join memberships m on m.user_id = u.id
         left join tenants t on t.id = m.tenant_id and t.status <> 'terminated'
         where u.id = {id_expr}
         group by u.id"
    )
}

static WITH_MEMBERSHIPS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| user_with_memberships_sql("$1"));

/// The user and the tenants they belong to (terminated tenants excluded), in one query.
pub async fn with_memberships(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<(Credentials, Vec<TenantMembership>)>, AppError> {
    let row: Option<WithMemberships> = sqlx::query_as(&WITH_MEMBERSHIPS).bind(id).fetch_optional(db).await?;
    Ok(row.map(|r| (r.user, r.memberships.0)))
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    email: &str,
    name: &str,
    password_hash: &str,
    is_platform_admin: bool,
) -> Result<Uuid, AppError> {
    sqlx::query_scalar!(
        "insert into users (email, name, password_hash, is_platform_admin) values ($1, $2, $3, $4) returning id",
        email,
        name,
        password_hash,
        is_platform_admin,
    )
    .fetch_one(db)
    .await
    .map_err(|e| {
        AppError::from_constraint(
            e,
            &[("users_email_key", AppError::conflict_on("email", "Someone already has an account with that email."))],
        )
    })
}

pub async fn set_password(db: impl PgExecutor<'_>, id: Uuid, password_hash: &str) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "update users set password_hash = $2, password_changed_at = now(), updated_at = now() where id = $1",
        id,
        password_hash,
    )
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Sets the status; returns the previous one, or None when there is no such user.
pub async fn set_status(db: impl PgExecutor<'_>, id: Uuid, status: UserStatus) -> Result<Option<UserStatus>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"update users u set status = $2, updated_at = now()
           from (select id, status from users where id = $1 for update) old
           where u.id = old.id returning old.status as "status!: UserStatus""#,
        id,
        status as UserStatus,
    )
    .fetch_optional(db)
    .await?)
}

pub async fn touch_sign_in(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), AppError> {
    sqlx::query!("update users set last_sign_in_at = now() where id = $1", id).execute(db).await?;
    Ok(())
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<User>, AppError> {
    Ok(sqlx::query_as!(
        User,
        r#"select u.id, u.email, u.name, u.is_platform_admin, u.status as "status: UserStatus", u.created_at,
                  u.last_sign_in_at, (select count(*) from memberships m where m.user_id = u.id) as "tenants!"
           from users u where u.id = $1"#,
        id,
    )
    .fetch_optional(db)
    .await?)
}

/// Users by email, newest first, searched by email or name, paged by (created_at, id).
pub async fn list(
    db: impl PgExecutor<'_>,
    search: &str,
    cursor: Option<&str>,
    limit: u32,
) -> Result<Page<User>, AppError> {
    let limit = limit.clamp(1, 200) as i64;
    let mut qb = QueryBuilder::<Postgres>::new(
        "select u.id, u.email, u.name, u.is_platform_admin, u.status, u.created_at, u.last_sign_in_at,
                (select count(*) from memberships m where m.user_id = u.id) as tenants
         from users u where true",
    );
    let search = search.trim().to_lowercase();
    if !search.is_empty() {
        let like = format!("%{}%", search.replace(['%', '_', '\\'], ""));
        qb.push(" and (u.email like ")
            .push_bind(like.clone())
            .push(" or lower(u.name) like ")
            .push_bind(like)
            .push(")");
    }
    if let Some(c) = cursor.filter(|c| !c.is_empty()) {
        let (ts, id) = c
            .split_once('_')
            .and_then(|(t, i)| Some((t.parse::<i64>().ok()?, Uuid::parse_str(i).ok()?)))
            .ok_or_else(|| AppError::bad_request("The cursor is not valid. Start again from the first page."))?;
        let at = chrono::DateTime::from_timestamp_micros(ts)
            .ok_or_else(|| AppError::bad_request("The cursor is not valid. Start again from the first page."))?;
        qb.push(" and (u.created_at, u.id) < (").push_bind(at).push(", ").push_bind(id).push(")");
    }
    qb.push(" order by u.created_at desc, u.id desc limit ").push_bind(limit + 1);
    let mut items: Vec<User> = qb.build_query_as().fetch_all(db).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|u| format!("{}_{}", u.created_at.timestamp_micros(), u.id))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

pub async fn count(db: impl PgExecutor<'_>) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(r#"select count(*) as "count!" from users"#).fetch_one(db).await?)
}

/// Which of these people are platform admins.
pub async fn platform_admins_among(
    db: impl PgExecutor<'_>,
    ids: &[Uuid],
) -> Result<std::collections::HashSet<Uuid>, AppError> {
    let found =
        sqlx::query_scalar!("select id from users where id = any($1) and is_platform_admin", ids).fetch_all(db).await?;
    Ok(found.into_iter().collect())
}
