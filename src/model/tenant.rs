//! The tenant record (PRODUCT.md T1) and the inputs that create and change it.

use super::branding::Branding;
use super::status::TenantStatus;
use super::validate::*;
use crate::error::{AppError, FieldErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How a tenant's own data is kept apart (PRODUCT.md I1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum Isolation {
    /// Its own PostgreSQL schema and role.
    Schema,
    /// Shared tables with `tenant_id` under row-level security.
    Row,
}

impl Isolation {
    pub const ALL: [Isolation; 2] = [Self::Schema, Self::Row];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schema => "schema",
            Self::Row => "row",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Schema => "Schema per tenant",
            Self::Row => "Shared tables (row-level)",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == s)
    }
}

#[cfg(feature = "ssr")]
super::string_schema!(
    /// A feature flag key: a lowercase letter, then lowercase letters, digits, `_`, `-` or `.`.
    FeatureKey, 1, 64, r"^[a-z][a-z0-9_.-]{0,63}$"
);

/// Resource → amount for a new tenant; each at most the plan's amount (more is a 409).
#[cfg(feature = "ssr")]
#[derive(utoipa::ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Allocations {
    #[schema(minimum = 0)]
    users: Option<i64>,
    #[schema(minimum = 0)]
    storage_gb: Option<i64>,
    #[schema(minimum = 0)]
    bandwidth_gb: Option<i64>,
    #[schema(minimum = 0)]
    api_calls_per_month: Option<i64>,
    #[schema(minimum = 0)]
    custom_domains: Option<i64>,
    #[schema(minimum = 0)]
    projects: Option<i64>,
}

/// A tenant as the portal and the REST API show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Tenant {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub plan: String,
    pub isolation: Isolation,
    pub region: String,
    pub status: TenantStatus,
    /// Why the tenant is in its current status (given when suspending or terminating).
    pub status_reason: Option<String>,
    pub domain: Option<String>,
    pub features: Vec<String>,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub settings: serde_json::Value,
    pub branding: Branding,
    /// Per-tenant overrides of the plan's limits.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub limits: serde_json::Value,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub metadata: serde_json::Value,
    /// Increases with every change; send it back as `expected_version` to avoid
    /// overwriting someone else's edit.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub suspended_at: Option<DateTime<Utc>>,
    pub terminated_at: Option<DateTime<Utc>>,
    /// After this date a terminated tenant's data may be securely deleted.
    pub retention_until: Option<DateTime<Utc>>,
}

/// One row of the tenant list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct TenantSummary {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub plan: String,
    pub isolation: Isolation,
    pub region: String,
    pub status: TenantStatus,
    pub domain: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What it takes to create a tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewTenant {
    #[cfg_attr(
        feature = "ssr",
        schema(
            min_length = 1,
            max_length = 120,
            pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
        )
    )]
    pub name: String,
    /// Derived from the name when left out. A reserved or taken slug is a 409.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(min_length = 3, max_length = 63, pattern = r"^[a-z](-?[a-z0-9])+$"))]
    pub slug: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 2000))]
    pub description: Option<String>,
    /// One of the plans (GET /api/v1/plans).
    #[cfg_attr(feature = "ssr", schema(min_length = 1))]
    pub plan: String,
    /// Defaults to the plan's isolation model.
    #[serde(default)]
    pub isolation: Option<Isolation>,
    /// One of the regions (GET /api/v1/regions).
    #[cfg_attr(feature = "ssr", schema(min_length = 1))]
    pub region: String,
    /// A host name of the tenant's own (not one of the portal's); the plan must include a
    /// custom domain, and no other tenant may have it (409 otherwise).
    #[serde(default)]
    #[cfg_attr(
        feature = "ssr",
        schema(
            max_length = 253,
            pattern = r"^$|^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"
        )
    )]
    pub domain: Option<String>,
    /// Defaults to the plan's features.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_items = 100, inline, value_type = Option<Vec<FeatureKey>>))]
    pub features: Option<Vec<String>>,
    #[serde(default)]
    pub branding: Option<Branding>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub settings: Option<serde_json::Value>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub metadata: Option<serde_json::Value>,
    /// Invited as the tenant's owner when provisioning completes.
    #[serde(default)]
    #[cfg_attr(
        feature = "ssr",
        schema(max_length = 254, pattern = r"^[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$")
    )]
    pub first_admin_email: Option<String>,
    /// Resource → amount (users, storage_gb, bandwidth_gb, api_calls_per_month,
    /// custom_domains, projects); the plan's amounts when left out, never more (409).
    #[serde(default, deserialize_with = "super::whole::opt_map")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Allocations>))]
    pub allocations: Option<std::collections::BTreeMap<String, i64>>,
}

