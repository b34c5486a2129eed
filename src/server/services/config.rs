//! A tenant's configuration (PRODUCT.md C1): read by category, saved as a new version
//! (validated field by field, audited, refused with 409 when someone saved first), listed
//! with each version's diff, and restored (a new version with an old one's values).

use crate::db::{self, audit::NewEvent, config::NewVersion};
use crate::error::AppError;
use crate::model::config::{self, Category, ConfigDocument, ConfigVersion};
use crate::model::Permission;
use crate::server::access::Caller;
use crate::server::services::tenants::lock_live;
use crate::server::state::AppState;
use serde_json::{json, Map, Value};
use sqlx::PgPool;
use uuid::Uuid;

/// Versions the history answers at most.
pub const HISTORY_MAX: i64 = 100;

pub fn category(s: &str) -> Result<Category, AppError> {
    Category::parse(s).ok_or_else(|| {
        let all: Vec<_> = Category::ALL.iter().map(|c| c.as_str()).collect();
        AppError::not_found(format!(
            "There is no settings category called \u{201c}{}\u{201d}; there are {}.",
            s.chars().take(40).collect::<String>(),
            all.join(", ")
        ))
    })
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn document(category: Category, row: Option<&db::config::VersionRow>) -> ConfigDocument {
    match row {
        // Stored documents are filled with the defaults of fields added since.
        Some(r) => ConfigDocument {
            category,
            version: r.version,
            values: config::validate(category, &json!({}), &object(r.doc.clone()))
                .unwrap_or_else(|_| object(r.doc.clone())),
            updated_at: Some(r.created_at),
            updated_by: Some(r.author.clone()),
        },
        None => ConfigDocument {
            category,
            version: 0,
            values: config::defaults(category),
            updated_at: None,
            updated_by: None,
        },
    }
}

async fn existing(pool: &PgPool, tenant: Uuid) -> Result<(), AppError> {
    db::tenants::by_id(pool, tenant).await?.map(|_| ()).ok_or_else(|| AppError::not_found("There is no such tenant."))
}

/// Every category as it stands.
pub async fn all(pool: &PgPool, caller: &Caller, tenant: Uuid) -> Result<Vec<ConfigDocument>, AppError> {
    caller.require_on(tenant, Permission::ConfigRead)?;
    existing(pool, tenant).await?;
    let rows = db::config::latest(pool, tenant, None, 1).await?;
    Ok(Category::ALL.iter().map(|c| document(*c, rows.iter().find(|r| r.category == c.as_str()))).collect())
}

/// One category as it stands.
pub async fn get(pool: &PgPool, caller: &Caller, tenant: Uuid, category: Category) -> Result<ConfigDocument, AppError> {
    caller.require_on(tenant, Permission::ConfigRead)?;
    existing(pool, tenant).await?;
    let rows = db::config::latest(pool, tenant, Some(category.as_str()), 1).await?;
    Ok(document(category, rows.first()))
}

/// The newest versions first, each with what it changed.
pub async fn versions(
    pool: &PgPool,
    caller: &Caller,
    tenant: Uuid,
    category: Category,
) -> Result<Vec<ConfigVersion>, AppError> {
    caller.require_on(tenant, Permission::ConfigRead)?;
    existing(pool, tenant).await?;
    // One more than shown, so the oldest shown has its predecessor to diff against.
    let rows = db::config::latest(pool, tenant, Some(category.as_str()), HISTORY_MAX + 1).await?;
    let docs: Vec<_> = rows.iter().map(|r| document(category, Some(r)).values).collect();
    Ok(rows
        .iter()
        .enumerate()
        .take(HISTORY_MAX as usize)
        .map(|(i, r)| {
            let before = docs.get(i + 1).cloned().unwrap_or_else(|| config::defaults(category));
            ConfigVersion {
                version: r.version,
                author: r.author.clone(),
                created_at: r.created_at,
                restored_from: r.restored_from,
                changes: config::diff(category, &before, &docs[i]),
                values: docs[i].clone(),
            }
        })
        .collect())
}

/// Saves `input` (fields left out keep their values) as the next version. With
/// `expected_version`, refuses (409) when the category has moved on since.
pub async fn save(
    state: &AppState,
    caller: &Caller,
    tenant: Uuid,
    category: Category,
    input: &Value,
    expected_version: Option<i32>,
) -> Result<ConfigDocument, AppError> {
    write(state, caller, tenant, category, input, expected_version, None).await
}

/// Makes `version`'s values current again, as a new version that says so.
pub async fn restore(
    state: &AppState,
    caller: &Caller,
    tenant: Uuid,
    category: Category,
    version: i32,
) -> Result<ConfigDocument, AppError> {
    caller.require_on(tenant, Permission::TenantEdit)?;
    let doc = db::config::at(&state.pool, tenant, category.as_str(), version)
        .await?
        .ok_or_else(|| AppError::not_found(format!("{} settings have no version {version}.", category.label())))?;
    write(state, caller, tenant, category, &doc, None, Some(version)).await
}

async fn write(
    state: &AppState,
    caller: &Caller,
    tenant: Uuid,
    category: Category,
    input: &Value,
    expected_version: Option<i32>,
    restored_from: Option<i32>,
) -> Result<ConfigDocument, AppError> {
    caller.require_on(tenant, Permission::TenantEdit)?;
    let mut tx = state.pool.begin().await?;
    lock_live(&mut tx, tenant, "settings").await?;
    let rows = db::config::latest(&mut *tx, tenant, Some(category.as_str()), 1).await?;
    let current = document(category, rows.first());
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(AppError::conflict(format!(
            "Someone saved the {} settings since you opened them (version {} now). Reload to see their change.",
            category.label().to_lowercase(),
            current.version
        )));
    }
    let values = config::validate(category, input, &current.values).map_err(AppError::validation)?;
    let changes = config::diff(category, &current.values, &values);
    if changes.is_empty() && restored_from.is_none() {
        // Nothing changed: no version and no audit event.
        return Ok(current);
    }
    let actor = caller.actor();
    let doc = Value::Object(values.clone());
    let version = current.version + 1;
    let row = NewVersion {
        tenant,
        category: category.as_str(),
        version,
        doc: &doc,
        author: &actor.label,
        actor_id: actor.id,
        restored_from: restored_from.filter(|r| *r < version),
    };
    let Some(at) = db::config::insert(&mut *tx, row).await? else {
        return Err(AppError::conflict("Someone saved these settings at the same moment. Reload and try again."));
    };
    let pick = |side: fn(&config::Change) -> &Value| -> Value {
        changes.iter().map(|c| (c.field.clone(), side(c).clone())).collect::<Map<_, _>>().into()
    };
    NewEvent::new(
        if restored_from.is_some() { "config.restored" } else { "config.updated" },
        "config",
        format!("{tenant}/{}", category.as_str()),
    )
    .in_tenant(tenant)
    .before(json!({ "category": category.as_str(), "version": current.version, "values": pick(|c| &c.before) }))
    .after(json!({ "category": category.as_str(), "version": version, "values": pick(|c| &c.after),
                       "restored_from": restored_from }))
    .record(&mut *tx, &actor)
    .await?;
    tx.commit().await?;
    Ok(ConfigDocument { category, version, values, updated_at: Some(at), updated_by: Some(actor.label) })
}
