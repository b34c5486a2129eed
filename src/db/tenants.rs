//! Queries on the `tenants` table.

use crate::error::AppError;
use crate::model::messages;
use crate::model::{
    Branding, Count, Isolation, Page, Sort, SortField, Tenant, TenantQuery, TenantStatus, TenantSummary,
};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

struct TenantRow {
    id: Uuid,
    slug: String,
    name: String,
    description: String,
    plan: String,
    isolation: Isolation,
    region: String,
    status: TenantStatus,
    status_reason: Option<String>,
    domain: Option<String>,
    features: Vec<String>,
    settings: serde_json::Value,
    branding: Json<Branding>,
    limits: serde_json::Value,
    metadata: serde_json::Value,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    activated_at: Option<DateTime<Utc>>,
    suspended_at: Option<DateTime<Utc>>,
    terminated_at: Option<DateTime<Utc>>,
    retention_until: Option<DateTime<Utc>>,
}

impl From<TenantRow> for Tenant {
    fn from(r: TenantRow) -> Self {
        Tenant {
            id: r.id,
            slug: r.slug,
            name: r.name,
            description: r.description,
            plan: r.plan,
            isolation: r.isolation,
            region: r.region,
            status: r.status,
            status_reason: r.status_reason,
            domain: r.domain,
            features: r.features,
            settings: r.settings,
            branding: r.branding.0,
            limits: r.limits,
            metadata: r.metadata,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            activated_at: r.activated_at,
            suspended_at: r.suspended_at,
            terminated_at: r.terminated_at,
            retention_until: r.retention_until,
        }
    }
}

pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Tenant>, AppError> {
    let row = sqlx::query_as!(
        TenantRow,
        r#"select id, slug, name, description, plan_id as plan,
                  isolation as "isolation: Isolation", region,
                  status as "status: TenantStatus", status_reason, domain,
                  tenant_features(id, plan_id) as "features!",
                  settings, branding as "branding: Json<Branding>", limits, metadata, version,
                  created_at as "created_at: _", updated_at as "updated_at: _",
                  activated_at as "activated_at: _", suspended_at as "suspended_at: _",
                  terminated_at as "terminated_at: _", retention_until as "retention_until: _"
           from tenants where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(Tenant::from))
}

/// Locks the tenant row until the transaction ends; false when there is no such tenant.
pub async fn lock(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!("select 1 as one from tenants where id = $1 for update", id)
        .fetch_optional(db)
        .await?
        .is_some())
}

