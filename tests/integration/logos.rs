//! Logo uploads (C2) over REST: a good file is stored with the tenant and served at an
//! address named by its hash, cached and `nosniff`; every bad kind of file is refused with
//! its reason and changes nothing; only the current logo is kept; and only the tenant's
//! owners and admins upload.

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use sha2::Digest;

/// A real PNG of `w`×`h` pixels (one colour), built by hand: signature, IHDR, one
/// zlib-compressed IDAT, IEND, each chunk with its CRC.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend(kind);
        out.extend(data);
        out.extend(crc.sum().to_be_bytes());
    }
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB
    let row: Vec<u8> = std::iter::once(0).chain((0..w).flat_map(|_| [0x1d, 0x4e, 0xd8])).collect();
    let raw: Vec<u8> = (0..h).flat_map(|_| row.clone()).collect();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut z, &raw).unwrap();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}

const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><defs><linearGradient id="g"><stop offset="0" stop-color="#1d4ed8"/></linearGradient></defs><rect width="120" height="40" fill="url(#g)"/></svg>"##;

async fn upload(app: &TestApp, tenant: &str, content_type: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let req = Request::put(format!("/api/v1/tenants/{tenant}/branding/logo"))
        .header("content-type", content_type)
        .body(Body::from(bytes))
        .unwrap();
    let (s, _, text) = app.send(req).await;
    (s, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn logo_rows(pool: &sqlx::PgPool, tenant: &str) -> i64 {
    let id: uuid::Uuid = tenant.parse().unwrap();
    sqlx::query_scalar("select count(*) from tenant_logos where tenant_id = $1").bind(id).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn logos_are_checked_stored_served_and_replaced(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool.clone()).await;
    let a = active_tenant(&admin, "Logo Alpha", "starter").await;
    admin.call("PUT", &format!("/api/v1/tenants/{a}/branding"), Some(json!({ "primary_color": "#1d4ed8" }))).await;

    // A PNG: stored, and the branding points at it (the colours stay).
    let file = png(200, 80);
    let (s, b) = upload(&admin, &a, "image/png", file.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let hash = format!("{:x}", sha2::Sha256::digest(&file));
    let url = format!("/logos/{a}/{hash}.png");
    assert_eq!(b, json!({ "logo_url": url, "primary_color": "#1d4ed8" }));
    assert!(admin.audit_actions(&a).await.iter().any(|x| x == "tenant.updated"));

    // Served to anyone, as it was sent, cached for a year, not sniffed, sandboxed.
    let (s, h, bytes) = admin.anon().send_bytes(Request::get(&url).body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(bytes, file);
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"].to_str().unwrap().contains("sandbox"));
    // The tenant's header shows it.
    let page = Request::get(format!("/tenants/{a}")).header("accept", "text/html").body(Body::empty()).unwrap();
    let (_, _, html) = admin.send(page).await;
    assert!(html.contains(&format!("src=\"{url}\"")), "the logo in the header");

    // Every bad kind of file is refused with its reason; nothing changes.
    let html_png = b"<!doctype html><html><script>alert(document.cookie)</script></html>".to_vec();
    let mut big = png(100, 100);
    big.resize(600 * 1024, 0);
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        ("text/html", html_png.clone(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "PNG, JPEG, WebP or SVG"),
        ("image/gif", b"GIF89a\x01\x00\x01\x00".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "image/gif"),
        ("image/png", big, StatusCode::PAYLOAD_TOO_LARGE, "512 KB"),
        ("image/png", html_png, StatusCode::UNPROCESSABLE_ENTITY, "not a PNG image"),
        ("image/jpeg", png(100, 100), StatusCode::UNPROCESSABLE_ENTITY, "not a JPEG image"),
        ("image/png", png(10, 10), StatusCode::UNPROCESSABLE_ENTITY, "between 16 and 4096"),
        (
            "image/svg+xml",
            br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script></svg>"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "<script>",
        ),
        (
            "image/svg+xml",
            br#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"><image xlink:href="https://tracker.example/p.png"/></svg>"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside the file",
        ),
        (
            "image/svg+xml",
            br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"/>"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "event handler",
        ),
        ("image/png", Vec::new(), StatusCode::UNPROCESSABLE_ENTITY, "empty"),
    ];
    for (ct, bytes, status, says) in cases {
        let (s, e) = upload(&admin, &a, ct, bytes).await;
        assert_eq!(s, status, "{ct}: {e}");
        let message = e["error"]["fields"]["logo"].as_str().or(e["error"]["message"].as_str()).unwrap_or_default();
        assert!(message.contains(says), "{ct}: {says:?} in {e}");
    }
    let (_, now) = admin.get(&format!("/api/v1/tenants/{a}/branding")).await;
    assert_eq!(now["logo_url"], url.as_str(), "a refused file changed nothing");
    assert_eq!(logo_rows(&pool, &a).await, 1);

    // An SVG replaces it; the old address is gone, only one logo is kept.
    let (s, b) = upload(&admin, &a, "image/svg+xml", SVG.as_bytes().to_vec()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let svg_url = b["logo_url"].as_str().unwrap().to_string();
    assert!(svg_url.ends_with(".svg"), "{svg_url}");
    let (s, h, _) = admin.anon().send_bytes(Request::get(&svg_url).body(Body::empty()).unwrap()).await;
    assert_eq!((s, h["content-type"].to_str().unwrap()), (StatusCode::OK, "image/svg+xml"));
    let (s, _, _) = admin.anon().send(Request::get(&url).body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "the replaced logo");
    // The same file under another extension, and made-up addresses, are not served.
    for bad in [svg_url.replace(".svg", ".png"), format!("/logos/{a}/nothash.svg"), "/logos/x/y".to_string()] {
        let (s, _, _) = admin.anon().send(Request::get(&bad).body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{bad}");
    }
    assert_eq!(logo_rows(&pool, &a).await, 1);

    // The branding may not point at another tenant's logo or one never uploaded.
    let b_id = active_tenant(&admin, "Logo Beta", "starter").await;
    let (s, bb) = upload(&admin, &b_id, "image/png", png(64, 64)).await;
    assert_eq!(s, StatusCode::OK, "{bb}");
    let branding = format!("/api/v1/tenants/{a}/branding");
    for other in [bb["logo_url"].as_str().unwrap().replace(&b_id, &a), bb["logo_url"].as_str().unwrap().to_string()] {
        let (s, e) = admin.call("PUT", &branding, Some(json!({ "logo_url": other }))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{other}: {e}");
        assert!(e["error"]["fields"]["branding.logo_url"].as_str().unwrap().contains("not uploaded to this tenant"));
    }

    // Who may: A's viewer no, B's admin doesn't see A; A's admin yes.
    let viewer = admin.member(&a, "viewer@logo.example", tenantry::model::Role::Viewer).await;
    assert_eq!(upload(&viewer, &a, "image/png", png(64, 64)).await.0, StatusCode::FORBIDDEN);
    let other = admin.member(&b_id, "admin@beta-logo.example", tenantry::model::Role::Admin).await;
    assert_eq!(upload(&other, &a, "image/png", png(64, 64)).await.0, StatusCode::NOT_FOUND);
    let owner = admin.member(&a, "admin@logo.example", tenantry::model::Role::Admin).await;
    assert_eq!(upload(&owner, &a, "image/png", png(48, 48)).await.0, StatusCode::OK);

    // Removing the logo from the branding removes the file.
    let (s, _) = admin.call("PUT", &branding, Some(json!({ "primary_color": "#1d4ed8" }))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(logo_rows(&pool, &a).await, 0);
    assert_eq!(logo_rows(&pool, &b_id).await, 1, "B's logo is B's");
}
