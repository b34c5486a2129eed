//! A tenant's data as an archive a person can open (PRODUCT.md I4): a plain tar with
//! `README.txt`, `manifest.json` (tenant, template version, every file with its row count,
//! size and SHA-256), `SHA256SUMS` (so `sha256sum -c SHA256SUMS` verifies it),
//! `tenant.json`, `members.json` and `data/<table>.json` for every table of the tenant
//! template. Tenant data is read as the tenant (its role, or the rows role bound to its
//! id), so an export can never contain another tenant's rows. Kept in `tenant_exports`
//! (the server keeps no files) until the retention date.

use crate::db;
use crate::error::AppError;
use crate::model::messages;
use crate::server::storage;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::{Executor, PgConnection};
use uuid::Uuid;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds, stores and returns (export id, manifest).
pub async fn export_tenant(
    db: &mut PgConnection,
    tenant: Uuid,
    run: Option<Uuid>,
    keep_days: i64,
) -> Result<(Uuid, Value), AppError> {
    let record: Value = sqlx::query_scalar("select to_jsonb(t) - 'search' from tenants t where id = $1")
        .bind(tenant)
        .fetch_optional(&mut *db)
        .await?
        .ok_or_else(|| AppError::not_found(messages::NO_TENANT))?;
    let slug = record["slug"].as_str().unwrap_or("tenant").to_string();
    // Slugs are already path-safe; the export's own names come from the same rule.
    let slug = file_stem(&slug, &mut Default::default());
    let members: Value = sqlx::query_scalar(
        "select coalesce(jsonb_agg(jsonb_build_object('email', u.email, 'name', u.name, 'role', m.role,
                                                      'since', m.created_at) order by u.email), '[]')
           from memberships m join users u on u.id = m.user_id where m.tenant_id = $1",
    )
    .bind(tenant)
    .fetch_one(&mut *db)
    .await?;
    let template_version: Option<i32> = sqlx::query_scalar(
        "select t.version from tenant_storage s join template_schemas t on t.schema_name = s.schema_name
          where s.tenant_id = $1 and (t.tenant_id = s.tenant_id or t.tenant_id is null)",
    )
    .bind(tenant)
    .fetch_optional(&mut *db)
    .await?;

    let mut files: Vec<(String, Vec<u8>, Option<usize>)> = vec![
        ("tenant.json".into(), pretty(&record), None),
        ("members.json".into(), pretty(&members), members.as_array().map(Vec::len)),
    ];
    let mut names = std::collections::BTreeSet::new();
    for (table, rows) in tenant_tables(db, tenant).await? {
        let n = rows.as_array().map(Vec::len);
        files.push((format!("data/{}.json", file_stem(&table, &mut names)), pretty(&rows), n));
    }

    let created_at = chrono::Utc::now();
    let listed: Vec<Value> = files
        .iter()
        .map(|(name, bytes, rows)| {
            json!({ "name": name, "bytes": bytes.len(), "rows": rows, "sha256": hex(&Sha256::digest(bytes)) })
        })
        .collect();
    let manifest = json!({
        "format": "tenantry-export/1",
        "tenant": { "id": tenant, "slug": slug, "name": record["name"] },
        "created_at": created_at,
        "template_version": template_version,
        "files": listed,
    });
    let sums: String = listed
        .iter()
        .map(|f| format!("{}  {}\n", f["sha256"].as_str().unwrap_or(""), f["name"].as_str().unwrap_or("")))
        .collect();
    let readme = format!(
        "Tenantry data export of {slug} ({tenant}), made {created}.\n\n\
         manifest.json  what is in this archive: every file with its row count, size and SHA-256\n\
         SHA256SUMS     the same checksums; verify with: sha256sum -c SHA256SUMS\n\
         tenant.json    the tenant record (settings, branding, features, limits, metadata)\n\
         members.json   the people who were members, with their roles\n\
         data/*.json    one file per table of the tenant's own data, as JSON arrays of rows\n",
        created = created_at.format("%Y-%m-%d %H:%M UTC"),
    );

    let mut archive = tar::Builder::new(Vec::new());
    let mtime = created_at.timestamp().max(0) as u64;
    let mut add = |name: &str, bytes: &[u8]| -> Result<(), AppError> {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        archive
            .append_data(&mut header, format!("{slug}-export/{name}"), bytes)
            .map_err(|e| AppError::internal("export archive", e))
    };
    add("README.txt", readme.as_bytes())?;
    add("manifest.json", &pretty(&manifest))?;
    add("SHA256SUMS", sums.as_bytes())?;
    for (name, bytes, _) in &files {
        add(name, bytes)?;
    }
    let bytes = archive.into_inner().map_err(|e| AppError::internal("export archive", e))?;
    let digest = hex(&Sha256::digest(&bytes));
    let file_name = format!("{slug}-export-{}.tar", created_at.format("%Y%m%d-%H%M%S"));
    let id = db::exports::insert(
        &mut *db,
        db::exports::NewExport {
            tenant,
            run,
            file_name: &file_name,
            bytes: &bytes,
            sha256: &digest,
            manifest: &manifest,
            keep_days: keep_days as i32,
        },
    )
    .await?;
    Ok((id, manifest))
}

