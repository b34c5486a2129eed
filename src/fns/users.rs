//! Server functions for the platform's Users page.

use crate::error::AppError;
use crate::model::{Page, User};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{
    fns::respond, model::UserStatus, server::access::Caller, server::services::users as svc, server::state::AppState,
};

#[server]
pub async fn list_users(search: String, cursor: Option<String>) -> Result<Page<User>, AppError> {
    respond(
        async { svc::list(&AppState::from_context()?.pool, &Caller::current(), &search, cursor.as_deref()).await }
            .await,
    )
}

/// `active` or `disabled`.
#[server]
pub async fn set_user_status(user: Uuid, status: String) -> Result<User, AppError> {
    respond(
        async {
            let status = match status.as_str() {
                "active" => UserStatus::Active,
                "disabled" => UserStatus::Disabled,
                _ => return Err(AppError::invalid("status", "Use active or disabled.")),
            };
            svc::set_status(&AppState::from_context()?.pool, &Caller::current(), user, status).await
        }
        .await,
    )
}
