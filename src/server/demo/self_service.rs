//! Demo data for the tenant self-service features (C1–C4): the demo people's tenants
//! with their own branding, configuration history, a flag override and custom domains.

use sqlx::PgPool;

/// The demo people's two tenants run their own Settings: colours and a logo, a few saved
/// versions of their configuration (so there is a history to restore from), and a feature
/// flag override each (PRODUCT.md C1–C3).
pub(super) async fn seed_self_service(pool: &PgPool) -> Result<(), sqlx::Error> {
    use crate::db::config::NewVersion;
    let tenants: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("select id, name from tenants where status = 'active' order by name limit 2")
            .fetch_all(pool)
            .await?;
    let looks = [("#0f766e", "#db2777", "#0891b2"), ("#7e22ce", "#0891b2", "#db2777")];
    let err = |e: crate::error::AppError| sqlx::Error::Protocol(e.to_string());
    for ((id, name), (primary, secondary, accent)) in tenants.iter().zip(looks) {
        let initials: String = name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect();
        let svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="9" fill="{primary}"/><text x="20" y="26" text-anchor="middle" font-family="sans-serif" font-size="16" font-weight="700" fill="#fff">{initials}</text></svg>"##
        );
        let logo = crate::server::logo::check(Some("image/svg+xml"), svg.as_bytes()).map_err(err)?;
        let file = crate::db::logos::NewLogo {
            hash: &logo.hash,
            content_type: logo.kind.content_type,
            width: logo.width,
            height: logo.height,
            bytes: svg.as_bytes(),
        };
        crate::db::logos::insert(pool, *id, file).await.map_err(err)?;
        let branding = crate::model::Branding {
            logo_url: Some(crate::model::branding::logo_path(*id, &logo.hash, logo.kind.ext)),
            primary_color: Some(primary.into()),
            secondary_color: Some(secondary.into()),
            accent_color: Some(accent.into()),
            ..Default::default()
        };
        sqlx::query("update tenants set branding = $2 where id = $1")
            .bind(id)
            .bind(sqlx::types::Json(&branding))
            .execute(pool)
            .await?;
        let versions = [
            ("auth", serde_json::json!({ "session_timeout_minutes": 240 })),
            ("auth", serde_json::json!({ "session_timeout_minutes": 240, "mfa_required": true })),
            ("general", serde_json::json!({ "timezone": "Europe/Berlin", "locale": "de-DE" })),
        ];
        let mut next = std::collections::HashMap::new();
        for (category, values) in versions {
            let c = crate::model::config::Category::parse(category).unwrap_or(crate::model::config::Category::General);
            let doc = crate::model::config::validate(c, &values, &Default::default())
                .map(serde_json::Value::Object)
                .map_err(|e| sqlx::Error::Protocol(format!("{e:?}")))?;
            let version = next.entry(category).and_modify(|v| *v += 1).or_insert(1);
            let row = NewVersion {
                tenant: *id,
                category,
                version: *version,
                doc: &doc,
                author: "olivia@demo.example",
                actor_id: None,
                restored_from: None,
            };
            crate::db::config::insert(pool, row).await.map_err(err)?;
        }
    }
    let overrides = [
        ("webhooks", true, "Pilot of webhooks before the upgrade"),
        ("basic_reporting", false, "Reports move to the BI tool"),
    ];
    for ((id, _), (flag, on, why)) in tenants.iter().zip(overrides) {
        crate::db::flags::set_override(pool, *id, flag, on, why, "admin@example.com").await.map_err(err)?;
    }
    seed_domains(pool, &tenants).await
}

/// Every demo tenant's custom domain becomes a claim (C4): most verified, some waiting for
/// their record (the worker checks them on its schedule, live), a few given up on. The
/// demo people's tenants get a domain that waits for DNS, checked within a minute.
async fn seed_domains(pool: &PgPool, people: &[(uuid::Uuid, String)]) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"insert into tenant_domains (tenant_id, domain, token, status, created_at, created_by, window_started_at,
                                       checks, next_check_at, last_checked_at, last_result, verified_at)
           select t.id, t.domain, 'tenantry-verification=' || md5(t.id::text),
                  s.status, t.created_at, 'Demo data', t.created_at,
                  case s.status when 'pending' then 6 when 'failed' then 30 else 2 end,
                  case when s.status = 'pending' then now() + make_interval(mins => (abs(hashtext(t.slug)) % 50) + 5) end,
                  case s.status when 'verified' then t.created_at + interval '3 minutes' else now() - interval '20 minutes' end,
                  case s.status
                      when 'verified' then 'Found the token in the TXT record at _tenantry-challenge.' || t.domain || '.'
                      when 'pending' then 'There is no TXT record at _tenantry-challenge.' || t.domain || ' yet. DNS changes can take a while to spread.'
                      else 'Gave up after 7 days. Last answer: there is no TXT record at _tenantry-challenge.' || t.domain || ' yet.' end,
                  case when s.status = 'verified' then t.created_at + interval '3 minutes' end
           from tenants t
           cross join lateral (select case when abs(hashtext(t.slug)) % 10 < 6 then 'verified'
                                           when abs(hashtext(t.slug)) % 10 < 9 then 'pending'
                                           else 'failed' end as status) s
           where t.domain is not null and t.status <> 'terminated'
           on conflict do nothing"#,
    )
    .execute(pool)
    .await?;
    crate::db::domains::repoint_primary(pool, None).await.map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    for (id, _) in people {
        sqlx::query(
            "with t as (select id, 'portal.' || slug || '.example.com' as domain from tenants where id = $1 and domain is null)
             , claimed as (insert into tenant_domains (tenant_id, domain, token, created_by, next_check_at)
                           select id, domain, 'tenantry-verification=' || md5(random()::text), 'Demo data', now() + interval '1 minute'
                           from t on conflict do nothing returning tenant_id, domain)
             update tenants set domain = c.domain from claimed c where tenants.id = c.tenant_id",
        )
        .bind(id)
        .execute(pool)
        .await?;
    }
    Ok(())
}
