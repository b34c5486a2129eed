//! The signed-in person, loaded once for the whole app and refreshed after signing in,
//! switching tenant or signing out. Pages ask it what to show (`Me::can`); the server's
//! guard decides for real.

use crate::components::resource::{resource, Loaded};
use crate::error::AppError;
use crate::fns::auth::current_user;
use crate::model::{Me, Permission};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Session {
    me: Loaded<Result<Option<Me>, AppError>>,
    epoch: RwSignal<u32>,
}

impl Session {
    pub fn provide() {
        let epoch = RwSignal::new(0u32);
        let me = resource(move || epoch.get(), |_| current_user());
        provide_context(Session { me, epoch });
    }

    /// Load the person again (after sign-in, sign-out or a switch).
    pub fn refresh(&self) {
        self.epoch.update(|n| *n += 1);
    }

    /// The person, when loaded and signed in. Tracks the resource: call it inside a
    /// reactive closure (`move || session.me()`) under a `Suspense` or `Transition`.
    pub fn me(&self) -> Option<Me> {
        self.me.get().and_then(Result::ok).flatten()
    }

    /// Waits for the person: use it in a `Suspend` before building a view that depends on
    /// who is asking, so the server HTML and the hydrated page agree.
    pub async fn load(&self) -> Option<Me> {
        self.me.await.ok().flatten()
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Whether the person may read the audit trail of at least one tenant (platform admins:
/// all of them), for showing the audit log's links and panels.
pub fn reads_audit(me: &Me) -> bool {
    me.is_platform_admin || me.memberships.iter().any(|t| me.can(Permission::AuditRead, Some(t.tenant_id)))
}
