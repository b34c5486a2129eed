//! People (PRODUCT.md A1, A2): creating accounts, the platform's Users page, disabling.

use crate::db::{self, audit::NewEvent};
use crate::error::{AppError, FieldErrors};
use crate::model::validate::{check, check_email, check_name, check_password, normalize_email};
use crate::model::{Page, Permission, User, UserStatus};
use crate::server::access::Caller;
use crate::server::auth;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password: String,
    pub is_platform_admin: bool,
}

/// Validates and creates an account (the command line's `admin create`, the first admin).
pub async fn create(pool: &PgPool, caller: &Caller, u: NewUser) -> Result<Uuid, AppError> {
    let mut tx = pool.begin().await?;
    let id = create_in(&mut tx, caller, u).await?;
    tx.commit().await?;
    Ok(id)
}

/// The same inside the caller's transaction (accepting an invitation).
pub async fn create_in(tx: &mut sqlx::PgConnection, caller: &Caller, u: NewUser) -> Result<Uuid, AppError> {
    if u.is_platform_admin {
        caller.require(Permission::UsersManage)?;
    }
    let email = normalize_email(&u.email);
    let mut errors = FieldErrors::new();
    check(&mut errors, "email", check_email(&email));
    check(&mut errors, "name", check_name(&u.name));
    check(&mut errors, "password", check_password(&u.password));
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let hash = auth::hash_password(u.password).await?;
    let id = db::users::insert(&mut *tx, &email, u.name.trim(), &hash, u.is_platform_admin).await?;
    NewEvent::new("user.created", "user", id)
        .after(json!({ "email": email, "name": u.name.trim(), "is_platform_admin": u.is_platform_admin }))
        .record(&mut *tx, &caller.actor())
        .await?;
    Ok(id)
}

pub async fn list(pool: &PgPool, caller: &Caller, search: &str, cursor: Option<&str>) -> Result<Page<User>, AppError> {
    caller.require(Permission::UsersManage)?;
    crate::model::query::check_search(Some(search))?;
    db::users::list(pool, search, cursor, 50).await
}

/// Disables or re-enables an account. Disabling deletes the person's sessions in the same
/// transaction, so they are signed out at once and re-enabling revives no old cookie.
pub async fn set_status(pool: &PgPool, caller: &Caller, id: Uuid, status: UserStatus) -> Result<User, AppError> {
    caller.require(Permission::UsersManage)?;
    if caller.user_id() == Some(id) && status == UserStatus::Disabled {
        return Err(AppError::conflict("You can't disable your own account."));
    }
    let mut tx = pool.begin().await?;
    let before = db::users::set_status(&mut *tx, id, status)
        .await?
        .ok_or_else(|| AppError::not_found("No user has that id."))?;
    if status == UserStatus::Disabled {
        db::sessions::delete_for_user(&mut *tx, id).await?;
    }
    if before != status {
        NewEvent::new(if status == UserStatus::Disabled { "user.disabled" } else { "user.enabled" }, "user", id)
            .before(json!({ "status": before }))
            .after(json!({ "status": status }))
            .record(&mut *tx, &caller.actor())
            .await?;
    }
    tx.commit().await?;
    db::users::get(pool, id).await?.ok_or_else(|| AppError::not_found("No user has that id."))
}

/// On an empty database, creates the first platform admin so someone can sign in. Answers
/// the password when one was created (generated unless given). Two instances starting
/// together: the unique email lets only one succeed, the other finds it there.
pub async fn ensure_first_admin(
    pool: &PgPool,
    email: &str,
    password: Option<String>,
) -> Result<Option<String>, AppError> {
    if db::users::count(pool).await? > 0 {
        return Ok(None);
    }
    let password = password.filter(|p| !p.is_empty()).unwrap_or_else(|| auth::random_token(15));
    let new = NewUser {
        email: email.to_string(),
        name: "Platform admin".into(),
        password: password.clone(),
        is_platform_admin: true,
    };
    match create(pool, &Caller::system(), new).await {
        Ok(_) => Ok(Some(password)),
        Err(AppError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
