//! Branding (C2) over REST: colours are checked for contrast where they will sit (a
//! failing one is refused with one that passes), saved colours come back and paint the
//! tenant's pages, and only the tenant's owners and admins change them.

use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::{json, Value};
use tenantry::model::contrast::{Rgb, TEXT};

fn suggestion(message: &str) -> Rgb {
    let hex = message.split("Try ").nth(1).expect("a suggestion").trim_end_matches('.');
    Rgb::parse(hex).expect("a colour")
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn colours_are_checked_for_contrast_saved_and_applied(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Brand Alpha", "starter").await;
    let url = format!("/api/v1/tenants/{a}/branding");

    // #777 fails text on the light background; the message names a grey that passes.
    let (s, e) = admin.call("PUT", &url, Some(json!({ "primary_color": "#777777" }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let m = e["error"]["fields"]["branding.primary_color"].as_str().expect("the field's message").to_string();
    assert!(m.contains("4.29:1") && m.contains("4.50:1"), "{m}");
    let fix = suggestion(&m);
    assert!(fix.contrast(Rgb(0xfa, 0xfa, 0xfa)) >= TEXT, "{}", fix.hex());
    // A dark primary too dark for dark backgrounds, and a malformed accent, each say so.
    let (s, e) =
        admin.call("PUT", &url, Some(json!({ "dark_primary_color": "#3730a3", "accent_color": "blue" }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"]["fields"]["branding.dark_primary_color"].as_str().unwrap().contains(" on dark "), "{e}");
    assert!(e["error"]["fields"]["branding.accent_color"].is_string(), "{e}");
    // Nothing was saved by the refused attempts.
    let (_, b) = admin.get(&url).await;
    assert_eq!(b, json!({}));

    // #595959 passes; the suggestion passes too.
    let good = json!({ "primary_color": "#595959", "accent_color": fix.hex(), "logo_url": "https://cdn.example.com/logo.png" });
    let (s, saved) = admin.call("PUT", &url, Some(good.clone())).await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    assert_eq!(saved, good);
    let (s, b) = admin.get(&url).await;
    assert_eq!((s, &b), (StatusCode::OK, &good));
    let (_, t) = admin.get(&format!("/api/v1/tenants/{a}")).await;
    assert_eq!(t["branding"], good);
    assert!(admin.audit_actions(&a).await.iter().any(|x| x == "tenant.updated"));

    // The tenant's pages carry the colours for both schemes.
    let (s, _, html) = admin.send(get_page(&format!("/tenants/{a}"))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("brand-primary brand-accent"), "the classes");
    assert!(html.contains("--bl-primary:#595959"), "the light primary");
    assert!(html.contains("--bl-on-primary:#ffffff"), "white text on it");
    assert!(html.contains("--bd-primary:#"), "a dark primary derived from it");

    // A viewer reads them but can't change them; another tenant's admin sees nothing.
    let viewer = admin.member(&a, "viewer@brand.example", tenantry::model::Role::Viewer).await;
    let (s, _) = viewer.get(&url).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = viewer.call("PUT", &url, Some(json!({ "primary_color": "#000000" }))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let b = active_tenant(&admin, "Brand Beta", "starter").await;
    let other = admin.member(&b, "admin@beta.example", tenantry::model::Role::Admin).await;
    let (s, _) = other.get(&url).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, still) = admin.get(&url).await;
    assert_eq!(still, good);

    // Clearing: an empty body puts the portal's own colours back.
    let (s, cleared) = admin.call("PUT", &url, Some(json!({}))).await;
    assert_eq!((s, cleared), (StatusCode::OK, Value::Object(Default::default())));
    let (_, _, html) = admin.send(get_page(&format!("/tenants/{a}"))).await;
    assert!(!html.contains("--bl-primary"), "no colours left");
}

fn get_page(uri: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::get(uri).header("accept", "text/html").body(axum::body::Body::empty()).unwrap()
}
