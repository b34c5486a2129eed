//! The JSON Schema (2020-12) of a category's document, made from its field declarations,
//! so what services are told is exactly what the server checks.

use super::{Category, Kind};
use serde_json::{json, Map, Value};

pub fn json_schema(category: Category) -> Value {
    let mut properties = Map::new();
    for f in category.fields() {
        let mut p = match f.kind {
            Kind::Bool { default } => json!({ "type": "boolean", "default": default }),
            Kind::Int { min, max, default, .. } => {
                json!({ "type": "integer", "minimum": min, "maximum": max, "default": default })
            }
            Kind::Choice { options, default } => {
                json!({ "type": "string", "enum": options.iter().map(|(o, _)| *o).collect::<Vec<_>>(), "default": default })
            }
            Kind::Text { max, pattern } => {
                let mut s = json!({ "type": "string", "maxLength": max, "default": "" });
                if let Some(p) = pattern {
                    s["pattern"] = json!(p.regex);
                }
                s
            }
            Kind::Email => {
                json!({ "type": "string", "anyOf": [{ "const": "" }, { "format": "email" }], "default": "" })
            }
            Kind::Url => {
                json!({ "type": "string", "anyOf": [{ "const": "" }, { "pattern": "^https://" }], "maxLength": 2048, "default": "" })
            }
            Kind::Domains { max } => json!({
                "type": "array", "maxItems": max, "default": [],
                "items": { "type": "string", "format": "hostname", "maxLength": 253 }
            }),
        };
        p["title"] = json!(f.label);
        p["description"] = json!(f.help);
        properties.insert(f.key.to_string(), p);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("{} settings", category.label()),
        "description": category.description(),
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_every_field_with_its_bounds() {
        for c in Category::ALL {
            let s = json_schema(c);
            let props = s["properties"].as_object().unwrap();
            assert_eq!(props.len(), c.fields().len());
            for f in c.fields() {
                assert_eq!(props[f.key]["default"], f.default_value(), "{}", f.key);
            }
        }
        let auth = json_schema(Category::Auth);
        assert_eq!(auth["properties"]["session_timeout_minutes"]["minimum"], 5);
        assert_eq!(auth["additionalProperties"], false);
    }
}
