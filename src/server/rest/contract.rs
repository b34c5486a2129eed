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
//! - a route with parameters can be sent malformed ones (or text with NUL): 400;
//! - a route with a JSON body: 400 (not JSON), 413 (too large), 415 (not sent as JSON),
//!   422 (a field fails its rule);
//! - every route answers an API key 429 beyond its tenant's rate limit, with `Retry-After`,
//!   `RateLimit` and `RateLimit-Policy` (see `server::ratelimit`); a route's own 429
//!   documents `Retry-After` too.

use serde_json::{json, Map, Value};

const PUBLIC: &[&str] = &["/api/v1/openapi.json", "/healthz", "/readyz"];

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } }
    })
}

/// The headers every 429 answer carries (the rate-limit ones when a key's tenant limit
/// was reached).
fn retry_after() -> Value {
    json!({
        "Retry-After": { "description": "Seconds to wait before trying again.", "schema": { "type": "integer", "minimum": 1 } },
        "RateLimit-Policy": { "description": "For API keys: this instance's share of the tenant's limit, e.g. \"tenant\";q=50;w=1;burst=100.", "schema": { "type": "string" } },
        "RateLimit": { "description": "For API keys: requests left in the burst and seconds until the next is allowed, e.g. \"tenant\";r=0;t=1.", "schema": { "type": "string" } }
    })
}

/// Text without NUL: PostgreSQL can store no NUL character, so none is accepted anywhere
/// (the server refuses it up front, see `json::refuse_nul`).
const NUL_FREE: &str = "^[^\\u0000]*$";

/// Adds the shared statuses to every operation of `doc` (an OpenAPI document as JSON),
/// and states the rules every input shares.
pub fn complete(doc: &mut Value) {
    security(doc);
    inputs(doc);
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
            if has_query || has_path || has_body {
                add(
                    responses,
                    "400",
                    error("A parameter or the body could not be understood (wrong shape, NUL characters)."),
                );
            }
            add(
                responses,
                "429",
                error("An API key's tenant sent more requests than its plan allows (per second, with a burst); Retry-After says when to try again."),
            );
            if let Some(r) = responses.get_mut("429").filter(|r| r.get("headers").is_none()) {
                r["headers"] = retry_after();
            }
            if has_body {
                add(responses, "413", error("The body is larger than the server accepts."));
                add(responses, "415", error("The body was not sent as application/json."));
                add(responses, "422", error("A field breaks its rule; `fields` names each one with a message."));
            }
        }
    }
}

/// Lists the plans and regions a tenant may name, and the metrics a `metric` parameter may
/// name (they are rows, not constants).
pub fn catalog(doc: &mut Value, plans: &[String], regions: &[String], metrics: &[String]) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|i| i.values_mut()) {
            for p in op.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
                if p["name"] == "metric" && p["in"] == "query" {
                    p["schema"] = json!({ "type": "string", "enum": metrics });
                }
            }
        }
    }
    let schemas = &mut doc["components"]["schemas"];
    for (schema, field, values) in
        [("NewTenant", "plan", plans), ("TenantUpdate", "plan", plans), ("NewTenant", "region", regions)]
    {
        let prop = &mut schemas[schema]["properties"][field];
        if !prop.is_object() {
            continue;
        }
        let nullable = prop["type"].as_array().is_some_and(|t| t.iter().any(|t| t == "null"));
        let mut list: Vec<Value> = values.iter().map(|v| json!(v)).collect();
        if nullable {
            list.push(Value::Null);
        }
        prop["enum"] = Value::Array(list);
    }
}

