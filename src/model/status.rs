//! The tenant lifecycle (PRODUCT.md T2): statuses, the legal transitions between them,
//! and the operator actions built from those transitions. The UI asks this module which
//! buttons to show and the server asks it which requests to accept, so they never differ.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum TenantStatus {
    Pending,
    Provisioning,
    Active,
    Suspended,
    Terminating,
    Terminated,
    Failed,
}

impl TenantStatus {
    pub const ALL: [TenantStatus; 7] = [
        Self::Pending,
        Self::Provisioning,
        Self::Active,
        Self::Suspended,
        Self::Terminating,
        Self::Terminated,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Provisioning => "provisioning",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Terminating => "terminating",
            Self::Terminated => "terminated",
            Self::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Provisioning => "Provisioning",
            Self::Active => "Active",
            Self::Suspended => "Suspended",
            Self::Terminating => "Terminating",
            Self::Terminated => "Terminated",
            Self::Failed => "Failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The one definition of the lifecycle: may a tenant in `self` move to `to`?
    ///
    /// pending → provisioning → active ⇄ suspended → terminating → terminated, and
    /// provisioning → failed. Operators may also retry a failed tenant (failed →
    /// provisioning) and discard a tenant that never became active (pending or failed →
    /// terminating). Terminated is final.
    pub fn can_transition_to(self, to: TenantStatus) -> bool {
        use TenantStatus::*;
        matches!(
            (self, to),
            (Pending, Provisioning)
                | (Provisioning, Active)
                | (Provisioning, Failed)
                | (Active, Suspended)
                | (Suspended, Active)
                | (Active, Terminating)
                | (Suspended, Terminating)
                | (Terminating, Terminated)
                | (Failed, Provisioning)
                | (Pending, Terminating)
                | (Failed, Terminating)
        )
    }

    /// A status a workflow is moving the tenant out of (the page waits for it to settle).
    pub fn is_in_transition(self) -> bool {
        matches!(self, Self::Pending | Self::Provisioning | Self::Terminating)
    }

    /// Whether the tenant still exists for its users (not being or already removed).
    pub fn is_live(self) -> bool {
        !matches!(self, Self::Terminating | Self::Terminated)
    }
}

impl std::fmt::Display for TenantStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an operator can ask for. Each action walks one or more legal transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleAction {
    Activate,
    Suspend,
    Resume,
    Terminate,
}

impl LifecycleAction {
    pub const ALL: [LifecycleAction; 4] = [Self::Activate, Self::Suspend, Self::Resume, Self::Terminate];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Activate => "activate",
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Terminate => "terminate",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Activate => "Activate",
            Self::Suspend => "Suspend",
            Self::Resume => "Resume",
            Self::Terminate => "Delete",
        }
    }

    pub fn past_tense(self) -> &'static str {
        match self {
            Self::Activate => "activated",
            Self::Suspend => "suspended",
            Self::Resume => "resumed",
            Self::Terminate => "deleted",
        }
    }

    /// A sentence for the confirmation dialog.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Activate => "The tenant becomes active and its users can sign in.",
            Self::Suspend => "Access is blocked for the tenant's users and services. Its data is kept and it can be resumed at any time.",
            Self::Resume => "Access is restored for the tenant's users and services.",
            Self::Terminate => "The tenant is terminated and its data is kept only until the retention date. This cannot be undone from the portal.",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Suspending and terminating must say why.
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Suspend | Self::Terminate)
    }

    pub fn is_destructive(self) -> bool {
        matches!(self, Self::Suspend | Self::Terminate)
    }

    /// The statuses the tenant passes through, in order, when this action is taken from
    /// `from`; `None` when the action is not legal from there.
    pub fn path_from(self, from: TenantStatus) -> Option<Vec<TenantStatus>> {
        use TenantStatus::*;
        let plan: &[TenantStatus] = match (self, from) {
            // Until provisioning workflows exist, activation walks the provisioning step
            // at once; each step is still a checked, audited transition.
            (Self::Activate, Pending | Failed) => &[Provisioning, Active],
            (Self::Activate, Provisioning) => &[Active],
            (Self::Suspend, _) => &[Suspended],
            (Self::Resume, Suspended) => &[Active],
            (Self::Terminate, Terminating) => &[Terminated],
            (Self::Terminate, _) => &[Terminating, Terminated],
            _ => return None,
        };
        let mut at = from;
        for &next in plan {
            if !at.can_transition_to(next) {
                return None;
            }
            at = next;
        }
        Some(plan.to_vec())
    }

    pub fn target(self) -> TenantStatus {
        match self {
            Self::Activate | Self::Resume => TenantStatus::Active,
            Self::Suspend => TenantStatus::Suspended,
            Self::Terminate => TenantStatus::Terminated,
        }
    }

    /// The actions legal from `status`, in display order.
    pub fn available_from(status: TenantStatus) -> Vec<LifecycleAction> {
        Self::ALL.into_iter().filter(|a| a.path_from(status).is_some()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TenantStatus::*;

    #[test]
    fn every_pair_of_statuses_follows_the_lifecycle() {
        let legal = [
            (Pending, Provisioning),
            (Provisioning, Active),
            (Provisioning, Failed),
            (Active, Suspended),
            (Suspended, Active),
            (Active, Terminating),
            (Suspended, Terminating),
            (Terminating, Terminated),
            (Failed, Provisioning),
            (Pending, Terminating),
            (Failed, Terminating),
        ];
        let mut checked = 0;
        for from in TenantStatus::ALL {
            for to in TenantStatus::ALL {
                assert_eq!(from.can_transition_to(to), legal.contains(&(from, to)), "{from} -> {to}");
                checked += 1;
            }
        }
        assert_eq!(checked, 49);
    }

    #[test]
    fn terminated_is_final_and_no_status_moves_to_itself() {
        for to in TenantStatus::ALL {
            assert!(!Terminated.can_transition_to(to));
        }
        for s in TenantStatus::ALL {
            assert!(!s.can_transition_to(s), "{s} -> {s}");
        }
    }

    #[test]
    fn actions_offered_per_status() {
        assert_eq!(
            LifecycleAction::available_from(Pending),
            vec![LifecycleAction::Activate, LifecycleAction::Terminate]
        );
        assert_eq!(LifecycleAction::available_from(Active), vec![LifecycleAction::Suspend, LifecycleAction::Terminate]);
        assert_eq!(
            LifecycleAction::available_from(Suspended),
            vec![LifecycleAction::Resume, LifecycleAction::Terminate]
        );
        assert_eq!(LifecycleAction::available_from(Terminating), vec![LifecycleAction::Terminate]);
        assert!(LifecycleAction::available_from(Terminated).is_empty());
        assert_eq!(
            LifecycleAction::available_from(Failed),
            vec![LifecycleAction::Activate, LifecycleAction::Terminate]
        );
    }

    #[test]
    fn action_paths_are_made_of_legal_steps() {
        assert_eq!(LifecycleAction::Activate.path_from(Pending), Some(vec![Provisioning, Active]));
        assert_eq!(LifecycleAction::Terminate.path_from(Active), Some(vec![Terminating, Terminated]));
        assert_eq!(LifecycleAction::Suspend.path_from(Suspended), None);
        assert_eq!(LifecycleAction::Resume.path_from(Active), None);
        assert_eq!(LifecycleAction::Suspend.path_from(Pending), None);
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for s in TenantStatus::ALL {
            assert_eq!(TenantStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        assert_eq!(TenantStatus::parse("deleted"), None);
    }
}
