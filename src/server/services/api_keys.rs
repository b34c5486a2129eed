//! API keys (PRODUCT.md A5): per tenant, with scopes, shown once, stored as SHA-256.

use crate::db::{self, audit::NewEvent};
use crate::error::AppError;
use crate::model::{ApiKey, CreatedApiKey, NewApiKey, Permission, Scope};
use crate::server::access::Caller;
use crate::server::auth;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

pub async fn list(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<Vec<ApiKey>, AppError> {
    caller.require_on(tenant, Permission::ApiKeysManage)?;
    db::api_keys::list(pool, tenant).await
}

/// `tnt_` + 8 lowercase letters or digits: the visible, unique prefix.
fn new_prefix() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    let tail: String = bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    format!("tnt_{tail}")
}

pub async fn create(pool: &PgPool, caller: &Caller, tenant: Uuid, input: NewApiKey) -> Result<CreatedApiKey, AppError> {
    caller.require_on(tenant, Permission::ApiKeysManage)?;
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "Give the key a name of 1 to 80 characters, e.g. \u{201c}billing service\u{201d}.",
        ));
    }
    let mut scopes: Vec<Scope> = Vec::new();
    for s in input.scopes {
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    if scopes.is_empty() {
        return Err(AppError::invalid("scopes", "Choose at least one scope."));
    }
    // A prefix clash is astronomically rare; try again rather than fail.
    for _ in 0..3 {
        let prefix = new_prefix();
        let secret = format!("{prefix}_{}", auth::random_token(32));
        let mut tx = pool.begin().await?;
        let inserted =
            db::api_keys::insert(&mut *tx, tenant, &name, &prefix, &auth::sha256(&secret), &scopes, caller.user_id())
                .await;
        let id = match inserted {
            Ok(id) => id,
            Err(AppError::Internal(_)) if db::api_keys::by_prefix(pool, &prefix).await?.is_some() => continue,
            Err(e) => return Err(e),
        };
        NewEvent::new("api_key.created", "api_key", id)
            .in_tenant(tenant)
            .after(json!({ "name": name, "prefix": prefix, "scopes": scopes }))
            .record(&mut *tx, &caller.actor())
            .await?;
        tx.commit().await?;
        let key = db::api_keys::get(pool, tenant, id).await?.ok_or_else(|| AppError::not_found("No such API key."))?;
        return Ok(CreatedApiKey { key, secret });
    }
    Err(AppError::conflict("Could not make a unique key; please try again."))
}

pub async fn revoke(pool: &PgPool, caller: &Caller, tenant: Uuid, id: Uuid) -> Result<ApiKey, AppError> {
    caller.require_on(tenant, Permission::ApiKeysManage)?;
    let mut tx = pool.begin().await?;
    if !db::api_keys::revoke(&mut *tx, tenant, id).await? {
        return Err(AppError::not_found("No live API key with that id in this tenant."));
    }
    NewEvent::new("api_key.revoked", "api_key", id).in_tenant(tenant).record(&mut *tx, &caller.actor()).await?;
    tx.commit().await?;
    db::api_keys::get(pool, tenant, id).await?.ok_or_else(|| AppError::not_found("No such API key."))
}
