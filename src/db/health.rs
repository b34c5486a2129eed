//! What readiness asks the database.

use crate::error::AppError;
use sqlx::PgExecutor;

/// Migrations applied successfully.
pub async fn migrations_applied(db: impl PgExecutor<'_>) -> Result<i64, AppError> {
    // sqlx's own table (made by the migrator), so not checked at compile time.
    Ok(sqlx::query_scalar("select count(*) from _sqlx_migrations where success").fetch_one(db).await?)
}
