//! Where a tenant's own data lives (PRODUCT.md I1, I2), and the versioned tenant template
//! kept as SQL in `tenant_template/`.
//!
//! - `schema` isolation: the tenant gets a schema `tenant_<id>` owned by a role
//!   `tnt_<id>` (NOLOGIN) that can use nothing else; the template runs as that role, so it
//!   owns its tables. Dropping the schema and the role removes everything.
//! - `row` isolation: the tenant's rows live in the shared schema `tenant_rows`, whose
//!   tables carry `tenant_id` (the first column of every key) and have FORCE ROW LEVEL
//!   SECURITY with one policy comparing `tenant_id` to the connection's
//!   `tenantry.tenant_id` setting (a stable expression on an indexed column). The role
//!   `tenantry_tenant_rows` (non-owner, DML only) is what tenant-bound code runs as.
//!
//! Every function here takes the transaction it runs in: DDL is transactional in
//! PostgreSQL, so a step that fails half-way leaves nothing behind.

use crate::error::AppError;
use sqlx::{Executor, PgConnection};
use uuid::Uuid;

/// The shared schema of row-isolated tenants.
pub const SHARED_SCHEMA: &str = "tenant_rows";
/// The non-owner role tenant-bound code uses on the shared schema.
pub const ROWS_ROLE: &str = "tenantry_tenant_rows";
/// The connection setting row-level security compares `tenant_id` with.
pub const TENANT_SETTING: &str = "tenantry.tenant_id";

/// One version of the tenant template.
pub struct TemplateVersion {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The template, oldest first. A new version is a new file in `tenant_template/` and a
/// line here; `rollout` brings existing tenants up to it.
pub const TEMPLATE: &[TemplateVersion] = &[
    TemplateVersion { version: 1, name: "initial", sql: include_str!("../../tenant_template/0001_initial.sql") },
    TemplateVersion {
        version: 2,
        name: "project_status",
        sql: include_str!("../../tenant_template/0002_project_status.sql"),
    },
];

pub fn latest_version() -> i32 {
    TEMPLATE.last().map(|v| v.version).unwrap_or(0)
}

/// `tenant_<uuid without dashes>`: stable, never needs quoting, 39 characters.
pub fn schema_name(tenant: Uuid) -> String {
    format!("tenant_{}", tenant.simple())
}

/// `tnt_<uuid without dashes>`.
pub fn role_name(tenant: Uuid) -> String {
    format!("tnt_{}", tenant.simple())
}

/// A name as a quoted SQL identifier. Table names read from the catalog were chosen by
/// a tenant (its role may create tables in its schema), so they are never pasted into SQL
/// unquoted.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn internal(what: &'static str, e: sqlx::Error) -> AppError {
    AppError::internal(what, e)
}

/// Whether the database user may create roles (schema isolation needs it).
pub async fn can_create_roles(db: &mut PgConnection) -> Result<bool, AppError> {
    let ok: bool = sqlx::query_scalar("select rolsuper or rolcreaterole from pg_roles where rolname = current_user")
        .fetch_one(&mut *db)
        .await?;
    Ok(ok)
}

