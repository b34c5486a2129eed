//! A tenant's people (PRODUCT.md A3): list, change role, remove. Owners are special: only
//! an owner (or a platform admin) makes, changes or removes one, and the last owner stays.

use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::{Member, Permission, Role};
use crate::server::access::Caller;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

pub async fn list(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<Vec<Member>, AppError> {
    caller.require_on(tenant, Permission::MembersRead)?;
    db::memberships::list(pool, tenant).await
}

/// Only owners hand out or take away ownership.
pub fn check_owner_rule(caller: &Caller, tenant: Uuid, from: Option<Role>, to: Option<Role>) -> Result<(), AppError> {
    let touches_owner = from == Some(Role::Owner) || to == Some(Role::Owner);
    if touches_owner && caller.role_in(tenant) != Some(Role::Owner) {
        return Err(AppError::forbidden("Only an owner can make someone an owner, or change or remove an owner."));
    }
    Ok(())
}

const LAST_OWNER: &str = "This is the tenant's last owner. Make someone else an owner first.";

/// A membership change for webhooks and notifications (`member.joined`, `member.removed`,
/// `member.role_changed`), in the caller's transaction.
pub(crate) async fn publish(
    db: &mut sqlx::PgConnection,
    tenant: Uuid,
    topic: &str,
    user: Uuid,
    role: Option<Role>,
    from: Option<Role>,
) -> Result<(), AppError> {
    let email = db::users::get(&mut *db, user).await?.map(|u| u.email).unwrap_or_default();
    let payload = json!({ "tenant_id": tenant, "user_id": user, "email": email, "role": role, "from": from });
    db::outbox::insert_once(&mut *db, &format!("{topic}:{tenant}:{user}:{}", Uuid::new_v4()), tenant, topic, &payload)
        .await?;
    Ok(())
}

pub async fn change_role(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    user: Uuid,
    role: Role,
) -> Result<Member, AppError> {
    caller.require_on(tenant, Permission::MembersManage)?;
    let mut tx = pool.begin().await?;
    // The tenant row lock serialises membership changes, so two demotions can't both pass
    // the last-owner check.
    db::tenants::lock(&mut *tx, tenant).await?;
    let current = db::memberships::role_of(&mut *tx, tenant, user)
        .await?
        .ok_or_else(|| AppError::not_found("That person is not a member of this tenant."))?;
    check_owner_rule(caller, tenant, Some(current), Some(role))?;
    if current != role {
        if current == Role::Owner && db::memberships::count_owners(&mut *tx, tenant).await? <= 1 {
            return Err(AppError::conflict(LAST_OWNER));
        }
        db::memberships::set_role(&mut *tx, tenant, user, role).await?;
        NewEvent::new("member.role_changed", "user", user)
            .in_tenant(tenant)
            .before(json!({ "role": current }))
            .after(json!({ "role": role }))
            .record(&mut *tx, &caller.actor())
            .await?;
        publish(&mut tx, tenant, "member.role_changed", user, Some(role), Some(current)).await?;
    }
    tx.commit().await?;
    db::memberships::list(pool, tenant)
        .await?
        .into_iter()
        .find(|m| m.user_id == user)
        .ok_or_else(|| AppError::not_found("That person is not a member of this tenant."))
}

pub async fn remove(pool: &PgPool, caller: &Caller, tenant: Uuid, user: Uuid) -> Result<(), AppError> {
    caller.require_on(tenant, Permission::MembersManage)?;
    let mut tx = pool.begin().await?;
    db::tenants::lock(&mut *tx, tenant).await?;
    let current = db::memberships::role_of(&mut *tx, tenant, user)
        .await?
        .ok_or_else(|| AppError::not_found("That person is not a member of this tenant."))?;
    check_owner_rule(caller, tenant, Some(current), None)?;
    if current == Role::Owner && db::memberships::count_owners(&mut *tx, tenant).await? <= 1 {
        return Err(AppError::conflict(LAST_OWNER));
    }
    // Published before the membership goes, so the notice can name them.
    publish(&mut tx, tenant, "member.removed", user, None, Some(current)).await?;
    db::memberships::remove(&mut *tx, tenant, user).await?;
    NewEvent::new("member.removed", "user", user)
        .in_tenant(tenant)
        .before(json!({ "role": current }))
        .record(&mut *tx, &caller.actor())
        .await?;
    tx.commit().await?;
    Ok(())
}