/// A new tenant whose fields have passed validation (plan and region existence are
/// checked against the database by the service).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidNewTenant {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub plan: String,
    pub isolation: Option<Isolation>,
    pub region: String,
    pub domain: Option<String>,
    pub features: Option<Vec<String>>,
    pub branding: Branding,
    pub settings: serde_json::Value,
    pub metadata: serde_json::Value,
    pub first_admin_email: Option<String>,
    pub allocations: std::collections::BTreeMap<String, i64>,
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn check_object(errors: &mut FieldErrors, field: &str, value: &Option<serde_json::Value>) {
    if let Some(v) = value {
        if !v.is_object() {
            check(errors, field, Err("Must be a JSON object.".into()));
        } else if v.to_string().len() > 64 * 1024 {
            check(errors, field, Err("Keep it under 64 KiB.".into()));
        }
    }
}

fn check_features(errors: &mut FieldErrors, features: &Option<Vec<String>>) {
    if let Some(list) = features {
        if list.len() > 100 {
            check(errors, "features", Err("At most 100 features.".into()));
        }
        for f in list {
            check(errors, "features", check_feature(f));
        }
    }
}

/// The checks creating and editing share: domain, features, branding, settings, metadata.
fn check_details(
    errors: &mut FieldErrors,
    domain: Option<&str>,
    features: &Option<Vec<String>>,
    branding: Option<&Branding>,
    settings: &Option<serde_json::Value>,
    metadata: &Option<serde_json::Value>,
) {
    if let Some(d) = domain.map(str::trim).filter(|d| !d.is_empty()) {
        check(errors, "domain", check_domain(&d.to_ascii_lowercase()));
    }
    check_features(errors, features);
    if let Some(b) = branding {
        b.check(errors);
    }
    check_object(errors, "settings", settings);
    check_object(errors, "metadata", metadata);
}

impl NewTenant {
    /// Runs every field rule and collects all messages at once.
    pub fn validate(&self) -> Result<ValidNewTenant, AppError> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim().to_string();
        check(&mut errors, "name", check_name(&name));
        let slug = non_empty(&self.slug).unwrap_or_else(|| derived_slug(&name));
        if !name.is_empty() || self.slug.is_some() {
            check(&mut errors, "slug", check_slug(&slug));
        }
        let description = non_empty(&self.description).unwrap_or_default();
        check(&mut errors, "description", check_description(&description));
        if self.plan.trim().is_empty() {
            check(&mut errors, "plan", Err("Choose a plan.".into()));
        }
        if self.region.trim().is_empty() {
            check(&mut errors, "region", Err("Choose a region.".into()));
        }
        let domain = non_empty(&self.domain).map(|d| d.to_ascii_lowercase());
        let branding = self.branding.clone().unwrap_or_default();
        check_details(&mut errors, domain.as_deref(), &self.features, Some(&branding), &self.settings, &self.metadata);
        let first_admin_email = non_empty(&self.first_admin_email).map(|e| super::validate::normalize_email(&e));
        if let Some(email) = &first_admin_email {
            check(&mut errors, "first_admin_email", super::validate::check_email(email));
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        Ok(ValidNewTenant {
            name,
            slug,
            description,
            plan: self.plan.trim().to_string(),
            isolation: self.isolation,
            region: self.region.trim().to_string(),
            domain,
            features: self.features.clone(),
            branding,
            settings: self.settings.clone().unwrap_or_else(|| serde_json::json!({})),
            metadata: self.metadata.clone().unwrap_or_else(|| serde_json::json!({})),
            first_admin_email,
            allocations: self.allocations.clone().unwrap_or_default(),
        })
    }
}

