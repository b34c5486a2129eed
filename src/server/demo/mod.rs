//! Demo data: tenants across statuses, plans and regions with a plausible history. Used by
//! the run command on an empty database and by the benchmark (100,000 tenants). Rows are
//! written in bulk with UNNEST, bypassing the services so that history can be back-dated.

mod self_service;
use self_service::seed_self_service;

use crate::model::validate::slugify;
use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use std::collections::HashSet;
use uuid::Uuid;

const FIRST: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Aperture",
    "Massive",
    "Oceanic",
    "Pied",
    "Gringotts",
    "Nakatomi",
    "Virtucon",
    "Monarch",
    "Blue",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Litware",
    "Adatum",
    "Proseware",
    "Lucerne",
    "Wingtip",
    "Alpine",
    "Bright",
    "Cobalt",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Indigo",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Orchid",
    "Pioneer",
    "Quartz",
    "Redwood",
    "Summit",
    "Tundra",
    "Umber",
    "Vertex",
    "Willow",
    "Xenon",
    "Yonder",
    "Zephyr",
];
const SECOND: &[&str] = &[
    "Labs",
    "Systems",
    "Industries",
    "Dynamics",
    "Analytics",
    "Health",
    "Logistics",
    "Robotics",
    "Media",
    "Capital",
    "Energy",
    "Foods",
    "Studios",
    "Networks",
    "Cloud",
    "Security",
    "Bio",
    "Retail",
    "Travel",
    "Learning",
];
const SUFFIX: &[&str] = &["", " Inc", " Group", " Ltd", " Co"];
const REGIONS: &[&str] = &["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"];
const SUSPEND_REASONS: &[&str] = &[
    "Payment overdue for 30 days",
    "Abuse report under investigation",
    "Requested by the customer during a security review",
    "Exceeded hard limits repeatedly",
];
const TERMINATE_REASONS: &[&str] =
    &["Customer cancelled the subscription", "Trial ended without conversion", "Account merged into another tenant"];

#[derive(Default)]
struct Batch {
    id: Vec<Uuid>,
    slug: Vec<String>,
    name: Vec<String>,
    description: Vec<String>,
    plan: Vec<String>,
    isolation: Vec<String>,
    region: Vec<String>,
    status: Vec<String>,
    reason: Vec<Option<String>>,
    domain: Vec<Option<String>>,
    created: Vec<DateTime<Utc>>,
    updated: Vec<DateTime<Utc>>,
    activated: Vec<Option<DateTime<Utc>>>,
    suspended: Vec<Option<DateTime<Utc>>>,
    terminated: Vec<Option<DateTime<Utc>>>,
    // audit
    ev_tenant: Vec<Uuid>,
    ev_action: Vec<String>,
    ev_at: Vec<DateTime<Utc>>,
    ev_before: Vec<Option<serde_json::Value>>,
    ev_after: Vec<Option<serde_json::Value>>,
    ev_reason: Vec<Option<String>>,
}

impl Batch {
    fn event(&mut self, t: Uuid, action: &str, at: DateTime<Utc>, from: Option<&str>, to: &str, reason: Option<&str>) {
        self.ev_tenant.push(t);
        self.ev_action.push(action.to_string());
        self.ev_at.push(at);
        self.ev_before.push(from.map(|f| serde_json::json!({ "status": f })));
        self.ev_after.push(Some(serde_json::json!({ "status": to })));
        self.ev_reason.push(reason.map(str::to_string));
    }
}

fn pick<'a>(rng: &mut fastrand::Rng, items: &[&'a str]) -> &'a str {
    items[rng.usize(..items.len())]
}