/// Creates the schema and role of a schema-isolated tenant. Idempotent: a second call
/// finds both and changes nothing.
pub async fn create_schema_storage(db: &mut PgConnection, tenant: Uuid) -> Result<(), AppError> {
    let (schema, role) = (schema_name(tenant), role_name(tenant));
    let role_exists: bool = sqlx::query_scalar("select exists(select 1 from pg_roles where rolname = $1)")
        .bind(&role)
        .fetch_one(&mut *db)
        .await?;
    if !role_exists {
        db.execute(format!("create role {role} nologin noinherit").as_str())
            .await
            .map_err(|e| internal("create tenant role", e))?;
        // We must be a member to act as the role (PostgreSQL 15 does not make the creator
        // one); harmless for a superuser.
        db.execute(format!("grant {role} to current_user").as_str()).await.map_err(|e| internal("grant role", e))?;
    }
    db.execute(format!("create schema if not exists {schema} authorization {role}").as_str())
        .await
        .map_err(|e| internal("create tenant schema", e))?;
    db.execute(format!("revoke all on schema {schema} from public").as_str())
        .await
        .map_err(|e| internal("revoke schema", e))?;
    sqlx::query(
        "insert into tenant_storage (tenant_id, isolation, schema_name, role_name) values ($1, 'schema', $2, $3)
         on conflict (tenant_id) do nothing",
    )
    .bind(tenant)
    .bind(&schema)
    .bind(&role)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Records a row-isolated tenant's storage (the shared schema, brought up to date).
pub async fn create_row_storage(db: &mut PgConnection, tenant: Uuid) -> Result<(), AppError> {
    ensure_shared_schema(db).await?;
    sqlx::query(
        "insert into tenant_storage (tenant_id, isolation, schema_name) values ($1, 'row', $2)
         on conflict (tenant_id) do nothing",
    )
    .bind(tenant)
    .bind(SHARED_SCHEMA)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The shared row-level schema at the latest template version, every table under RLS.
/// Serialized by an advisory lock, so concurrent provisioning creates it once.
pub async fn ensure_shared_schema(db: &mut PgConnection) -> Result<(), AppError> {
    sqlx::query("select pg_advisory_xact_lock(hashtext('tenantry.shared_schema'))").execute(&mut *db).await?;
    let at: Option<i32> = sqlx::query_scalar("select version from template_schemas where schema_name = $1")
        .bind(SHARED_SCHEMA)
        .fetch_optional(&mut *db)
        .await?;
    if at == Some(latest_version()) {
        return Ok(());
    }
    // Roles belong to the whole cluster, not one database: another database on the same
    // server (a second deployment, or parallel tests) may create this one at the same time.
    db.execute(
        format!(
            "do $$ begin
                 if not exists (select 1 from pg_roles where rolname = '{ROWS_ROLE}') then
                     create role {ROWS_ROLE} nologin;
                 end if;
             exception when duplicate_object or unique_violation then null;
             end $$"
        )
        .as_str(),
    )
    .await
    .map_err(|e| internal("create rows role", e))?;
    db.execute(format!("grant {ROWS_ROLE} to current_user").as_str()).await.map_err(|e| internal("grant", e))?;
    db.execute(format!("create schema if not exists {SHARED_SCHEMA}").as_str()).await?;
    db.execute(format!("grant usage on schema {SHARED_SCHEMA} to {ROWS_ROLE}").as_str()).await?;
    for v in TEMPLATE.iter().filter(|v| v.version > at.unwrap_or(0)) {
        apply_sql(db, SHARED_SCHEMA, None, v.sql).await?;
    }
    protect_shared_tables(db).await?;
    sqlx::query(
        "insert into template_schemas (schema_name, version) values ($1, $2)
         on conflict (schema_name) do update set version = excluded.version, updated_at = now()",
    )
    .bind(SHARED_SCHEMA)
    .bind(latest_version())
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Row-level security on every shared table that lacks it, and DML for the rows role.
async fn protect_shared_tables(db: &mut PgConnection) -> Result<(), AppError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind in ('r', 'p') and not exists
                (select 1 from pg_policy p where p.polrelid = c.oid and p.polname = 'tenant_isolation')",
    )
    .bind(SHARED_SCHEMA)
    .fetch_all(&mut *db)
    .await?;
    for t in tables {
        let q = format!("{SHARED_SCHEMA}.{}", ident(&t));
        db.execute(
            format!(
                "alter table {q} enable row level security;
                 alter table {q} force row level security;
                 create policy tenant_isolation on {q}
                     using (tenant_id = nullif(current_setting('{TENANT_SETTING}', true), '')::uuid)
                     with check (tenant_id = nullif(current_setting('{TENANT_SETTING}', true), '')::uuid);
                 grant select, insert, update, delete on {q} to {ROWS_ROLE};"
            )
            .as_str(),
        )
        .await
        .map_err(|e| internal("row level security", e))?;
    }
    Ok(())
}

/// Runs one template version's SQL in `schema` (as `role` when given), restoring the
/// session afterwards.
async fn apply_sql(db: &mut PgConnection, schema: &str, role: Option<&str>, sql: &str) -> Result<(), AppError> {
    db.execute(format!("set local search_path to {schema}").as_str()).await?;
    if let Some(role) = role {
        db.execute(format!("set local role {role}").as_str()).await?;
    }
    // On failure the transaction is aborted; rolling back the step's savepoint restores
    // the role and search path.
    db.execute(sql).await.map_err(|e| internal("apply tenant template", e))?;
    db.execute("reset role; set local search_path to default").await?;
    Ok(())
}

/// (isolation, schema, role) of a tenant's storage, if it has any.
async fn storage_of(db: &mut PgConnection, tenant: Uuid) -> Result<Option<(String, String, Option<String>)>, AppError> {
    Ok(sqlx::query_as("select isolation, schema_name, role_name from tenant_storage where tenant_id = $1")
        .bind(tenant)
        .fetch_optional(&mut *db)
        .await?)
}

/// Brings one tenant's storage up to `target` (the latest when None). Idempotent: the
/// versions already applied are skipped. Returns the version the tenant is at.
pub async fn apply_template(db: &mut PgConnection, tenant: Uuid, target: Option<i32>) -> Result<i32, AppError> {
    let target = target.unwrap_or_else(latest_version);
    let storage = storage_of(db, tenant).await?;
    let Some((isolation, schema, role)) = storage else {
        return Err(AppError::conflict("The tenant has no storage yet."));
    };
    if isolation == "row" {
        ensure_shared_schema(db).await?;
        return Ok(latest_version());
    }
    // Lock this tenant's template row, so a roll-out and a retry never apply a version twice.
    let at: i32 = sqlx::query_scalar(
        "insert into template_schemas (schema_name, tenant_id, version) values ($1, $2, 0)
         on conflict (schema_name) do update set schema_name = excluded.schema_name
         returning version",
    )
    .bind(&schema)
    .bind(tenant)
    .fetch_one(&mut *db)
    .await?;
    if at >= target {
        return Ok(at);
    }
    for v in TEMPLATE.iter().filter(|v| v.version > at && v.version <= target) {
        apply_sql(db, &schema, role.as_deref(), v.sql).await?;
    }
    sqlx::query("update template_schemas set version = $2, updated_at = now() where schema_name = $1")
        .bind(&schema)
        .bind(target)
        .execute(&mut *db)
        .await?;
    Ok(target)
}

/// Applies arbitrary template SQL to one schema tenant and records `version` (used by the
/// roll-out and by the benchmark's synthetic versions).
pub async fn apply_version_sql(db: &mut PgConnection, tenant: Uuid, version: i32, sql: &str) -> Result<bool, AppError> {
    let row: Option<(String, Option<String>, i32)> = sqlx::query_as(
        "select s.schema_name, s.role_name, t.version from tenant_storage s
           join template_schemas t on t.tenant_id = s.tenant_id
          where s.tenant_id = $1 and s.isolation = 'schema' for update of t",
    )
    .bind(tenant)
    .fetch_optional(&mut *db)
    .await?;
    let Some((schema, role, at)) = row else { return Ok(false) };
    if at >= version {
        return Ok(false);
    }
    apply_sql(db, &schema, role.as_deref(), sql).await?;
    sqlx::query("update template_schemas set version = $2, updated_at = now() where schema_name = $1")
        .bind(&schema)
        .bind(version)
        .execute(&mut *db)
        .await?;
    Ok(true)
}

/// Removes a tenant's storage and everything in it: the schema and role, or its rows in
/// the shared tables. Idempotent.
pub async fn drop_storage(db: &mut PgConnection, tenant: Uuid) -> Result<(), AppError> {
    let (schema, role) = (schema_name(tenant), role_name(tenant));
    db.execute(format!("drop schema if exists {schema} cascade").as_str())
        .await
        .map_err(|e| internal("drop tenant schema", e))?;
    let role_exists: bool = sqlx::query_scalar("select exists(select 1 from pg_roles where rolname = $1)")
        .bind(&role)
        .fetch_one(&mut *db)
        .await?;
    if role_exists {
        db.execute(format!("drop owned by {role}; drop role {role}").as_str())
            .await
            .map_err(|e| internal("drop tenant role", e))?;
    }
    delete_shared_rows(db, tenant).await?;
    sqlx::query("delete from template_schemas where tenant_id = $1").bind(tenant).execute(&mut *db).await?;
    sqlx::query("delete from tenant_storage where tenant_id = $1").bind(tenant).execute(&mut *db).await?;
    Ok(())
}

/// Deletes the tenant's rows from every shared table, bound to the tenant so the
/// row-level policy admits them (FORCE ROW LEVEL SECURITY applies to the owner too).
async fn delete_shared_rows(db: &mut PgConnection, tenant: Uuid) -> Result<(), AppError> {
    let tables = shared_tables(db).await?;
    if tables.is_empty() {
        return Ok(());
    }
    bind_tenant(db, tenant).await?;
    // Children first: files reference projects.
    for t in tables.iter().rev() {
        sqlx::query(&format!("delete from {SHARED_SCHEMA}.{} where tenant_id = $1", ident(t)))
            .bind(tenant)
            .execute(&mut *db)
            .await?;
    }
    Ok(())
}

/// The tables of the shared schema, in creation order.
pub async fn shared_tables(db: &mut PgConnection) -> Result<Vec<String>, AppError> {
    tables_in(db, SHARED_SCHEMA).await
}

/// The tables of a schema, in creation order.
pub async fn tables_in(db: &mut PgConnection, schema: &str) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind in ('r', 'p') order by c.oid",
    )
    .bind(schema)
    .fetch_all(&mut *db)
    .await?)
}

