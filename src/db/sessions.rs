//! Sessions as rows (`auth_sessions`); the store itself is `server::session_store`.

use crate::error::AppError;
use sqlx::PgExecutor;
use uuid::Uuid;

/// Ends every session of a person (disabling them): the rows are deleted, so re-enabling
/// the account later revives none of the old cookies.
pub async fn delete_for_user(db: impl PgExecutor<'_>, user: Uuid) -> Result<u64, AppError> {
    Ok(sqlx::query!("delete from auth_sessions where user_id = $1", user).execute(db).await?.rows_affected())
}
