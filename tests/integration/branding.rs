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

/// Unfolds a quoted-printable body enough to search it (soft breaks and `=3D`).
fn unfold(mail: &str) -> String {
    mail.replace("=\r\n", "").replace("=3D", "=")
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn the_sign_in_page_and_invitations_wear_the_brand(pool: sqlx::PgPool) {
    let (admin, sink) = with_mail(pool, |c| c.tenancy.base_domain = "tenantry.test".into()).await;
    let a = active_tenant(&admin, "Brand Mail", "starter").await;
    let (s, b) =
        admin.call("PUT", &format!("/api/v1/tenants/{a}/branding"), Some(json!({ "primary_color": "#595959" }))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let logo = crate::logos::png(120, 40);
    let req = axum::http::Request::put(format!("/api/v1/tenants/{a}/branding/logo"))
        .header("content-type", "image/png")
        .body(axum::body::Body::from(logo))
        .unwrap();
    let (s, _, text) = admin.send(req).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let logo_url = serde_json::from_str::<Value>(&text).unwrap()["logo_url"].as_str().unwrap().to_string();

    // The sign-in page at the tenant's own address wears its name, logo and colours.
    let login = |host: &str| {
        axum::http::Request::get("/login")
            .header("host", host)
            .header("accept", "text/html")
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let (s, _, html) = admin.anon().send(login("brand-mail.tenantry.test")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("data-testid=\"sign-in-brand\""), "the brand block");
    assert!(html.contains("Brand Mail") && html.contains(&logo_url), "name and logo");
    assert!(html.contains("--bl-primary:#595959"), "its colours");
    // At the portal's own address, or a name under it that is no tenant: the portal's.
    for host in ["localhost", "nobody.tenantry.test"] {
        let (s, _, html) = admin.anon().send(login(host)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!html.contains("sign-in-brand") && !html.contains("--bl-primary"), "{host}");
    }

    // The invitation email: a header bar and button in the primary colour, white text on
    // it (what reads on #595959), and the logo at its absolute address.
    let (s, inv) = admin
        .call(
            "POST",
            &format!("/api/v1/tenants/{a}/invitations"),
            Some(json!({ "email": "new@brandmail.example", "role": "member" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    let mail = unfold(&sink.wait_for(1).await[0].data);
    assert!(mail.contains("background:#595959;color:#ffffff"), "{mail}");
    let public = admin.state.config.mail.public_url.trim_end_matches('/').to_string();
    assert!(mail.contains(&format!("src=\"{public}{logo_url}\"")), "{mail}");
    assert!(mail.contains("Accept the invitation"));
}