/// Inserts `count` tenants with history. Deterministic for a given `seed`. Returns the
/// number of tenants written.
pub async fn seed(pool: &PgPool, count: usize, seed: u64) -> Result<usize, sqlx::Error> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let now = Utc::now();
    let mut used: HashSet<String> =
        sqlx::query_scalar::<_, String>("select slug from tenants").fetch_all(pool).await?.into_iter().collect();
    let mut written = 0;
    while written < count {
        let n = (count - written).min(5_000);
        let mut b = Batch::default();
        for i in 0..n {
            let name = format!("{} {}{}", pick(&mut rng, FIRST), pick(&mut rng, SECOND), pick(&mut rng, SUFFIX));
            let mut slug = slugify(&name);
            if used.contains(&slug) {
                slug = format!("{}-{}", slug, written + i);
            }
            used.insert(slug.clone());
            let id = Uuid::new_v4();
            let (plan, isolation) = match rng.u32(0..100) {
                0..=34 => ("free", "row"),
                35..=64 => ("starter", "row"),
                65..=89 => ("professional", "schema"),
                _ => ("enterprise", "schema"),
            };
            // Newer tenants are more common: square the uniform draw.
            let age_minutes = ((rng.f64() * rng.f64()) * 180.0 * 24.0 * 60.0) as i64;
            let created = now - Duration::minutes(age_minutes + 5);
            let status = match rng.u32(0..100) {
                0..=69 => "active",
                70..=77 => "suspended",
                78..=82 => "pending",
                83..=84 => "provisioning",
                85..=87 => "failed",
                88..=89 => "terminating",
                _ => "terminated",
            };
            let step = |k: i64| created + Duration::minutes(k.min(age_minutes));
            let mut reason = None;
            let (mut activated, mut suspended, mut terminated) = (None, None, None);
            b.event(id, "tenant.created", created, None, "pending", None);
            if status != "pending" {
                b.event(id, "tenant.provisioning", step(1), Some("pending"), "provisioning", None);
            }
            match status {
                "failed" => {
                    reason = Some("Storage could not be created in the region".to_string());
                    b.event(id, "tenant.failed", step(2), Some("provisioning"), "failed", reason.as_deref());
                }
                "active" | "suspended" | "terminating" | "terminated" => {
                    activated = Some(step(2));
                    b.event(id, "tenant.activated", step(2), Some("provisioning"), "active", None);
                    if status == "suspended" {
                        let at = step(age_minutes / 2 + 3);
                        reason = Some(pick(&mut rng, SUSPEND_REASONS).to_string());
                        suspended = Some(at);
                        b.event(id, "tenant.suspended", at, Some("active"), "suspended", reason.as_deref());
                    }
                    if status == "terminating" || status == "terminated" {
                        let at = step(age_minutes * 3 / 4 + 3);
                        reason = Some(pick(&mut rng, TERMINATE_REASONS).to_string());
                        b.event(id, "tenant.terminating", at, Some("active"), "terminating", reason.as_deref());
                        if status == "terminated" {
                            terminated = Some(at);
                            b.event(id, "tenant.terminated", at, Some("terminating"), "terminated", reason.as_deref());
                        }
                    }
                }
                _ => {}
            }
            let updated = *[Some(created), activated, suspended, terminated].iter().flatten().max().unwrap_or(&created);
            b.id.push(id);
            // A custom domain on one in five tenants whose plan includes one (the draw is
            // made either way, so the rest of the data stays the same).
            let with_domain = rng.u32(0..100) < 20 && plan != "free";
            b.domain.push(with_domain.then(|| format!("portal.{slug}.example.com")));
            b.slug.push(slug);
            b.description.push(format!("{name} workspace on the {plan} plan."));
            b.name.push(name);
            b.plan.push(plan.into());
            b.isolation.push(isolation.into());
            b.region.push(pick(&mut rng, REGIONS).into());
            b.status.push(status.into());
            b.reason.push(reason);
            b.created.push(created);
            b.updated.push(updated);
            b.activated.push(activated);
            b.suspended.push(suspended);
            b.terminated.push(terminated);
        }
        let mut tx = pool.begin().await?;
        sqlx::query(
            "insert into tenants (id, slug, name, description, plan_id, isolation, region, status, status_reason, \
                                  domain, created_at, updated_at, activated_at, suspended_at, terminated_at, \
                                  retention_until) \
             select t.id, t.slug, t.name, t.description, t.plan, t.isolation, t.region, t.status, t.reason, \
                    t.domain, t.created, t.updated, t.activated, t.suspended, t.terminated, \
                    t.terminated + interval '30 days' \
             from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
                         $8::text[], $9::text[], $10::text[], $11::timestamptz[], \
                         $12::timestamptz[], $13::timestamptz[], $14::timestamptz[], $15::timestamptz[]) \
                  as t(id, slug, name, description, plan, isolation, region, status, reason, domain, \
                       created, updated, activated, suspended, terminated)",
        )
        .bind(&b.id)
        .bind(&b.slug)
        .bind(&b.name)
        .bind(&b.description)
        .bind(&b.plan)
        .bind(&b.isolation)
        .bind(&b.region)
        .bind(&b.status)
        .bind(&b.reason)
        .bind(&b.domain)
        .bind(&b.created)
        .bind(&b.updated)
        .bind(&b.activated)
        .bind(&b.suspended)
        .bind(&b.terminated)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into audit_events (actor_type, actor_label, tenant_id, action, target_type, target_id, \
                                       occurred_at, before, after, reason) \
             select 'system', 'Demo data', e.t, e.a, 'tenant', e.t::text, e.at, e.b, e.f, e.r \
             from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::jsonb[], $5::jsonb[], $6::text[]) \
                  as e(t, a, at, b, f, r) order by e.at",
        )
        .bind(&b.ev_tenant)
        .bind(&b.ev_action)
        .bind(&b.ev_at)
        .bind(&b.ev_before)
        .bind(&b.ev_after)
        .bind(&b.ev_reason)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        written += n;
    }
    Ok(written)
}

