//! Liveness and readiness (PRODUCT.md H1).

use crate::server::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema, PartialEq)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: String,
    pub database: String,
    pub migrations_applied: i64,
    pub migrations_expected: i64,
}

#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "The process is alive")))]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Whether the database answers and every migration this build knows is applied.
pub async fn check(state: &AppState) -> Readiness {
    let expected = crate::server::MIGRATOR.iter().filter(|m| m.migration_type.is_up_migration()).count() as i64;
    let applied: Result<i64, sqlx::Error> =
        sqlx::query_scalar("select count(*) from _sqlx_migrations where success").fetch_one(&state.pool).await;
    match applied {
        Ok(applied) => Readiness {
            status: if applied >= expected { "ready" } else { "not_ready" }.into(),
            database: "ok".into(),
            migrations_applied: applied,
            migrations_expected: expected,
        },
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Readiness {
                status: "not_ready".into(),
                database: "unreachable".into(),
                migrations_applied: 0,
                migrations_expected: expected,
            }
        }
    }
}

#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let r = check(&state).await;
    let code = if r.status == "ready" { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, Json(r))
}
