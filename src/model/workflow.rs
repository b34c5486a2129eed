//! Durable workflows as the UI and the REST API show them (PRODUCT.md P3, P4, P6).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a workflow does to its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WorkflowKind {
    Provision,
    Suspend,
    Resume,
    Terminate,
}

impl WorkflowKind {
    pub const ALL: [WorkflowKind; 4] = [Self::Provision, Self::Suspend, Self::Resume, Self::Terminate];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provision => "provision",
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Terminate => "terminate",
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
        }
    }

    /// The steps, in order. The engine runs them by name, so a name is forever.
    pub fn steps(self) -> &'static [&'static str] {
        match self {
            Self::Provision => &[
                "validate",
                "create_storage",
                "apply_template",
                "configure_defaults",
                "first_admin",
                "notify",
                "activate",
            ],
            Self::Suspend => &["block_access"],
            Self::Resume => &["restore_access"],
            Self::Terminate => &["export_data", "revoke_access", "drop_storage", "verify_removed", "mark_terminated"],
        }
    }
}

/// A person-readable name for a step.
pub fn step_label(name: &str) -> &'static str {
    match name {
        "validate" => "Validate",
        "create_storage" => "Create storage",
        "apply_template" => "Apply tenant template",
        "configure_defaults" => "Configure defaults",
        "first_admin" => "Invite the first admin",
        "notify" => "Notify",
        "activate" => "Activate",
        "block_access" => "Block access",
        "restore_access" => "Restore access",
        "export_data" => "Export data",
        "revoke_access" => "Revoke access",
        "drop_storage" => "Delete storage",
        "verify_removed" => "Verify deletion",
        "mark_terminated" => "Mark terminated",
        _ => "Step",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    pub name: String,
    /// pending, running, succeeded, failed or compensated.
    pub status: String,
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
    pub failed_step: Option<String>,
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
        (self.steps.iter().filter(|s| s.status == "succeeded").count(), self.steps.len())
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
