//! A1, A4, A5: sign-in and its throttle, sessions and their end, CSRF, tenant context,
//! API keys, and disabling people.

use crate::helpers::*;
use axum::body::Body;
use http::{Request, StatusCode};
use leptos::server_fn::ServerFn;
use serde_json::json;
use tenantry::model::Role;

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn sign_in_sign_out_and_the_throttle(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    admin.create_user("pat@example.com", "Pat", false).await;

    // Wrong password and unknown email answer alike.
    let (s1, _, wrong) = admin.sign_in_raw("pat@example.com", "not the password").await;
    let (s2, _, unknown) = admin.sign_in_raw("nobody@example.com", "not the password").await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(wrong, unknown);

    // The cookie is HttpOnly and SameSite; signing out ends the session.
    let (_, headers, _) = admin.sign_in_raw("pat@example.com", PASSWORD).await;
    let set = headers.get(http::header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"), "{set}");
    let pat = admin.sign_in("pat@example.com", PASSWORD).await;
    assert_eq!(pat.get("/api/v1/me").await.0, StatusCode::OK);
    let req = Request::post(tenantry::fns::auth::SignOut::PATH)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    assert!(pat.send(req).await.0.is_success());
    assert_eq!(pat.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "the old cookie no longer works");

    // Five failures for one account: the sixth try is refused even with the right password.
    // (A success forgave the earlier failure, so five more.)
    for _ in 0..5 {
        assert_eq!(admin.sign_in_raw("pat@example.com", "wrong again").await.0, StatusCode::UNAUTHORIZED);
    }
    let (s, headers, body) = admin.sign_in_raw("pat@example.com", PASSWORD).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let retry: u64 = headers.get(http::header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 900, "{retry}");
    assert!(body.contains("Try again in"), "{body}");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn anonymous_callers_and_cross_site_writes_are_refused(pool: sqlx::PgPool) {
    let mut config = tenantry::server::config::Config::default();
    config.mail.public_url = "http://portal.test".into();
    let admin = TestApp::with_config(pool, config).await;
    let anon = admin.anon();
    let (s, b) = anon.get("/api/v1/tenants").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&b), "unauthorized");
    // A page sends people to sign in and back.
    let (s, headers, _) = anon.send(Request::get("/tenants?q=a").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(headers[http::header::LOCATION], "/login?next=%2Ftenants%3Fq%3Da");
    assert_eq!(anon.send(Request::get("/login").body(Body::empty()).unwrap()).await.0, StatusCode::OK);
    assert_eq!(anon.get("/healthz").await.0, StatusCode::OK);

    // CSRF: the signed-in admin's cookie on a request from another site.
    let admin = admin.sign_in_at("portal.test", ADMIN_EMAIL, PASSWORD).await;
    let body = json!({ "name": "Csrf Corp", "plan": "free", "region": "us-east-1" }).to_string();
    let post = |origin: Option<&str>, fetch_site: Option<&str>| {
        let mut r =
            Request::post("/api/v1/tenants").header("content-type", "application/json").header("host", "portal.test");
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        if let Some(f) = fetch_site {
            r = r.header("sec-fetch-site", f);
        }
        r.body(Body::from(body.clone())).unwrap()
    };
    let (s, _, text) = admin.send(post(Some("http://evil.example"), None)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{text}");
    assert_eq!(admin.send(post(None, Some("cross-site"))).await.0, StatusCode::FORBIDDEN);
    assert_eq!(admin.send(post(Some("null"), None)).await.0, StatusCode::FORBIDDEN);
    let n: i64 = sqlx::query_scalar("select count(*) from tenants").fetch_one(&admin.pool).await.unwrap();
    assert_eq!(n, 0, "nothing was created by the refused requests");
    assert_eq!(admin.send(post(Some("http://portal.test"), Some("same-origin"))).await.0, StatusCode::CREATED);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn tenant_context_from_session_header_and_subdomain(pool: sqlx::PgPool) {
    let mut config = tenantry::server::config::Config::default();
    config.tenancy.base_domain = "tenantry.test".into();
    let admin = TestApp::with_config(pool, config).await;
    let a = active_tenant(&admin, "Context Alpha", "professional").await;
    let b = active_tenant(&admin, "Context Bravo", "professional").await;
    let c = active_tenant(&admin, "Context Charlie", "professional").await;
    let pat = admin.member(&a, "pat@example.com", Role::Member).await;
    let bravo = uuid::Uuid::parse_str(&b).unwrap();
    let pat_id: uuid::Uuid = sqlx::query_scalar("select id from users where email = 'pat@example.com'")
        .fetch_one(&admin.pool)
        .await
        .unwrap();
    tenantry::db::memberships::add(&admin.pool, bravo, pat_id, Role::Viewer).await.unwrap();

    let (_, me) = pat.get("/api/v1/me").await;
    assert_eq!(me["tenant_id"], a.as_str(), "the first tenant by name is active at first");
    let (s, _) = pat.call("POST", &format!("/api/v1/tenants/{b}/switch"), None).await;
    assert_eq!(s, StatusCode::OK);
    let (_, me) = pat.get("/api/v1/me").await;
    assert_eq!(me["tenant_id"], b.as_str(), "the switch sticks to the session");
    assert_eq!(pat.call("POST", &format!("/api/v1/tenants/{c}/switch"), None).await.0, StatusCode::NOT_FOUND);

    let get_with = |header: (&'static str, String)| {
        let pat = pat.clone();
        async move {
            let req = Request::get("/api/v1/me").header(header.0, header.1).body(Body::empty()).unwrap();
            let (s, _, text) = pat.send(req).await;
            (s, serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default())
        }
    };
    let (s, me) = get_with(("x-tenant-id", "context-alpha".into())).await;
    assert_eq!((s, me["tenant_id"].as_str()), (StatusCode::OK, Some(a.as_str())));
    assert_eq!(get_with(("x-tenant-id", c.clone())).await.0, StatusCode::NOT_FOUND);
    // A tenant's subdomain picks the tenant for a session made on that subdomain (sessions
    // are bound to their host: the one made above is no credential there).
    let sub = |slug: &str| format!("{slug}.tenantry.test");
    assert_eq!(pat.get_at(&sub("context-alpha"), "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let on_alpha = pat.sign_in_at(&sub("context-alpha"), "pat@example.com", PASSWORD).await;
    let (s, me) = on_alpha.get_at(&sub("context-alpha"), "/api/v1/me").await;
    assert_eq!((s, me["tenant_id"].as_str()), (StatusCode::OK, Some(a.as_str())));
    let on_charlie = pat.sign_in_at(&sub("context-charlie"), "pat@example.com", PASSWORD).await;
    assert_eq!(on_charlie.get_at(&sub("context-charlie"), "/api/v1/me").await.0, StatusCode::NOT_FOUND);

    // Lists, stats and audit hold only Pat's tenants.
    let (_, list) = pat.get("/api/v1/tenants").await;
    let mut ids: Vec<&str> = list["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    ids.sort();
    let mut want = vec![a.as_str(), b.as_str()];
    want.sort();
    assert_eq!(ids, want);
    let (_, stats) = pat.get("/api/v1/tenants/stats").await;
    assert_eq!(stats["total"], 2);
    let (_, audit) = pat.get("/api/v1/audit?limit=200").await;
    assert!(
        audit["items"].as_array().unwrap().iter().all(|e| e["tenant_id"] == a.as_str()),
        "a viewer of B reads no audit of B"
    );
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn api_keys_are_shown_once_scoped_and_revocable(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Keyed Alpha", "professional").await;
    let b = active_tenant(&admin, "Keyed Bravo", "professional").await;
    let owner = admin.member(&a, "owner@alpha.example", Role::Owner).await;
    let viewer = admin.member(&a, "viewer@alpha.example", Role::Viewer).await;
    let keys = format!("/api/v1/tenants/{a}/api-keys");
    assert_eq!(
        viewer.call("POST", &keys, Some(json!({ "name": "x", "scopes": ["tenants:read"] }))).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, b422) = owner.call("POST", &keys, Some(json!({ "name": " ", "scopes": ["tenants:read"] }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b422}");
    assert_eq!(
        owner.call("POST", &keys, Some(json!({ "name": "x", "scopes": [] }))).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        owner.call("POST", &keys, Some(json!({ "name": "x", "scopes": ["root"] }))).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let (s, created) =
        owner.call("POST", &keys, Some(json!({ "name": "billing", "scopes": ["tenants:read", "usage:write"] }))).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    let prefix = created["key"]["prefix"].as_str().unwrap().to_string();
    assert!(secret.starts_with(&format!("{prefix}_")) && prefix.starts_with("tnt_") && prefix.len() == 12);
    let (_, list) = owner.get(&keys).await;
    assert!(!list.to_string().contains(&secret), "the secret is shown once");
    assert!(list[0]["last_used_at"].is_null());

    let key = admin.with_key(&secret);
    let (s, t) = key.get(&format!("/api/v1/tenants/{a}")).await;
    assert_eq!((s, t["id"].as_str()), (StatusCode::OK, Some(a.as_str())));
    let (_, list) = owner.get(&keys).await;
    assert!(list[0]["last_used_at"].is_string(), "use is recorded");
    let (_, all) = key.get("/api/v1/tenants").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    assert_eq!(key.get(&format!("/api/v1/tenants/{b}")).await.0, StatusCode::NOT_FOUND);
    let (s, e) = key.call("PUT", &format!("/api/v1/tenants/{a}"), Some(json!({ "description": "x" }))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(e["error"]["message"].as_str().unwrap().contains("tenants:write"), "{e}");
    assert_eq!(key.get("/api/v1/users").await.0, StatusCode::FORBIDDEN);
    let req = Request::get("/api/v1/me").header("x-tenant-id", b.clone()).body(Body::empty()).unwrap();
    assert_eq!(key.send(req).await.0, StatusCode::NOT_FOUND, "a key can't name another tenant");

    // Suspended tenant: its keys are refused; resumed: they work again.
    admin.call("POST", &format!("/api/v1/tenants/{a}/suspend"), Some(json!({ "reason": "billing" }))).await;
    assert_eq!(key.get(&format!("/api/v1/tenants/{a}")).await.0, StatusCode::FORBIDDEN);
    admin.call("POST", &format!("/api/v1/tenants/{a}/resume"), None).await;
    assert_eq!(key.get(&format!("/api/v1/tenants/{a}")).await.0, StatusCode::OK);

    // Bad keys: 401 with WWW-Authenticate.
    for bad in ["nonsense", "tnt_aaaaaaaa_wrong", &format!("{prefix}_wrongsecret")] {
        let (s, headers, _) = admin.with_key(bad).send(Request::get("/api/v1/me").body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{bad}");
        assert!(headers.contains_key(http::header::WWW_AUTHENTICATE));
    }
    let id = created["key"]["id"].as_str().unwrap();
    assert_eq!(owner.call("DELETE", &format!("{keys}/{id}"), None).await.0, StatusCode::OK);
    assert_eq!(key.get(&format!("/api/v1/tenants/{a}")).await.0, StatusCode::UNAUTHORIZED, "revoked");
    assert_eq!(owner.call("DELETE", &format!("{keys}/{id}"), None).await.0, StatusCode::NOT_FOUND);

    // Terminating the tenant revokes its keys and memberships.
    let (_, fresh) = owner.call("POST", &keys, Some(json!({ "name": "late", "scopes": ["tenants:read"] }))).await;
    let late = admin.with_key(fresh["secret"].as_str().unwrap());
    admin.call("POST", &format!("/api/v1/tenants/{a}/terminate"), Some(json!({ "reason": "closed" }))).await;
    assert_eq!(late.get(&format!("/api/v1/tenants/{a}")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(owner.get(&format!("/api/v1/tenants/{a}")).await.0, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn disabling_a_person_ends_their_sessions(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let id = admin.create_user("dana@example.com", "Dana", false).await;
    let dana = admin.sign_in("dana@example.com", PASSWORD).await;
    assert_eq!(dana.get("/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(dana.get("/api/v1/users").await.0, StatusCode::FORBIDDEN);
    let (_, users) = admin.get("/api/v1/users?q=dana").await;
    assert_eq!(users["items"].as_array().unwrap().len(), 1);

    let (s, u) = admin.call("POST", &format!("/api/v1/users/{id}/disable"), None).await;
    assert_eq!((s, u["status"].as_str()), (StatusCode::OK, Some("disabled")));
    assert_eq!(dana.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "at once");
    assert_eq!(admin.sign_in_raw("dana@example.com", PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    admin.call("POST", &format!("/api/v1/users/{id}/enable"), None).await;
    let dana = admin.sign_in("dana@example.com", PASSWORD).await;
    assert_eq!(dana.get("/api/v1/me").await.0, StatusCode::OK);

    let (_, me) = admin.get("/api/v1/me").await;
    let own = me["user"]["id"].as_str().unwrap();
    assert_eq!(admin.call("POST", &format!("/api/v1/users/{own}/disable"), None).await.0, StatusCode::CONFLICT);
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_events where action like 'user.%abled' order by id")
            .fetch_all(&admin.pool)
            .await
            .unwrap();
    assert_eq!(actions, ["user.disabled", "user.enabled"]);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn changing_the_password_ends_other_sessions(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    admin.create_user("lee@example.com", "Lee", false).await;
    let here = admin.sign_in("lee@example.com", PASSWORD).await;
    let elsewhere = admin.sign_in("lee@example.com", PASSWORD).await;
    let change = |who: &TestApp, current: &str| {
        let form = format!(
            "current_password={}&new_password={}",
            tenantry::model::query::encode_component(current),
            tenantry::model::query::encode_component("a brand new password")
        );
        let req = Request::post(tenantry::fns::auth::ChangePassword::PATH)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(Body::from(form))
            .unwrap();
        let who = who.clone();
        async move { who.send(req).await }
    };
    let (s, _, body) = change(&here, "not it").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, headers, body) = change(&here, PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let here = match session_cookie(&headers) {
        Some(c) => TestApp { auth: Auth::Cookie(c), ..here },
        None => here,
    };
    assert_eq!(here.get("/api/v1/me").await.0, StatusCode::OK, "this session goes on");
    assert_eq!(elsewhere.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "the other one ended");
    assert_eq!(admin.sign_in_raw("lee@example.com", "a brand new password").await.0, StatusCode::OK);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn failed_sign_ins_from_one_address_are_throttled_across_accounts(pool: sqlx::PgPool) {
    let mut config = tenantry::server::config::Config::default();
    config.auth.max_failures_per_address = 3;
    let admin = TestApp::with_config(pool, config).await;
    admin.create_user("kim@example.com", "Kim", false).await;
    let from = |ip: [u8; 4], email: &str, password: &str| {
        let form = format!(
            "email={}&password={}",
            tenantry::model::query::encode_component(email),
            tenantry::model::query::encode_component(password)
        );
        let mut req = Request::post(tenantry::fns::auth::SignIn::PATH)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(Body::from(form))
            .unwrap();
        req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((ip, 5000))));
        let app = admin.anon();
        async move { app.send(req).await.0 }
    };
    // Three different accounts guessed from one address...
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        assert_eq!(from([10, 0, 0, 7], email, "guess").await, StatusCode::UNAUTHORIZED);
    }
    // ...and that address is refused, even for a real account with its password.
    assert_eq!(from([10, 0, 0, 7], "kim@example.com", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    // Kim, from her own address, is not affected.
    assert_eq!(from([10, 0, 0, 8], "kim@example.com", PASSWORD).await, StatusCode::OK);
    // The source address is in the sign-in's audit event.
    let ip: Option<String> = sqlx::query_scalar(
        "select host(source_ip) from audit_events where action = 'user.signed_in' order by id desc limit 1",
    )
    .fetch_one(&admin.pool)
    .await
    .unwrap();
    assert_eq!(ip.as_deref(), Some("10.0.0.8"));
}

/// `tenantry admin create`, run as the real binary against this test's database.
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn the_command_line_creates_a_platform_admin(pool: sqlx::PgPool) {
    let db = pool.connect_options().get_database().unwrap().to_string();
    let base = std::env::var("DATABASE_URL").unwrap();
    let url = format!("{}/{db}", base.rsplit_once('/').unwrap().0);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tenantry"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("TENANTRY_CONFIG", "/nonexistent/Leptos.toml")
            .env_remove("TENANTRY_ADMIN_PASSWORD")
            .output()
            .unwrap()
    };
    let out =
        run(&["admin", "create", "--email", "Ops@Example.com", "--name", "Ops", "--password", "a long password 1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created platform admin"));
    let admin: bool = sqlx::query_scalar("select is_platform_admin from users where email = 'ops@example.com'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(admin);
    // The same email again, and a bad one: refused with a reason, nothing added.
    let again = run(&["admin", "create", "--email", "ops@example.com", "--password", "a long password 1"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has an account"));
    let bad = run(&["admin", "create", "--email", "not-an-email", "--password", "short"]);
    assert!(!bad.status.success());
    let n: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&pool).await.unwrap();
    assert_eq!(n, 1);
    // Without a password one is generated and printed once.
    let generated = run(&["admin", "create", "--email", "second@example.com", "--name", "Second"]);
    assert!(generated.status.success());
    assert!(String::from_utf8_lossy(&generated.stdout).contains("Password: "));
}