/// A file name for a table: the tenant chose its table names, so only letters, digits,
/// `_` and `-` survive (no `/`, no `..`, nothing a shell or an unpacker reads specially);
/// clashes after that get a numbered suffix.
fn file_stem(table: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    let clean: String =
        table.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    let clean = clean.trim_matches('_').to_string();
    let base = if clean.is_empty() { "table".to_string() } else { clean };
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Every table of the tenant's data with its rows, read as the tenant. None for a tenant
/// without storage (demo data).
async fn tenant_tables(db: &mut PgConnection, tenant: Uuid) -> Result<Vec<(String, Value)>, AppError> {
    let storage: Option<(String, String)> =
        sqlx::query_as("select isolation, schema_name from tenant_storage where tenant_id = $1")
            .bind(tenant)
            .fetch_optional(&mut *db)
            .await?;
    let Some((_, schema)) = storage else { return Ok(vec![]) };
    let tables = storage::tables_in(db, &schema).await?;
    storage::act_as_tenant(db, tenant).await?;
    let mut out = Vec::with_capacity(tables.len());
    let mut failure = None;
    for t in tables {
        match sqlx::query_scalar::<_, Value>(&format!(
            "select coalesce(jsonb_agg(to_jsonb(r)), '[]') from {}.{} r",
            storage::ident(&schema),
            storage::ident(&t)
        ))
        .fetch_one(&mut *db)
        .await
        {
            Ok(rows) => out.push((t, rows)),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    if failure.is_none() {
        db.execute("reset role; set local search_path to default").await?;
    }
    match failure {
        Some(e) => Err(AppError::internal("export tenant data", e)),
        None => Ok(out),
    }
}

/// Deletes the bytes of every export past its expiry; answers how many were purged.
pub async fn purge_expired(pool: &sqlx::PgPool) -> Result<u64, AppError> {
    let purged = db::exports::purge_expired(pool).await?;
    if purged > 0 {
        tracing::info!(purged, "deleted the data of expired tenant exports");
    }
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn table_names_become_safe_unique_file_names() {
        let mut taken = Default::default();
        assert_eq!(file_stem("projects", &mut taken), "projects");
        assert_eq!(file_stem("../../etc/passwd", &mut taken), "etc_passwd");
        assert_eq!(file_stem("Mixed Case", &mut taken), "Mixed_Case");
        assert_eq!(file_stem("Mixed;Case", &mut taken), "Mixed_Case_2");
        assert_eq!(file_stem("..", &mut taken), "table");
        assert_eq!(file_stem("\\\\", &mut taken), "table_2");
    }
}
