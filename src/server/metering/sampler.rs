//! What the sampler measures itself (issue 11, "measured resources"): members plus pending
//! invitations, custom domains, the tenant's projects and data size, and open database
//! connections of its role. Read as the owner of the control plane; row-isolated tenants'
//! rows are counted with the transaction bound to each tenant, so row-level security
//! applies as it does everywhere else.

use crate::error::AppError;
use crate::server::storage::{bind_tenant, ident, SHARED_SCHEMA};
use sqlx::PgConnection;
use uuid::Uuid;

/// A tenant to sample and where its data lives (None: it has no storage, e.g. demo data).
pub struct Subject {
    pub tenant_id: Uuid,
    pub members: i64,
    pub domains: i64,
    pub schema: Option<String>,
    pub isolation: Option<String>,
    pub role: Option<String>,
}

/// Active tenants with their member + pending invitation counts and domain count.
pub async fn subjects(db: &mut PgConnection) -> Result<Vec<Subject>, AppError> {
    let rows = sqlx::query!(
        r#"select t.id,
                  (select count(*) from memberships m where m.tenant_id = t.id)
                + (select count(*) from invitations i
                   where i.tenant_id = t.id and i.accepted_at is null and i.revoked_at is null and i.expires_at > now())
                  as "members!",
                  (select count(*) from tenant_domains d where d.tenant_id = t.id and d.status <> 'failed') as "domains!",
                  s.schema_name as "schema?", s.isolation as "isolation?", s.role_name as "role?"
           from tenants t left join tenant_storage s on s.tenant_id = t.id
           where t.status = 'active' order by t.id"#
    )
    .fetch_all(&mut *db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Subject {
            tenant_id: r.id,
            members: r.members,
            domains: r.domains,
            schema: r.schema,
            isolation: r.isolation,
            role: r.role,
        })
        .collect())
}

/// Open connections per tenant role (`tnt_…`).
pub async fn connections(db: &mut PgConnection) -> Result<std::collections::HashMap<String, i64>, AppError> {
    let rows = sqlx::query!(
        r#"select usename::text as "role!", count(*) as "n!" from pg_stat_activity
           where usename like 'tnt\_%' group by usename"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.role, r.n)).collect())
}

/// (projects, bytes) of one tenant's own data. For a row-isolated tenant the caller's
/// transaction is bound to it (row-level security), until the next tenant rebinds it.
pub async fn data_of(db: &mut PgConnection, s: &Subject) -> Result<(i64, i64), AppError> {
    let (Some(schema), Some(isolation)) = (&s.schema, &s.isolation) else { return Ok((0, 0)) };
    if isolation == "schema" {
        let bytes: i64 = sqlx::query_scalar(
            "select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint from pg_class c
             join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind = 'r'",
        )
        .bind(schema)
        .fetch_one(&mut *db)
        .await?;
        let has_projects: bool = sqlx::query_scalar("select to_regclass($1) is not null")
            .bind(format!("{}.projects", ident(schema)))
            .fetch_one(&mut *db)
            .await?;
        let projects: i64 = if has_projects {
            sqlx::query_scalar(&format!("select count(*) from {}.projects", ident(schema))).fetch_one(&mut *db).await?
        } else {
            0
        };
        return Ok((projects, bytes));
    }
    bind_tenant(db, s.tenant_id).await?;
    let tables = crate::server::storage::shared_tables(db).await?;
    let projects: i64 = if tables.iter().any(|t| t == "projects") {
        sqlx::query_scalar(&format!("select count(*) from {}.projects where tenant_id = $1", ident(SHARED_SCHEMA)))
            .bind(s.tenant_id)
            .fetch_one(&mut *db)
            .await?
    } else {
        0
    };
    let mut bytes = 0i64;
    for table in tables {
        // Row-level security scopes this too; the explicit filter keeps it right for a
        // role that bypasses it (a superuser in development).
        let b: i64 = sqlx::query_scalar(&format!(
            "select coalesce(sum(pg_column_size(t.*)), 0)::bigint from {}.{} t where t.tenant_id = $1",
            ident(SHARED_SCHEMA),
            ident(&table)
        ))
        .bind(s.tenant_id)
        .fetch_one(&mut *db)
        .await?;
        bytes += b;
    }
    Ok((projects, bytes))
}
