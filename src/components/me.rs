//! The signed-in person, loaded once for the whole app and refreshed after signing in,
//! switching tenant or signing out. Pages ask it what to show (`Me::can`); the server's
//! guard decides for real.

use crate::error::AppError;
use crate::fns::auth::current_user;
use crate::model::Me;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Session {
    me: Resource<Result<Option<Me>, AppError>>,
    epoch: RwSignal<u32>,
}

impl Session {
    pub fn provide() {
        let epoch = RwSignal::new(0u32);
        let me = Resource::new(move || epoch.get(), |_| current_user());
        provide_context(Session { me, epoch });
    }

    /// Load the person again (after sign-in, sign-out or a switch).
    pub fn refresh(&self) {
        self.epoch.update(|n| *n += 1);
    }

    /// The person, when loaded and signed in (tracks the resource; read inside Suspense).
    pub fn me(&self) -> Option<Me> {
        self.me.get().and_then(Result::ok).flatten()
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// The signed-in person, or None.
pub fn use_me() -> Option<Me> {
    use_context::<Session>().and_then(|s| s.me())
}