/// Binds the transaction to one tenant for row-level security (until it ends).
pub async fn bind_tenant(db: &mut PgConnection, tenant: Uuid) -> Result<(), AppError> {
    sqlx::query("select set_config($1, $2, true)")
        .bind(TENANT_SETTING)
        .bind(tenant.to_string())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Runs the rest of the transaction as the tenant: its own role and schema, or the
/// non-owner rows role bound to its id. What tenant-bound code (exports, the tenant data
/// API) must use.
pub async fn act_as_tenant(db: &mut PgConnection, tenant: Uuid) -> Result<(), AppError> {
    let storage = storage_of(db, tenant).await?;
    let Some((isolation, schema, role)) = storage else {
        return Err(AppError::conflict("The tenant has no storage."));
    };
    bind_tenant(db, tenant).await?;
    let role = if isolation == "schema" { role.unwrap_or_default() } else { ROWS_ROLE.to_string() };
    db.execute(format!("set local search_path to {}; set local role {}", ident(&schema), ident(&role)).as_str())
        .await?;
    Ok(())
}

/// Whether the tenant still has a storage record.
pub async fn storage_rows(db: &mut PgConnection, tenant: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("select count(*) from tenant_storage where tenant_id = $1")
        .bind(tenant)
        .fetch_one(&mut *db)
        .await?)
}

