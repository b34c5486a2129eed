//! The provisioning wizard's draft (PRODUCT.md P1): what has been typed so far, and the
//! rules of each step, run by the browser as people type and by the server when the draft
//! is saved and when the tenant is created.

use super::plan::check_allocations;
use super::validate::{check, check_description, check_email, check_name, check_slug, derived_slug, normalize_email};
use super::{Branding, Isolation, NewTenant, Plan};
use crate::error::FieldErrors;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The steps, in order (the last one, review, checks them all).
pub const STEPS: [&str; 6] = ["Organization", "Plan", "Resources", "Branding", "First admin", "Review"];
pub const REVIEW: usize = STEPS.len() - 1;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WizardData {
    #[serde(default)]
    pub name: String,
    /// Empty: derived from the name.
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub plan: String,
    /// None: the plan's default.
    #[serde(default)]
    pub isolation: Option<Isolation>,
    #[serde(default)]
    pub allocations: BTreeMap<String, i64>,
    #[serde(default)]
    pub logo_url: String,
    #[serde(default)]
    pub primary_color: String,
    #[serde(default)]
    pub secondary_color: String,
    #[serde(default)]
    pub first_admin_email: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WizardDraft {
    /// The step the person is on (0-based).
    pub step: usize,
    pub data: WizardData,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

impl WizardData {
    /// The slug that will be used: the one typed, or the name's.
    pub fn effective_slug(&self) -> String {
        opt(&self.slug).unwrap_or_else(|| derived_slug(&self.name))
    }

    pub fn branding(&self) -> Branding {
        Branding {
            logo_url: opt(&self.logo_url),
            primary_color: opt(&self.primary_color),
            secondary_color: opt(&self.secondary_color),
            ..Branding::default()
        }
    }

    /// Field errors of one step (REVIEW: of every step). `plans` is the catalog, to check
    /// the plan and the allocations against it.
    pub fn check_step(&self, step: usize, plans: &[Plan]) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let plan = plans.iter().find(|p| p.id == self.plan);
        let all = step >= REVIEW;
        if step == 0 || all {
            check(&mut errors, "name", check_name(self.name.trim()));
            check(&mut errors, "slug", check_slug(&self.effective_slug()));
            check(&mut errors, "description", check_description(self.description.trim()));
            if self.region.trim().is_empty() {
                errors.insert("region".into(), "Choose a region.".into());
            }
        }
        if (step == 1 || all) && plan.is_none() {
            errors.insert("plan".into(), "Choose a plan.".into());
        }
        if step == 2 || all {
            if let Some(p) = plan {
                if let Err(m) = check_allocations(p, &self.allocations) {
                    errors.insert("allocations".into(), m);
                }
            }
        }
        if step == 3 || all {
            self.branding().check(&mut errors);
        }
        if step == 4 || all {
            let email = normalize_email(&self.first_admin_email);
            if email.is_empty() {
                errors.insert("first_admin_email".into(), "Enter the email of the tenant's first admin.".into());
            } else {
                check(&mut errors, "first_admin_email", check_email(&email));
            }
        }
        errors
    }

    /// The step a field belongs to (to send people back to it).
    pub fn step_of(field: &str) -> usize {
        match field {
            "name" | "slug" | "description" | "region" => 0,
            "plan" | "isolation" => 1,
            "allocations" => 2,
            f if f.starts_with("branding") => 3,
            "first_admin_email" => 4,
            _ => REVIEW,
        }
    }

    pub fn to_new_tenant(&self) -> NewTenant {
        let branding = self.branding();
        NewTenant {
            name: self.name.trim().to_string(),
            slug: Some(self.effective_slug()),
            description: opt(&self.description),
            plan: self.plan.clone(),
            isolation: self.isolation,
            region: self.region.clone(),
            branding: (branding != Branding::default()).then_some(branding),
            first_admin_email: opt(&self.first_admin_email),
            allocations: (!self.allocations.is_empty()).then(|| self.allocations.clone()),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plans() -> Vec<Plan> {
        vec![crate::model::plan::sample_plan()]
    }

    fn filled() -> WizardData {
        WizardData {
            name: "Acme Corp".into(),
            region: "eu-west-1".into(),
            plan: "starter".into(),
            primary_color: "#3355ff".into(),
            first_admin_email: "Owner@Acme.example".into(),
            ..Default::default()
        }
    }

    #[test]
    fn each_step_checks_only_its_own_fields() {
        let empty = WizardData::default();
        let p = plans();
        assert!(empty.check_step(0, &p).contains_key("name"));
        assert!(empty.check_step(0, &p).contains_key("region"));
        assert!(!empty.check_step(0, &p).contains_key("plan"));
        assert!(empty.check_step(1, &p).contains_key("plan"));
        assert!(empty.check_step(2, &p).is_empty(), "no plan yet: nothing to check allocations against");
        assert!(empty.check_step(4, &p).contains_key("first_admin_email"));
        let review = empty.check_step(REVIEW, &p);
        for f in ["name", "region", "plan", "first_admin_email"] {
            assert!(review.contains_key(f), "{f} in {review:?}");
            assert!(WizardData::step_of(f) < REVIEW);
        }
        assert!(filled().check_step(REVIEW, &p).is_empty(), "{:?}", filled().check_step(REVIEW, &p));
    }

    #[test]
    fn bad_values_are_refused_with_the_field_named() {
        let p = plans();
        let mut d = filled();
        d.allocations.insert("storage_gb".into(), 21);
        d.primary_color = "blue-ish".into();
        d.first_admin_email = "not an email".into();
        d.slug = "Bad Slug".into();
        let e = d.check_step(REVIEW, &p);
        for f in ["allocations", "branding.primary_color", "first_admin_email", "slug"] {
            assert!(e.contains_key(f), "{f} in {e:?}");
        }
    }

    #[test]
    fn the_new_tenant_carries_everything_typed() {
        let t = filled().to_new_tenant();
        assert_eq!(t.slug.as_deref(), Some("acme-corp"));
        assert_eq!(t.first_admin_email.as_deref(), Some("Owner@Acme.example"));
        assert_eq!(t.branding.as_ref().unwrap().primary_color.as_deref(), Some("#3355ff"));
        assert!(t.allocations.is_none());
        assert!(t.validate().is_ok());
    }
}