/// The rules every input shares, stated on every input schema:
/// - strings without a pattern of their own are NUL-free;
/// - free-form objects (settings, metadata) hold JSON whose keys and strings are NUL-free;
/// - request bodies name their fields exactly (`additionalProperties: false`); the server
///   ignores unknown fields rather than failing on them, so older clients keep working.
fn inputs(doc: &mut Value) {
    let bodies: Vec<String> = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|op| op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str())
        .filter_map(|r| r.strip_prefix("#/components/schemas/"))
        .map(str::to_string)
        .collect();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|i| i.values_mut()) {
            if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                for p in params {
                    nul_free(&mut p["schema"]);
                }
            }
        }
    }
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    schemas.insert(
        "JsonValue".into(),
        json!({
            "description": "Any JSON value; keys and strings without NUL characters.",
            "anyOf": [
                { "type": "string", "pattern": NUL_FREE },
                { "type": ["number", "boolean", "null"] },
                { "type": "array", "items": { "$ref": "#/components/schemas/JsonValue" } },
                { "type": "object", "propertyNames": { "pattern": NUL_FREE },
                  "additionalProperties": { "$ref": "#/components/schemas/JsonValue" } }
            ]
        }),
    );
    let mut nested = Vec::new();
    for name in &bodies {
        if let Some(schema) = schemas.get_mut(name) {
            schema["additionalProperties"] = json!(false);
            for prop in schema["properties"].as_object_mut().into_iter().flat_map(|p| p.values_mut()) {
                nul_free(prop);
                free_form(prop);
                if let Some(r) = referenced(prop) {
                    nested.push(r);
                }
            }
        }
    }
    for name in nested {
        if let Some(schema) = schemas.get_mut(&name).filter(|s| s["properties"].is_object()) {
            schema["additionalProperties"] = json!(false);
            for prop in schema["properties"].as_object_mut().into_iter().flat_map(|p| p.values_mut()) {
                nul_free(prop);
            }
        }
    }
}

/// The component a property points at (directly, or as one branch of a nullable one).
fn referenced(prop: &Value) -> Option<String> {
    let direct = prop["$ref"].as_str();
    let branch = prop["oneOf"].as_array().and_then(|b| b.iter().find_map(|b| b["$ref"].as_str()));
    direct.or(branch).and_then(|r| r.strip_prefix("#/components/schemas/")).map(str::to_string)
}

fn is_type(schema: &Value, t: &str) -> bool {
    schema["type"] == t || schema["type"].as_array().is_some_and(|ts| ts.iter().any(|x| x == t))
}

/// Gives a string schema without its own pattern, enum or format the NUL-free pattern
/// (array items too).
fn nul_free(schema: &mut Value) {
    if is_type(schema, "array") {
        nul_free(&mut schema["items"]);
        return;
    }
    let plain = schema.get("pattern").is_none() && schema.get("enum").is_none() && schema.get("format").is_none();
    if is_type(schema, "string") && plain {
        schema["pattern"] = json!(NUL_FREE);
    }
}

/// A free-form object property (no properties of its own) holds NUL-free JSON.
fn free_form(schema: &mut Value) {
    if is_type(schema, "object") && schema.get("properties").is_none() {
        schema["propertyNames"] = json!({ "pattern": NUL_FREE });
        schema["additionalProperties"] = json!({ "$ref": "#/components/schemas/JsonValue" });
    }
    // A list of free-form objects (a usage batch's events): the same for each item.
    if is_type(schema, "array") {
        if let Some(items) = schema.get_mut("items") {
            free_form(items);
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
        assert_eq!(codes("/api/v1/things/{id}", "get"), ["200", "400", "401", "403", "404", "429"]);
        assert_eq!(
            codes("/api/v1/things/{id}", "put"),
            ["200", "400", "401", "403", "404", "409", "413", "415", "422", "429"]
        );
        assert_eq!(doc["paths"]["/api/v1/things/{id}"]["put"]["responses"]["409"]["description"], "own");
        assert_eq!(codes("/api/v1/things", "get"), ["200", "400", "401", "403", "429"]);
        assert_eq!(codes("/healthz", "get"), ["200"]);
        assert_eq!(doc["paths"]["/healthz"]["get"]["security"], json!([]));
        assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    }
}