/// A change to a tenant: only the fields given are changed. The slug, region and
/// isolation model are fixed once a tenant exists (moving them is a migration).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TenantUpdate {
    #[serde(default)]
    #[cfg_attr(
        feature = "ssr",
        schema(
            min_length = 1,
            max_length = 120,
            pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
        )
    )]
    pub name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 2000))]
    pub description: Option<String>,
    /// One of the plans; platform admins only (403 for others).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(min_length = 1))]
    pub plan: Option<String>,
    /// An empty string removes the custom domain.
    #[serde(default)]
    #[cfg_attr(
        feature = "ssr",
        schema(
            max_length = 253,
            pattern = r"^$|^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"
        )
    )]
    pub domain: Option<String>,
    /// Platform admins only (403 for others).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_items = 100, inline, value_type = Option<Vec<FeatureKey>>))]
    pub features: Option<Vec<String>>,
    #[serde(default)]
    pub branding: Option<Branding>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub settings: Option<serde_json::Value>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub metadata: Option<serde_json::Value>,
    /// When given, the change is refused with 409 if the tenant changed since.
    #[serde(default, deserialize_with = "super::whole::opt_i32")]
    pub expected_version: Option<i32>,
}

impl TenantUpdate {
    pub fn validate(&self) -> Result<(), AppError> {
        let mut errors = FieldErrors::new();
        if let Some(name) = &self.name {
            check(&mut errors, "name", check_name(name));
        }
        if let Some(d) = &self.description {
            check(&mut errors, "description", check_description(d));
        }
        if let Some(p) = &self.plan {
            if p.trim().is_empty() {
                check(&mut errors, "plan", Err("Choose a plan.".into()));
            }
        }
        check_details(
            &mut errors,
            self.domain.as_deref(),
            &self.features,
            self.branding.as_ref(),
            &self.settings,
            &self.metadata,
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::validation(errors))
        }
    }

    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.plan.is_none()
            && self.domain.is_none()
            && self.features.is_none()
            && self.branding.is_none()
            && self.settings.is_none()
            && self.metadata.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> NewTenant {
        NewTenant { name: "Acme Corp".into(), plan: "starter".into(), region: "eu-west-1".into(), ..Default::default() }
    }

    #[test]
    fn new_tenant_derives_its_slug() {
        let v = base().validate().unwrap();
        assert_eq!(v.slug, "acme-corp");
        assert_eq!(v.settings, serde_json::json!({}));
    }

    #[test]
    fn new_tenant_collects_every_field_error() {
        let t = NewTenant {
            name: " ".into(),
            slug: Some("Bad Slug".into()),
            plan: "".into(),
            region: "".into(),
            domain: Some("nodot".into()),
            branding: Some(Branding { primary_color: Some("red".into()), ..Default::default() }),
            settings: Some(serde_json::json!([1, 2])),
            ..Default::default()
        };
        let err = t.validate().unwrap_err();
        assert_eq!(err.status(), 422);
        for f in ["name", "slug", "plan", "region", "domain", "branding.primary_color", "settings"] {
            assert!(err.field(f).is_some(), "missing error for {f}: {err:?}");
        }
    }

    #[test]
    fn empty_update_changes_nothing_and_bad_fields_are_named() {
        // An update without fields is valid (the service finds nothing to change and
        // writes nothing), as its schema, where every field is optional, says.
        assert!(TenantUpdate::default().validate().is_ok());
        let err = TenantUpdate { name: Some("".into()), ..Default::default() }.validate().unwrap_err();
        assert!(err.field("name").is_some());
        assert!(TenantUpdate { domain: Some("".into()), ..Default::default() }.validate().is_ok());
    }
}