/// A tenant's branding (for emails and the sign-in page).
pub async fn branding(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Branding>, AppError> {
    Ok(sqlx::query_scalar!(r#"select branding as "branding: Json<Branding>" from tenants where id = $1"#, id)
        .fetch_optional(db)
        .await?
        .map(|b| b.0))
}

pub async fn id_by_slug(db: impl PgExecutor<'_>, slug: &str) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!("select id from tenants where slug = $1", slug).fetch_optional(db).await?)
}

/// The tenant's name, its plan's name and its seat limit: the hard limit of its `users`
/// allocation (the plan's `max_users` when it has none).
pub async fn name_and_seats(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<(String, String, i64)>, AppError> {
    let row = sqlx::query!(
        r#"select t.name, p.name as plan_name,
                  coalesce((select a.hard_limit from tenant_allocations a where a.tenant_id = t.id and a.resource = 'users'),
                           p.max_users) as "max_users!"
           from tenants t join plans p on p.id = t.plan_id where t.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.name, r.plan_name, r.max_users)))
}

pub async fn name(db: impl PgExecutor<'_>, id: Uuid) -> Result<String, AppError> {
    Ok(sqlx::query_scalar!("select name from tenants where id = $1", id).fetch_one(db).await?)
}

/// The tenant's status, locking its row for the rest of the transaction.
pub async fn status_for_update(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<TenantStatus>, AppError> {
    Ok(sqlx::query_scalar!(r#"select status as "status: TenantStatus" from tenants where id = $1 for update"#, id)
        .fetch_optional(db)
        .await?)
}

/// Adds `defaults` to the tenant's settings; the tenant's own values win.
pub async fn merge_default_settings(
    db: impl PgExecutor<'_>,
    id: Uuid,
    defaults: &serde_json::Value,
) -> Result<(), AppError> {
    // `a || b` keeps b's keys.
    sqlx::query!(
        "update tenants set settings = $2::jsonb || settings where id = $1 and not (settings @> $2::jsonb)",
        id,
        defaults,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub struct Insert<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub plan: &'a str,
    pub isolation: Isolation,
    pub region: &'a str,
    pub domain: Option<&'a str>,
    pub settings: &'a serde_json::Value,
    pub branding: &'a Branding,
    pub metadata: &'a serde_json::Value,
}

pub async fn insert(db: impl PgExecutor<'_>, t: Insert<'_>) -> Result<Uuid, AppError> {
    sqlx::query_scalar!(
        r#"insert into tenants (slug, name, description, plan_id, isolation, region, domain,
                                settings, branding, metadata)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           returning id"#,
        t.slug,
        t.name,
        t.description,
        t.plan,
        t.isolation as Isolation,
        t.region,
        t.domain,
        t.settings,
        Json(t.branding) as _,
        t.metadata,
    )
    .fetch_one(db)
    .await
    .map_err(constraint_error)
}

/// Writes the editable fields of `t` (already merged with the change) and bumps the version.
pub async fn update(db: impl PgExecutor<'_>, t: &Tenant) -> Result<(), AppError> {
    sqlx::query!(
        r#"update tenants
           set name = $2, description = $3, plan_id = $4, domain = $5,
               settings = $6, branding = $7, metadata = $8,
               version = version + 1, updated_at = now()
           where id = $1"#,
        t.id,
        t.name,
        t.description,
        t.plan,
        t.domain,
        t.settings,
        Json(&t.branding) as _,
        t.metadata,
    )
    .execute(db)
    .await
    .map_err(constraint_error)?;
    Ok(())
}

/// Puts the tenant on `plan` (a plan change and its roll-back); its flags follow the plan
/// (`tenant_features`), its overrides stay.
pub async fn set_plan(db: impl PgExecutor<'_>, id: Uuid, plan: &str) -> Result<(), AppError> {
    sqlx::query!("update tenants set plan_id = $2, version = version + 1, updated_at = now() where id = $1", id, plan,)
        .execute(db)
        .await
        .map_err(constraint_error)?;
    Ok(())
}

/// Moves the tenant from `from` to `to` only if it is still in `from`; returns whether it
/// did. Two conflicting requests race here: the row lock makes the second one re-check its
/// condition after the first commits, so exactly one of them wins.
pub async fn set_status(
    db: impl PgExecutor<'_>,
    id: Uuid,
    from: TenantStatus,
    to: TenantStatus,
    reason: Option<&str>,
    retention_days: i32,
) -> Result<bool, AppError> {
    let done = sqlx::query!(
        r#"update tenants
           set status = $3,
               status_reason = case when $3 in ('suspended', 'terminating', 'terminated', 'failed')
                                    then coalesce($4, status_reason) end,
               activated_at = case when $3 = 'active' then now() else activated_at end,
               suspended_at = case when $3 = 'suspended' then now() else suspended_at end,
               terminated_at = case when $3 = 'terminated' then now() else terminated_at end,
               retention_until = case when $3 = 'terminated'
                                      then now() + make_interval(days => $5) else retention_until end,
               version = version + 1,
               updated_at = now()
           where id = $1 and status = $2"#,
        id,
        from as TenantStatus,
        to as TenantStatus,
        reason,
        retention_days,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Turns the constraint a write broke into a message about the field that caused it.
fn constraint_error(err: sqlx::Error) -> AppError {
    AppError::from_constraint(
        err,
        &[
            ("tenants_slug_key", AppError::conflict_on("slug", messages::SLUG_TAKEN)),
            ("tenants_domain_key", AppError::conflict_on("domain", messages::DOMAIN_TAKEN)),
            ("tenants_plan_id_fkey", AppError::invalid("plan", "Unknown plan.")),
            ("tenants_region_fkey", AppError::invalid("region", "Unknown region.")),
        ],
    )
}

/// The keyset position after the last row of a page, tied to the sort it was made for.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    /// The sort, as in the `sort` parameter.
    s: String,
    /// The sort key of the last row (text, or RFC 3339 for dates).
    v: String,
    id: Uuid,
}

fn encode_cursor(sort: Sort, row: &TenantSummary) -> String {
    let v = match sort.field {
        SortField::Name => row.name.to_lowercase(),
        SortField::Slug => row.slug.clone(),
        SortField::CreatedAt => row.created_at.to_rfc3339(),
        SortField::UpdatedAt => row.updated_at.to_rfc3339(),
    };
    let json = serde_json::to_vec(&Cursor { s: sort.as_param(), v, id: row.id }).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn decode_cursor(sort: Sort, cursor: &str) -> Result<Cursor, AppError> {
    let bad = || AppError::bad_request("The cursor is not valid. Start again from the first page.");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let c: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if c.s != sort.as_param() {
        return Err(AppError::bad_request("The cursor belongs to a different sort. Start again from the first page."));
    }
    Ok(c)
}

/// Escapes `%`, `_` and `\` so the text matches literally inside LIKE.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The half-open range of strings that start with `prefix`: [prefix, prefix with its last
/// character bumped). Compared byte-wise (`~>=~`), as the pattern indexes are.
fn prefix_range(prefix: &str) -> (String, String) {
    let mut upper: Vec<char> = prefix.chars().collect();
    while let Some(last) = upper.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            upper.push(next);
            return (prefix.to_string(), upper.into_iter().collect());
        }
    }
    // Only reachable for an empty prefix, which callers never pass.
    (prefix.to_string(), char::MAX.to_string())
}

/// Adds the search and filter conditions (all but status when `with_status` is false).
fn push_filters<'a>(qb: &mut QueryBuilder<'a, Postgres>, q: &TenantQuery, with_status: bool, only: Option<&'a [Uuid]>) {
    if let Some(ids) = only {
        qb.push(" and id = any(").push_bind(ids).push(")");
    }
    if let Some(text) = &q.q {
        let text = text.trim().to_lowercase();
        if text.chars().count() >= 3 {
            // Trigram index on the combined search column.
            qb.push(" and search like ").push_bind(format!("%{}%", like_escape(&text)));
        } else {
            // Too short for trigrams: a prefix match on name or slug, written as a range so
            // the text_pattern_ops indexes serve it even under a generic (prepared) plan,
            // where a bound LIKE pattern can't use them.
            let (from, to) = prefix_range(&text);
            qb.push(" and ((lower(name) ~>=~ ")
                .push_bind(from.clone())
                .push(" and lower(name) ~<~ ")
                .push_bind(to.clone());
            qb.push(") or (slug ~>=~ ").push_bind(from).push(" and slug ~<~ ").push_bind(to).push("))");
        }
    }
    if let (true, Some(s)) = (with_status, q.status) {
        qb.push(" and status = ").push_bind(s.as_str());
    }
    if let Some(p) = &q.plan {
        qb.push(" and plan_id = ").push_bind(p.clone());
    }
    if let Some(r) = &q.region {
        qb.push(" and region = ").push_bind(r.clone());
    }
    if let Some(i) = q.isolation {
        qb.push(" and isolation = ").push_bind(i.as_str());
    }
}

/// One page of tenants in the requested order, by keyset: stable while rows are added.
pub async fn list(
    db: impl PgExecutor<'_>,
    q: &TenantQuery,
    only: Option<&[Uuid]>,
) -> Result<Page<TenantSummary>, AppError> {
    let limit = q.limit() as i64;
    let (key, cast) = match q.sort.field {
        SortField::Name => ("lower(name)", "text"),
        SortField::Slug => ("slug", "text"),
        SortField::CreatedAt => ("created_at", "timestamptz"),
        SortField::UpdatedAt => ("updated_at", "timestamptz"),
    };
    let (cmp, dir) = if q.sort.descending { ("<", "desc") } else { (">", "asc") };

    let mut qb = QueryBuilder::<Postgres>::new(
        "select id, slug, name, plan_id as plan, isolation, region, status, domain, created_at, updated_at \
         from tenants where true",
    );
    push_filters(&mut qb, q, true, only);
    if let Some(c) = &q.cursor {
        let c = decode_cursor(q.sort, c)?;
        if cast == "timestamptz" && DateTime::parse_from_rfc3339(&c.v).is_err() {
            return Err(AppError::bad_request("The cursor is not valid. Start again from the first page."));
        }
        qb.push(format!(" and ({key}, id) {cmp} ("));
        qb.push_bind(c.v).push(format!("::{cast}, "));
        qb.push_bind(c.id).push(")");
    }
    qb.push(format!(" order by {key} {dir}, id {dir} limit "));
    qb.push_bind(limit + 1);

    let mut items: Vec<TenantSummary> = qb.build_query_as().fetch_all(db).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|last| encode_cursor(q.sort, last))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// Tenants per status among those matching the query's other filters.
pub async fn count_by_status(
    db: impl PgExecutor<'_>,
    q: &TenantQuery,
    only: Option<&[Uuid]>,
) -> Result<Vec<Count>, AppError> {
    let mut qb = QueryBuilder::<Postgres>::new("select status as key, count(*) as count from tenants where true");
    push_filters(&mut qb, q, false, only);
    qb.push(" group by status");
    let rows: Vec<(String, i64)> = qb.build_query_as().fetch_all(db).await?;
    let counts: Vec<Count> = TenantStatus::ALL
        .iter()
        .map(|s| Count {
            key: s.as_str().to_string(),
            count: rows.iter().find(|(k, _)| k == s.as_str()).map_or(0, |(_, n)| *n),
        })
        .collect();
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ranges_cover_exactly_the_prefix() {
        assert_eq!(prefix_range("ab"), ("ab".to_string(), "ac".to_string()));
        assert_eq!(prefix_range("a"), ("a".to_string(), "b".to_string()));
        assert_eq!(prefix_range("z9"), ("z9".to_string(), "z:".to_string()));
    }

    #[test]
    fn like_patterns_match_literally() {
        assert_eq!(like_escape("50%_off\\"), "50\\%\\_off\\\\");
    }

    #[test]
    fn cursors_are_tied_to_their_sort() {
        let row = TenantSummary {
            id: Uuid::nil(),
            slug: "acme".into(),
            name: "Acme".into(),
            plan: "free".into(),
            isolation: Isolation::Row,
            region: "eu-west-1".into(),
            status: TenantStatus::Active,
            domain: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let sort = Sort { field: SortField::Name, descending: false };
        let c = encode_cursor(sort, &row);
        assert_eq!(decode_cursor(sort, &c).unwrap().v, "acme");
        assert_eq!(decode_cursor(Sort::default(), &c).unwrap_err().status(), 400);
        assert_eq!(decode_cursor(sort, "not-a-cursor!").unwrap_err().status(), 400);
    }
}
