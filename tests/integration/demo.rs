//! Demo data: loaded once on an empty database, and the demo people's tenants have their
//! own look, configuration history and a flag override, so the Settings tab is alive on
//! first start (PRODUCT.md C1–C3).

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tenantry::model::Branding;

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn demo_tenants_run_their_own_settings(pool: sqlx::PgPool) {
    assert!(tenantry::server::demo::load_if_empty(&pool, 30).await.unwrap(), "loaded on an empty database");
    assert!(!tenantry::server::demo::load_if_empty(&pool, 30).await.unwrap(), "not again");
    let admin = TestApp::new(pool.clone()).await;
    let (first,): (uuid::Uuid,) =
        sqlx::query_as("select id from tenants where status = 'active' order by name limit 1")
            .fetch_one(&pool)
            .await
            .unwrap();

    // Colours that pass their contrast checks, and a logo that is served.
    let (_, b) = admin.get(&format!("/api/v1/tenants/{first}/branding")).await;
    let branding: Branding = serde_json::from_value(b.clone()).unwrap();
    let mut errors = Default::default();
    branding.check(&mut errors);
    assert!(errors.is_empty() && branding.primary_color.is_some(), "{b} {errors:?}");
    let logo = branding.logo_url.expect("a logo");
    let (s, h, _) = admin.anon().send(Request::get(&logo).body(Body::empty()).unwrap()).await;
    assert_eq!((s, h["content-type"].to_str().unwrap()), (StatusCode::OK, "image/svg+xml"));

    // A history to restore from, and an override with its reason.
    let (_, versions) = admin.get(&format!("/api/v1/tenants/{first}/config/auth/versions")).await;
    assert_eq!(versions.as_array().map(Vec::len), Some(2), "{versions}");
    let (_, flags) = admin.get(&format!("/api/v1/tenants/{first}/features")).await;
    let overridden: Vec<_> = flags.as_array().unwrap().iter().filter(|f| f["reason"] == "tenant_override").collect();
    assert_eq!(overridden.len(), 1, "{flags}");
    assert!(overridden[0]["note"].as_str().is_some_and(|n| !n.is_empty()));
}
