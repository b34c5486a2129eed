//! Reloading what an action changed: a `Refresh` is a counter that resources read in their
//! source and actions bump; `TenantRefresh` is the one the tenant pages share.

use leptos::prelude::*;

/// Resources that read `track()` in their source load again after every `bump()`.
#[derive(Clone, Copy)]
pub struct Refresh(RwSignal<u32>);

impl Refresh {
    pub fn new() -> Self {
        Self(RwSignal::new(0))
    }

    /// Read in a resource's source: it loads again after each `bump`.
    pub fn track(&self) -> u32 {
        self.0.get()
    }

    /// Something changed: load again.
    pub fn bump(&self) {
        self.0.update(|n| *n += 1);
    }
}

impl Default for Refresh {
    fn default() -> Self {
        Self::new()
    }
}

/// Reloads the tenant shown by the tenant pages (their header, status and every tab);
/// `in_transition` while the shown status is one a workflow is moving it out of. Provided
/// by the tenant layout; a workflow list on a tenant's tab reloads the tenant through it
/// when its last unfinished run finishes.
#[derive(Clone, Copy)]
pub struct TenantRefresh {
    pub refresh: Refresh,
    pub in_transition: Signal<bool>,
    /// Set once the "settled before we looked" reload has happened (at most once per page,
    /// so a tenant stuck in transition without a run can't reload in a loop).
    pub rechecked: RwSignal<bool>,
    /// The last workflow run whose end reloaded the tenant (a run card rebuilt by that
    /// reload must not reload it again).
    pub settled_run: RwSignal<Option<uuid::Uuid>>,
}

pub fn use_tenant_refresh() -> Option<TenantRefresh> {
    use_context::<TenantRefresh>()
}
