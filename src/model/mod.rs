//! Types shared by the server and the WebAssembly client, with the validation both run.

pub mod access;
pub mod audit;
pub mod identity;
pub mod plan;
pub mod query;
pub mod stats;
pub mod status;
pub mod tenant;
pub mod validate;
pub mod wizard;
pub mod workflow;

pub use access::{Me, Permission, Role, Scope, TenantMembership};
pub use audit::{AuditEvent, AuditQuery};
pub use identity::*;
pub use plan::{Catalog, Plan, Region};
pub use query::{Page, Sort, SortField, TenantQuery};
pub use stats::{Count, DayCount, TenantStats};
pub use status::{LifecycleAction, TenantStatus};
pub use tenant::{Branding, Isolation, NewTenant, Tenant, TenantSummary, TenantUpdate, ValidNewTenant};
pub use wizard::{WizardData, WizardDraft};
pub use workflow::{
    ExportInfo, Rollout, RunStatus, TemplateStatus, VersionCount, WorkflowKind, WorkflowRun, WorkflowStep,
};
