//! The unread count of the notification centre (PRODUCT.md C5), shown in the sidebar:
//! loaded in the browser after the page, again every 30 seconds while the tab is visible (gloo-timers via
//! leptos' `set_interval`), and at once when the centre marks something read.

use super::Refresh;
use crate::fns::notifications::get_unread;
use leptos::prelude::*;
use std::time::Duration;

/// Bumped when the count may have changed.
#[derive(Clone, Copy)]
pub struct Unread(pub Refresh);

impl Unread {
    pub fn provide() {
        provide_context(Unread(Refresh::new()));
    }
}

/// Tells the sidebar's count to load again.
pub fn unread_changed() {
    if let Some(u) = use_context::<Unread>() {
        u.0.bump();
    }
}

/// Client-side only (a `LocalResource`): the server renders no count, so the sidebar
/// hydrates the same for everyone, and the count appears once loaded.
#[component]
pub fn UnreadBadge() -> impl IntoView {
    let refresh = use_context::<Unread>().map(|u| u.0).unwrap_or_default();
    let count = LocalResource::new(move || {
        refresh.track();
        get_unread()
    });
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if !document().hidden() {
                    refresh.bump();
                }
            },
            Duration::from_secs(30),
        )
        .ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    });
    move || {
        let n = count.get().and_then(Result::ok).filter(|n| *n > 0)?;
        let shown = if n > 99 { "99+".to_string() } else { n.to_string() };
        Some(
            view! { <span class="nav-count" data-testid="unread">{shown}<span class="sr-only">" unread"</span></span> },
        )
    }
}
