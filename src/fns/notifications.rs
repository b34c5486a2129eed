//! Server functions for notifications (PRODUCT.md C5): the signed-in person's choices and
//! their notification centre.

use crate::error::AppError;
use crate::model::notifications::{Inbox, PreferenceChange, Preferences};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::{
    fns::respond, model::notifications::PreferencesUpdate, server::access::Caller,
    server::services::notifications as svc, server::state::AppState,
};

/// The caller's choices for every tenant they belong to.
#[server]
pub async fn get_notification_prefs() -> Result<Preferences, AppError> {
    respond(async { svc::preferences(&AppState::from_context()?.pool, &Caller::current()).await }.await)
}

/// Saves some of the caller's choices.
#[server(input = Json)]
pub async fn set_notification_prefs(changes: Vec<PreferenceChange>) -> Result<Preferences, AppError> {
    respond(
        async {
            let update = PreferencesUpdate { preferences: changes };
            svc::set_preferences(&AppState::from_context()?.pool, &Caller::current(), &update).await
        }
        .await,
    )
}

/// The caller's newest notifications and unread count.
#[server]
pub async fn get_inbox(limit: i64) -> Result<Inbox, AppError> {
    respond(async { svc::inbox(&AppState::from_context()?.pool, &Caller::current(), limit).await }.await)
}

/// The caller's unread count (the sidebar's badge).
#[server]
pub async fn get_unread() -> Result<i64, AppError> {
    respond(async { svc::unread(&AppState::from_context()?.pool, &Caller::current()).await }.await)
}

/// Marks notifications read (these, or all); answers the unread count left.
#[server(input = Json)]
pub async fn mark_notifications_read(ids: Option<Vec<i64>>) -> Result<i64, AppError> {
    respond(async { svc::mark_read(&AppState::from_context()?.pool, &Caller::current(), ids).await }.await)
}