/// What of a tenant's storage exists in the database: used to verify deletion and by
/// tests. (schemas, roles, shared rows)
pub async fn remains(db: &mut PgConnection, tenant: Uuid) -> Result<(i64, i64, i64), AppError> {
    let schemas: i64 = sqlx::query_scalar("select count(*) from pg_namespace where nspname = $1")
        .bind(schema_name(tenant))
        .fetch_one(&mut *db)
        .await?;
    let roles: i64 = sqlx::query_scalar("select count(*) from pg_roles where rolname = $1")
        .bind(role_name(tenant))
        .fetch_one(&mut *db)
        .await?;
    let mut rows = 0;
    let tables = shared_tables(db).await?;
    if !tables.is_empty() {
        bind_tenant(db, tenant).await?;
        for t in tables {
            let sql = format!("select count(*) from {SHARED_SCHEMA}.{} where tenant_id = $1", ident(&t));
            let n: i64 = sqlx::query_scalar(&sql).bind(tenant).fetch_one(&mut *db).await?;
            rows += n;
        }
    }
    Ok((schemas, roles, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_versions_are_consecutive_from_one() {
        for (i, v) in TEMPLATE.iter().enumerate() {
            assert_eq!(v.version, i as i32 + 1, "{}", v.name);
            assert!(!v.sql.trim().is_empty());
        }
        assert_eq!(latest_version(), TEMPLATE.len() as i32);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(ident("projects"), "\"projects\"");
        assert_eq!(ident("a\"; drop table x; --"), "\"a\"\"; drop table x; --\"");
    }

    #[test]
    fn names_are_plain_identifiers() {
        let id = Uuid::parse_str("0190f3c4-1111-7000-8000-00000000abcd").unwrap();
        for name in [schema_name(id), role_name(id)] {
            assert!(name.len() <= 63);
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "{name}");
        }
    }
}
