//! Server functions about the portal itself: readiness and the API description.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{fns::respond, model::Permission, server::access::Caller, server::state::AppState};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalHealth {
    pub ready: bool,
    pub database: String,
    pub migrations_applied: i64,
    pub migrations_expected: i64,
    pub version: String,
}

#[server]
pub async fn system_status() -> Result<PortalHealth, AppError> {
    respond(
        async {
            Caller::current().require(Permission::TenantRead)?;
            let r = crate::server::rest::health::check(&AppState::from_context()?).await;
            Ok(PortalHealth {
                ready: r.status == "ready",
                database: r.database,
                migrations_applied: r.migrations_applied,
                migrations_expected: r.migrations_expected,
                version: env!("CARGO_PKG_VERSION").into(),
            })
        }
        .await,
    )
}

/// One operation of the REST API, as the API page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiOperation {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub tag: String,
    pub params: Vec<String>,
    pub responses: Vec<String>,
}

/// The operations of the OpenAPI document, flattened for display.
#[server]
pub async fn api_operations() -> Result<Vec<ApiOperation>, AppError> {
    respond(
        async {
            Caller::current().require(Permission::TenantRead)?;
            let doc: serde_json::Value = serde_json::from_str(&crate::server::rest::openapi_json())
                .map_err(|e| AppError::internal("openapi", e))?;
            let mut ops = Vec::new();
            if let Some(paths) = doc["paths"].as_object() {
                for (path, item) in paths {
                    for method in ["get", "post", "put", "delete"] {
                        let Some(op) = item.get(method) else { continue };
                        let text = |k: &str| op.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
                        let summary = [text("summary"), text("description")]
                            .into_iter()
                            .find(|s| !s.is_empty())
                            .unwrap_or_default();
                        ops.push(ApiOperation {
                            method: method.to_uppercase(),
                            path: path.clone(),
                            summary,
                            tag: op["tags"][0].as_str().unwrap_or("other").to_string(),
                            params: op["parameters"]
                                .as_array()
                                .map(|ps| {
                                    ps.iter()
                                        .map(|p| {
                                            format!(
                                                "{} ({})",
                                                p["name"].as_str().unwrap_or(""),
                                                p["in"].as_str().unwrap_or("")
                                            )
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                            responses: op["responses"]
                                .as_object()
                                .map(|r| r.keys().cloned().collect())
                                .unwrap_or_default(),
                        });
                    }
                }
            }
            Ok(ops)
        }
        .await,
    )
}
