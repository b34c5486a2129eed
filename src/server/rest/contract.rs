//! The statuses every REST route shares, added to the OpenAPI document in one place so the
//! document states exactly what the server answers (O2): generated clients and contract
//! fuzzers (the suite runs schemathesis against it) agree with the server.
//!
//! What each route adds for itself (409, 429, its schemas and their constraints) stays in
//! its `#[utoipa::path]`; what follows from the shape of a route is added here:
//! - every route but the document itself needs a caller: 401, and 403 (role, API key
//!   scope, or a suspended tenant);
//! - a route with a path parameter names something that may not exist (or that the caller
//!   may not know of): 404;
//! - a route with query parameters can be sent malformed ones: 400;
//! - a route with a JSON body: 400 (not JSON), 413 (too large), 415 (not sent as JSON),
//!   422 (a field fails its rule).

use serde_json::{json, Map, Value};

const PUBLIC: &[&str] = &["/api/v1/openapi.json", "/healthz", "/readyz"];

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } }
    })
}

/// A 429 answer, with the header that says when to try again.
pub fn too_many(description: &str) -> Value {
    let mut r = error(description);
    r["headers"] = json!({
        "Retry-After": { "description": "Seconds to wait before trying again.", "schema": { "type": "integer", "minimum": 1 } }
    });
    r
}

/// Adds the shared statuses to every operation of `doc` (an OpenAPI document as JSON).
pub fn complete(doc: &mut Value) {
    security(doc);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            if !matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch") {
                continue;
            }
            let has_query = params(op).any(|p| p["in"] == "query");
            let has_path = params(op).any(|p| p["in"] == "path");
            let has_body = op.get("requestBody").is_some();
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            if PUBLIC.contains(&path.as_str()) {
                continue;
            }
            add(responses, "401", error("Not signed in, or the API key is unknown, revoked or malformed."));
            add(
                responses,
                "403",
                error("The caller may not do this: its role or API key scope does not allow it, or the tenant is not active."),
            );
            if has_path {
                add(responses, "404", error("Nothing with that id or slug exists that the caller may see."));
            }
            if has_query || has_body {
                add(responses, "400", error("A query parameter or the body could not be understood."));
            }
            if has_body {
                add(responses, "413", error("The body is larger than the server accepts."));
                add(responses, "415", error("The body was not sent as application/json."));
                add(responses, "422", error("A field breaks its rule; `fields` names each one with a message."));
            }
        }
    }
}

fn params(op: &Value) -> impl Iterator<Item = &Value> {
    op.get("parameters").and_then(Value::as_array).into_iter().flatten()
}

fn add(responses: &mut Map<String, Value>, status: &str, response: Value) {
    responses.entry(status).or_insert(response);
}

/// The two ways to call the API: an API key as a bearer token, or the portal's session
/// cookie (a browser's, or a script's after `POST /api/sign_in`).
fn security(doc: &mut Value) {
    let components = doc.as_object_mut().map(|d| d.entry("components").or_insert_with(|| json!({})));
    let Some(components) = components.and_then(Value::as_object_mut) else { return };
    components.insert(
        "securitySchemes".into(),
        json!({
            "api_key": { "type": "http", "scheme": "bearer", "description": "A tenant's API key: `tnt_<prefix>_<secret>`." },
            "session": { "type": "apiKey", "in": "cookie", "name": "tenantry_session",
                         "description": "The portal's session cookie (`__Host-tenantry_session` when the server uses secure cookies)." }
        }),
    );
    doc["security"] = json!([{ "api_key": [] }, { "session": [] }]);
    for public in PUBLIC {
        if let Some(item) = doc["paths"].get_mut(*public).and_then(Value::as_object_mut) {
            for op in item.values_mut() {
                if op.is_object() {
                    op["security"] = json!([]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_shape_of_each_route() {
        let mut doc = json!({ "paths": {
            "/api/v1/things/{id}": {
                "get": { "parameters": [{ "name": "id", "in": "path" }], "responses": { "200": {} } },
                "put": { "parameters": [{ "name": "id", "in": "path" }], "requestBody": {}, "responses": { "200": {}, "409": { "description": "own" } } }
            },
            "/api/v1/things": { "get": { "parameters": [{ "name": "q", "in": "query" }], "responses": { "200": {} } } },
            "/healthz": { "get": { "responses": { "200": {} } } }
        }});
        complete(&mut doc);
        let codes = |path: &str, m: &str| -> Vec<String> {
            doc["paths"][path][m]["responses"].as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(codes("/api/v1/things/{id}", "get"), ["200", "401", "403", "404"]);
        assert_eq!(
            codes("/api/v1/things/{id}", "put"),
            ["200", "400", "401", "403", "404", "409", "413", "415", "422"]
        );
        assert_eq!(doc["paths"]["/api/v1/things/{id}"]["put"]["responses"]["409"]["description"], "own");
        assert_eq!(codes("/api/v1/things", "get"), ["200", "400", "401", "403"]);
        assert_eq!(codes("/healthz", "get"), ["200"]);
        assert_eq!(doc["paths"]["/healthz"]["get"]["security"], json!([]));
        assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    }
}
