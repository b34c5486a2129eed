//! The demo traffic worker (demo data only) reports through the real REST API on a real
//! socket, and keeps one key per tenant across restarts and instances: a restart does not
//! issue (and audit) new keys, and a key someone revoked is replaced once.

use super::*;
use std::net::SocketAddr;
use tenantry::server::config::Config;
use tenantry::server::metering::demo_traffic::Sender;
use tenantry::server::state::AppState;

/// The application served on a free port, with its configuration pointing at that port.
async fn served(pool: sqlx::PgPool, tenants: u32) -> AppState {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = Config::default();
    config.server.site_addr = listener.local_addr().unwrap();
    config.usage.demo_traffic_tenants = tenants;
    let state = AppState::new(pool, config);
    let app = tenantry::server::app(state.clone());
    tokio::spawn(async move {
        axum::serve(tenantry::server::listener(listener), app.into_make_service_with_connect_info::<SocketAddr>()).await
    });
    state
}

async fn keys(app: &TestApp, tenant: &str) -> (i64, i64) {
    let live = count(
        app,
        "select count(*) from api_keys where tenant_id = $1 and name = 'Demo traffic' and revoked_at is null",
        tenant,
    )
    .await;
    let all = count(app, "select count(*) from api_keys where tenant_id = $1 and name = 'Demo traffic'", tenant).await;
    (live, all)
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn demo_traffic_keeps_one_key_per_tenant_across_restarts(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool.clone()).await;
    let a = active_tenant(&admin, "Acme Demo", "professional").await;
    let b = active_tenant(&admin, "Bravo Demo", "starter").await;
    let state = served(pool, 2).await;
    let (a, b) = (a.as_str(), b.as_str());
    let events = |t| count(&admin, "select count(*) from usage_events where tenant_id = $1", t);
    let issued = "select count(*) from audit_events where tenant_id = $1 and action = 'api_key.created'";

    let first = Sender::new();
    first.round(&state).await.unwrap();
    assert_eq!((events(a).await, events(b).await), (3, 3), "each tenant reported its three metrics");
    assert_eq!((keys(&admin, a).await, keys(&admin, b).await), ((1, 1), (1, 1)));

    // A restart (a new sender, nothing in memory) and a second instance reuse the keys.
    Sender::new().round(&state).await.unwrap();
    let other = Sender::new();
    other.round(&state).await.unwrap();
    assert_eq!((events(a).await, events(b).await), (9, 9));
    assert_eq!((keys(&admin, a).await, keys(&admin, b).await), ((1, 1), (1, 1)));
    assert_eq!((count(&admin, issued, a).await, count(&admin, issued, b).await), (1, 1), "one key issued each");

    // Someone revokes A's key: the next round is refused for A (and forgets the key), the
    // one after issues a single new key; B goes on with its first.
    tenantry::db::api_keys::revoke_named(&admin.pool, Uuid::parse_str(a).unwrap(), "Demo traffic").await.unwrap();
    other.round(&state).await.unwrap();
    assert_eq!((events(a).await, events(b).await), (9, 12), "a revoked key reports nothing");
    other.round(&state).await.unwrap();
    Sender::new().round(&state).await.unwrap();
    assert_eq!((events(a).await, events(b).await), (15, 18));
    assert_eq!((keys(&admin, a).await, keys(&admin, b).await), ((1, 2), (1, 1)));
    assert_eq!((count(&admin, issued, a).await, count(&admin, issued, b).await), (2, 1));

    // The first instance still holds A's revoked key: refused once, it takes the new one
    // rather than making (and revoking the other's) another.
    first.round(&state).await.unwrap();
    assert_eq!((events(a).await, events(b).await), (15, 21));
    first.round(&state).await.unwrap();
    other.round(&state).await.unwrap();
    assert_eq!((events(a).await, events(b).await), (21, 27));
    assert_eq!((keys(&admin, a).await, keys(&admin, b).await), ((1, 2), (1, 1)));
    assert_eq!((count(&admin, issued, a).await, count(&admin, issued, b).await), (2, 1));
}
