//! A tenant's uploaded logo (PRODUCT.md C2): checked (`server::logo`), stored in
//! PostgreSQL beside the branding that points at it, in one transaction, and served at an
//! address named by its hash. Only the logo the branding points at is kept.

use crate::db;
use crate::error::AppError;
use crate::model::branding::{logo_path, parse_logo_path};
use crate::model::*;
use crate::server::access::Caller;
use crate::server::logo;
use crate::server::services::tenants;
use crate::server::state::AppState;
use uuid::Uuid;

/// Makes `bytes` (of the type `content_type`) the tenant's logo; answers the tenant with
/// its branding pointing at it. A refused file (413, 415, 422) changes nothing.
pub async fn upload(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    content_type: Option<&str>,
    bytes: &[u8],
) -> Result<Tenant, AppError> {
    caller.require_on(id, Permission::TenantEdit)?;
    let checked = logo::check(content_type, bytes)?;
    let mut tx = state.pool.begin().await?;
    let Some(current) = db::tenants::by_id(&mut *tx, id).await? else {
        return Err(AppError::not_found("There is no such tenant."));
    };
    // Stored first, so the branding's check finds it; a refused change rolls both back.
    let file = db::logos::NewLogo {
        hash: &checked.hash,
        content_type: checked.kind.content_type,
        width: checked.width,
        height: checked.height,
        bytes,
    };
    db::logos::insert(&mut *tx, id, file).await?;
    let branding = Branding { logo_url: Some(logo_path(id, &checked.hash, checked.kind.ext)), ..current.branding };
    let change = TenantUpdate { branding: Some(branding), ..TenantUpdate::default() };
    let tenant = tenants::update_in(&mut tx, state, caller, id, change).await?;
    tx.commit().await?;
    Ok(tenant)
}

/// After the branding's logo address changed to `url`: an uploaded logo must be this
/// tenant's and stored; the others are removed.
pub(super) async fn follow(tx: &mut sqlx::PgConnection, id: Uuid, url: Option<&str>) -> Result<(), AppError> {
    let keep = match url.and_then(parse_logo_path) {
        Some((tenant, hash, _)) => {
            if tenant != id || !db::logos::exists(&mut *tx, id, hash).await? {
                return Err(AppError::invalid(
                    "branding.logo_url",
                    "That logo was not uploaded to this tenant; upload the file instead.",
                ));
            }
            Some(hash)
        }
        None => None,
    };
    db::logos::keep_only(&mut *tx, id, keep).await?;
    Ok(())
}