/// Loads demo data once, on an empty database. Instances starting together take an
/// advisory lock, so only one of them loads. Also adds the demo people (`DEMO_PEOPLE`).
pub async fn load_if_empty(pool: &PgPool, count: usize) -> Result<bool, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::query("select pg_advisory_lock(hashtext('tenantry.demo'))").execute(&mut *conn).await?;
    let empty: bool = sqlx::query_scalar("select not exists(select 1 from tenants)").fetch_one(&mut *conn).await?;
    let mut result = if empty { seed(pool, count, 42).await.map(|_| true) } else { Ok(false) };
    if let Ok(true) = result {
        result = seed_people(pool).await.map(|_| true);
    }
    if let Ok(true) = result {
        result = seed_self_service(pool).await.map(|_| true);
    }
    sqlx::query("select pg_advisory_unlock(hashtext('tenantry.demo'))").execute(&mut *conn).await?;
    result
}

/// The password of the demo people (development only; never on a real deployment).
pub const DEMO_PASSWORD: &str = "demo password";

/// Email, name, and (tenant index, role) pairs.
pub type DemoPerson = (&'static str, &'static str, &'static [(usize, &'static str)]);

/// People to try roles and switching with: email, name, and (tenant index among the
/// active demo tenants by name, role) pairs.
pub const DEMO_PEOPLE: &[DemoPerson] = &[
    ("olivia@demo.example", "Olivia Owner", &[(0, "owner"), (1, "admin")]),
    ("mark@demo.example", "Mark Member", &[(0, "member")]),
    ("vera@demo.example", "Vera Viewer", &[(1, "viewer")]),
];

/// Demo people with memberships in the first active demo tenants.
async fn seed_people(pool: &PgPool) -> Result<(), sqlx::Error> {
    let tenants: Vec<uuid::Uuid> =
        sqlx::query_scalar("select id from tenants where status = 'active' order by name limit 2")
            .fetch_all(pool)
            .await?;
    let hash = password_auth::generate_hash(DEMO_PASSWORD);
    for (email, name, roles) in DEMO_PEOPLE {
        let id: uuid::Uuid = sqlx::query_scalar(
            "insert into users (email, name, password_hash) values ($1, $2, $3)
             on conflict (email) do update set name = excluded.name returning id",
        )
        .bind(email)
        .bind(name)
        .bind(&hash)
        .fetch_one(pool)
        .await?;
        for (i, role) in roles.iter() {
            if let Some(t) = tenants.get(*i) {
                sqlx::query(
                    "insert into memberships (tenant_id, user_id, role) values ($1, $2, $3) on conflict do nothing",
                )
                .bind(t)
                .bind(id)
                .bind(role)
                .execute(pool)
                .await?;
            }
        }
    }
    Ok(())
}
