//! Types shared by the server and the WebAssembly client, with the validation both run.

pub mod access;

/// A documentation-only string type with length bounds and a pattern, for OpenAPI schemas
/// of list items (utoipa can't put validation on a newtype's field).
#[cfg(feature = "ssr")]
macro_rules! string_schema {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $pattern:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .min_length(Some($min))
                    .max_length(Some($max))
                    .pattern(Some($pattern))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}
#[cfg(feature = "ssr")]
pub(crate) use string_schema;
pub mod alerts;
pub mod audit;
pub mod branding;
pub mod config;
pub mod contrast;
pub mod domains;
pub mod flags;
pub mod forecast;
pub mod identity;
pub mod messages;
pub mod monitoring;
pub mod notifications;
pub mod plan;
pub mod plan_change;
pub mod policy;
pub mod query;
pub mod resources;
pub mod stats;
pub mod status;
pub mod tenant;
pub mod timestamp;
pub mod units;
pub mod usage;
pub mod validate;
pub mod webhooks;
pub mod whole;
pub mod wizard;
pub mod workflow;

pub use access::{Me, Permission, Role, Scope, TenantMembership};
pub use audit::{Actor, ActorKind, AuditEvent, AuditQuery};
pub use branding::Branding;
pub use identity::*;
pub use plan::{Catalog, Plan, Region};
pub use query::{Page, Sort, SortField, TenantQuery};
pub use stats::{Count, Dashboard, DayCount, NewestTenant, TenantStats};
pub use status::{LifecycleAction, TenantStatus};
pub use tenant::{Isolation, NewTenant, Tenant, TenantSummary, TenantUpdate, ValidNewTenant};
pub use wizard::{WizardData, WizardDraft};
pub use workflow::{
    ExportInfo, PlanChangeInput, ProvisionInput, Rollout, RunStatus, Step, StepStatus, TemplateStatus, VersionCount,
    WorkflowKind, WorkflowRun, WorkflowStep,
};
