//! Durable workflows as the UI and the REST API show them (PRODUCT.md P3, P4, P6).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What provisioning needs beyond the tenant row: the wizard's first admin and resources.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProvisionInput {
    #[serde(default)]
    pub first_admin_email: Option<String>,
    /// Resource → amount, overriding the plan's defaults (within its bounds).
    #[serde(default)]
    pub allocations: std::collections::BTreeMap<String, i64>,
}

/// What a workflow does to its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum WorkflowKind {
    Provision,
    Suspend,
    Resume,
    Terminate,
    ChangePlan,
}

impl WorkflowKind {
    pub const ALL: [WorkflowKind; 5] =
        [Self::Provision, Self::Suspend, Self::Resume, Self::Terminate, Self::ChangePlan];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provision => "provision",
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Terminate => "terminate",
            Self::ChangePlan => "change_plan",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Provision => "Provisioning",
            Self::Suspend => "Suspension",
            Self::Resume => "Resumption",
            Self::Terminate => "Termination",
            Self::ChangePlan => "Plan change",
        }
    }

    /// The steps, in order.
    pub fn steps(self) -> &'static [Step] {
        use Step::*;
        match self {
            Self::Provision => {
                &[Validate, CreateStorage, ApplyTemplate, ConfigureDefaults, FirstAdmin, Notify, Activate]
            }
            Self::Suspend => &[BlockAccess],
            Self::Resume => &[RestoreAccess],
            Self::Terminate => &[ExportData, RevokeAccess, DropStorage, VerifyRemoved, MarkTerminated],
            Self::ChangePlan => &[CheckFit, SnapshotPlan, ApplyPlan, VerifyPlan],
        }
    }

    /// Whether a permanent failure undoes the completed steps (newest first), and a retry
    /// therefore starts over. The others stop at the failed step, which a retry runs again.
    pub fn compensates(self) -> bool {
        matches!(self, Self::Provision | Self::ChangePlan)
    }
}

/// What a plan change is asked to do (the run's input).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanChangeInput {
    /// The plan the tenant moves to.
    pub plan: String,
}

/// A workflow step. Stored by name (`as_str`), so a name is forever; adding or renaming a
/// step is checked by the compiler wherever steps are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Validate,
    CreateStorage,
    ApplyTemplate,
    ConfigureDefaults,
    FirstAdmin,
    Notify,
    Activate,
    BlockAccess,
    RestoreAccess,
    ExportData,
    RevokeAccess,
    DropStorage,
    VerifyRemoved,
    MarkTerminated,
    CheckFit,
    SnapshotPlan,
    ApplyPlan,
    VerifyPlan,
}

impl Step {
    pub const ALL: [Step; 18] = [
        Self::Validate,
        Self::CreateStorage,
        Self::ApplyTemplate,
        Self::ConfigureDefaults,
        Self::FirstAdmin,
        Self::Notify,
        Self::Activate,
        Self::BlockAccess,
        Self::RestoreAccess,
        Self::ExportData,
        Self::RevokeAccess,
        Self::DropStorage,
        Self::VerifyRemoved,
        Self::MarkTerminated,
        Self::CheckFit,
        Self::SnapshotPlan,
        Self::ApplyPlan,
        Self::VerifyPlan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validate => "validate",
            Self::CreateStorage => "create_storage",
            Self::ApplyTemplate => "apply_template",
            Self::ConfigureDefaults => "configure_defaults",
            Self::FirstAdmin => "first_admin",
            Self::Notify => "notify",
            Self::Activate => "activate",
            Self::BlockAccess => "block_access",
            Self::RestoreAccess => "restore_access",
            Self::ExportData => "export_data",
            Self::RevokeAccess => "revoke_access",
            Self::DropStorage => "drop_storage",
            Self::VerifyRemoved => "verify_removed",
            Self::MarkTerminated => "mark_terminated",
            Self::CheckFit => "check_fit",
            Self::SnapshotPlan => "snapshot_plan",
            Self::ApplyPlan => "apply_plan",
            Self::VerifyPlan => "verify_plan",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A person-readable name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Validate => "Validate",
            Self::CreateStorage => "Create storage",
            Self::ApplyTemplate => "Apply tenant template",
            Self::ConfigureDefaults => "Configure defaults",
            Self::FirstAdmin => "Invite the first admin",
            Self::Notify => "Notify",
            Self::Activate => "Activate",
            Self::BlockAccess => "Block access",
            Self::RestoreAccess => "Restore access",
            Self::ExportData => "Export data",
            Self::RevokeAccess => "Revoke access",
            Self::DropStorage => "Delete storage",
            Self::VerifyRemoved => "Verify deletion",
            Self::MarkTerminated => "Mark terminated",
            Self::CheckFit => "Check use fits the new plan",
            Self::SnapshotPlan => "Snapshot plan, allocations and features",
            Self::ApplyPlan => "Apply the new plan",
            Self::VerifyPlan => "Verify",
        }
    }

    /// Whether the step may have an effect outside the database (email). The engine runs
    /// the steps before such a step together in one transaction, and commits before it, so
    /// a rolled-back attempt can never leave an email sent for work that did not happen.
    /// (The engine asks per run: Notify with nobody to invite stays in the database.)
    pub fn leaves_the_database(self) -> bool {
        matches!(self, Self::Notify)
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Running,
    Succeeded,
    Failed,
    Compensated,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Compensated => "compensated",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Pending,
    Running,
    Compensating,
    Succeeded,
    Failed,
    Discarded,
}

impl RunStatus {
    pub const ALL: [RunStatus; 6] =
        [Self::Pending, Self::Running, Self::Compensating, Self::Succeeded, Self::Failed, Self::Discarded];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Compensating => "compensating",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Discarded => "discarded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Still has work to do (the UI keeps refreshing while this is true).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Running | Self::Compensating)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WorkflowStep {
    pub position: i32,
    pub name: Step,
    pub status: StepStatus,
    pub attempts: i32,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i32>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WorkflowRun {
    pub id: Uuid,
    pub kind: WorkflowKind,
    pub tenant_id: Uuid,
    pub tenant_slug: String,
    pub tenant_name: String,
    pub status: RunStatus,
    pub error: Option<String>,
    pub failed_step: Option<Step>,
    pub requested_by: String,
    /// The person (or key) behind `requested_by`; the server's own, for redaction.
    #[serde(skip)]
    pub requested_by_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// When the next attempt is due (a retry waiting out its back-off).
    pub next_run_at: DateTime<Utc>,
    pub steps: Vec<WorkflowStep>,
}

impl WorkflowRun {
    /// Steps finished (succeeded) out of all, for progress bars.
    pub fn progress(&self) -> (usize, usize) {
        (self.steps.iter().filter(|s| s.status == StepStatus::Succeeded).count(), self.steps.len())
    }
}

/// A terminated tenant's data archive, as listed (without its bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct ExportInfo {
    pub id: Uuid,
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A roll-out of a tenant template version to every schema tenant (PRODUCT.md I2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Rollout {
    pub id: Uuid,
    pub version: i32,
    /// running, succeeded or failed.
    pub status: String,
    pub total: i32,
    pub done: i64,
    pub failed: i32,
    pub last_error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct VersionCount {
    pub version: i32,
    pub tenants: i64,
}

/// The tenant template: the newest version, where tenants are, and the roll-outs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TemplateStatus {
    pub latest_version: i32,
    /// Schema tenants per template version they are at (row tenants share one schema).
    pub tenants_by_version: Vec<VersionCount>,
    pub rollouts: Vec<Rollout>,
}
