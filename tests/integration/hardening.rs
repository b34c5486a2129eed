//! Issue 9's hardening: each test here failed before its fix. Throttle races, redirects,
//! session fixation and ambient credentials on custom domains, sessions of disabled
//! people, anonymous probing, expired exports, the audit CSV, caps and rate limits,
//! what members may read, and identifiers that come from the catalog.

use crate::helpers::*;
use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};
use sqlx::PgPool;
use tenantry::model::Role;
use tenantry::server::config::Config;
use tower::ServiceExt;
use uuid::Uuid;

fn sign_in_form(email: &str, password: &str, next: Option<&str>) -> String {
    let enc = tenantry::model::query::encode_component;
    let mut form = format!("email={}&password={}", enc(email), enc(password));
    if let Some(n) = next {
        form.push_str(&format!("&next={}", enc(n)));
    }
    form
}

fn sign_in_request(form: String, json: bool) -> Request<Body> {
    let req =
        Request::post(tenantry::fns::auth::SignIn::PATH).header("content-type", "application/x-www-form-urlencoded");
    // A browser without JavaScript asks for HTML and is answered with a redirect.
    let req = req.header("accept", if json { "application/json" } else { "text/html" });
    req.body(Body::from(form)).unwrap()
}

async fn sessions_of(pool: &PgPool, user: Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from auth_sessions where user_id = $1")
        .bind(user)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn parallel_guesses_cannot_outrun_the_sign_in_throttle(pool: PgPool) {
    let admin = TestApp::new(pool.clone()).await;
    admin.create_user("pat@example.com", "Pat", false).await;
    // Twenty wrong guesses at once: the count is taken before the password is checked, so
    // at most the five allowed reach the password check.
    let guesses =
        (0..20).map(|i| {
            let anon = admin.anon();
            async move {
                anon.send(sign_in_request(sign_in_form("pat@example.com", &format!("guess {i}"), None), true)).await.0
            }
        });
    let answers = futures::future::join_all(guesses).await;
    let wrong = answers.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let throttled = answers.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((wrong, throttled), (5, 15), "{answers:?}");
    let recorded: i64 = sqlx::query_scalar("select count(*) from sign_in_failures where email = 'pat@example.com'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(recorded, 5);

    // Over-long input is refused before any hashing, with a reason.
    let long_email = format!("{}@example.com", "a".repeat(300));
    let (s, _, body) = admin.anon().send(sign_in_request(sign_in_form(&long_email, "x", None), true)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let long_password = "p".repeat(5000);
    let (s, _, body) =
        admin.anon().send(sign_in_request(sign_in_form("kim@example.com", &long_password, None), true)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("characters"), "{body}");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn next_after_sign_in_never_leaves_the_site_and_never_panics(pool: PgPool) {
    let admin = TestApp::new(pool).await;
    admin.create_user("pat@example.com", "Pat", false).await;
    for (next, want) in [
        ("/tenants?q=a", "/tenants?q=a"),
        ("/\t/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/a\\b", "/"),
        ("/x\r\nSet-Cookie: stolen=1", "/"),
        ("/x\nLocation: //evil.example", "/"),
        ("/\u{7f}/evil.example", "/"),
    ] {
        // Without JavaScript: the form post is answered with a redirect to `next`.
        let (s, headers, body) =
            admin.anon().send(sign_in_request(sign_in_form("pat@example.com", PASSWORD, Some(next)), false)).await;
        assert!(s.is_redirection(), "{next:?}: {s} {body}");
        assert_eq!(headers[http::header::LOCATION], want, "{next:?}");
    }
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn signing_in_always_gives_a_new_session_id(pool: PgPool) {
    let admin = TestApp::new(pool.clone()).await;
    admin.create_user("pat@example.com", "Pat", false).await;
    let first = admin.sign_in("pat@example.com", PASSWORD).await;
    let Auth::Cookie(old) = first.auth.clone() else { unreachable!() };
    // Signing in again while the old cookie is sent along (a fixated or shared browser).
    let (s, headers, body) = first.send(sign_in_request(sign_in_form("pat@example.com", PASSWORD, None), true)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let new = session_cookie(&headers).expect("a new session cookie");
    assert_ne!(new, old, "the session id changes at every sign-in");
    assert_eq!(first.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "the old id is dead");
    let second = TestApp { auth: Auth::Cookie(new), ..first };
    assert_eq!(second.get("/api/v1/me").await.0, StatusCode::OK);

    // With secure cookies the name carries the __Host- prefix (Secure, Path=/, no Domain).
    let mut config = Config::default();
    config.auth.secure_cookies = true;
    let secure = admin.reconfigured(config);
    let (s, headers, _) =
        secure.anon().send(sign_in_request(sign_in_form("pat@example.com", PASSWORD, None), true)).await;
    assert_eq!(s, StatusCode::OK);
    let set = headers.get(http::header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(set.starts_with("__Host-tenantry_session="), "{set}");
    assert!(set.contains("Secure") && set.contains("Path=/") && !set.contains("Domain"), "{set}");
    let cookie = set.split(';').next().unwrap().to_string();
    let signed_in = TestApp { auth: Auth::Cookie(cookie), ..secure };
    assert_eq!(signed_in.get("/api/v1/me").await.0, StatusCode::OK);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn unverified_custom_domains_carry_no_sessions(pool: PgPool) {
    let mut config = Config::default();
    config.tenancy.base_domain = "tenantry.test".into();
    config.mail.public_url = "https://portal.example.com".into();
    let admin = TestApp::with_config(pool, config).await;
    let a = active_tenant(&admin, "Domain Alpha", "professional").await;
    let b = active_tenant(&admin, "Domain Bravo", "professional").await;
    let set_domain = |id: String, domain: &'static str| {
        let admin = admin.clone();
        async move { admin.call("PUT", &format!("/api/v1/tenants/{id}"), Some(json!({ "domain": domain }))).await }
    };
    let (s, t) = set_domain(a.clone(), "app.alpha.example").await;
    assert_eq!(s, StatusCode::OK, "{t}");

    // The portal's own names can't be claimed (they are taken, by the portal).
    for own in ["portal.example.com", "tenantry.test", "domain-bravo.tenantry.test", "x.y.tenantry.test"] {
        let (s, e) = set_domain(b.clone(), own).await;
        assert_eq!(s, StatusCode::CONFLICT, "{own}: {e}");
        assert!(e["error"]["fields"]["domain"].is_string(), "{e}");
    }
    // The plan's custom_domains limit: free has none.
    let free = active_tenant(&admin, "Domain Free", "free").await;
    let (s, e) = set_domain(free, "app.free.example").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["error"]["fields"]["domain"].as_str().unwrap().contains("Free"), "{e}");

    // The domain is claimed, not verified: the platform admin's cookie is no credential
    // there...
    let host = "app.alpha.example";
    assert_eq!(admin.get_at(host, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(admin.get_at(host, &format!("/api/v1/tenants/{a}")).await.0, StatusCode::UNAUTHORIZED);
    // ...and nobody can sign in there (verified domains: `domains.rs`).
    let mut req = sign_in_request(sign_in_form(ADMIN_EMAIL, PASSWORD, None), true);
    req.headers_mut().insert("host", host.parse().unwrap());
    let (s, headers, body) = admin.anon().send(req).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert!(session_cookie(&headers).is_none());
    // An API key works anywhere for its own tenant; an unverified domain names no tenant.
    let (s, me) = admin.with_new_key(&a, &["tenants:read"]).await.get_at(host, "/api/v1/me").await;
    assert_eq!((s, me["tenant_id"].as_str()), (StatusCode::OK, Some(a.as_str())), "{me}");
    // A session made on the portal's host works there, and nowhere else.
    let portal = admin.sign_in_at("portal.example.com", ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(portal.get_at("portal.example.com", "/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(portal.get_at(host, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn disabling_a_person_deletes_their_sessions_for_good(pool: PgPool) {
    let admin = TestApp::new(pool.clone()).await;
    let id = admin.create_user("dana@example.com", "Dana", false).await;
    let here = admin.sign_in("dana@example.com", PASSWORD).await;
    let there = admin.sign_in("dana@example.com", PASSWORD).await;
    assert_eq!(sessions_of(&pool, id).await, 2);
    let (s, _) = admin.call("POST", &format!("/api/v1/users/{id}/disable"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sessions_of(&pool, id).await, 0, "the rows are gone, not just unusable");
    admin.call("POST", &format!("/api/v1/users/{id}/enable"), None).await;
    assert_eq!(here.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "re-enabling revives no old cookie");
    assert_eq!(there.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let again = admin.sign_in("dana@example.com", PASSWORD).await;
    assert_eq!(again.get("/api/v1/me").await.0, StatusCode::OK);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn anonymous_callers_learn_nothing_about_what_exists(pool: PgPool) {
    let admin = TestApp::new(pool).await;
    active_tenant(&admin, "Probed Co", "starter").await;
    let anon = admin.anon();
    let (s1, real) = anon.get("/api/v1/tenants/probed-co").await;
    let (s2, unknown) = anon.get("/api/v1/tenants/no-such-tenant").await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(real, unknown, "the same answer whether or not the tenant exists");
    // The body is never read for a caller who is not signed in.
    let (s, e) = anon.call("POST", "/api/v1/tenants", Some(json!({ "name": 5 }))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    let req = Request::post("/api/v1/tenants").header("content-type", "text/plain").body(Body::from("x")).unwrap();
    assert_eq!(anon.send(req).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        anon.call("PUT", "/api/v1/tenants/probed-co", Some(json!({ "name": "" }))).await.0,
        StatusCode::UNAUTHORIZED
    );
    // The API description stays public.
    assert_eq!(anon.get("/api/v1/openapi.json").await.0, StatusCode::OK);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn expired_exports_are_purged_and_verification_names_the_copy_kept(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let t = app.provision("Exported Co", "enterprise", json!({})).await;
    let tenant = t["id"].as_str().unwrap().to_string();
    let (s, b) = app.call("DELETE", &format!("/api/v1/tenants/{tenant}?reason=Closing"), None).await;
    assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("terminated")), "{b}");
    let (_, list) = app.get(&format!("/api/v1/tenants/{tenant}/exports")).await;
    let export = list[0]["id"].as_str().unwrap().to_string();
    let expires = list[0]["expires_at"].as_str().unwrap().to_string();

    // The verification step says what is deliberately kept, and until when.
    let verify: Value = sqlx::query_scalar(
        "select s.output from workflow_steps s join workflow_runs r on r.id = s.run_id
          where r.tenant_id = $1::uuid and r.kind = 'terminate' and s.name = 'verify_removed'",
    )
    .bind(&tenant)
    .fetch_one(&pool)
    .await
    .unwrap();
    let kept = &verify["kept"];
    assert_eq!(kept[0]["export"], export.as_str(), "{verify}");
    assert!(kept[0]["expires_at"].is_string(), "{verify}");
    let terminated: Value = sqlx::query_scalar(
        "select after from audit_events where tenant_id = $1::uuid and action = 'tenant.terminated'",
    )
    .bind(&tenant)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(terminated["kept"][0]["export"], export.as_str(), "{terminated}");
    let _ = expires;

    // Not yet expired: the purge leaves it alone.
    assert_eq!(tenantry::server::export::purge_expired(&pool).await.unwrap(), 0);
    sqlx::query("update tenant_exports set expires_at = now() - interval '1 minute' where id = $1::uuid")
        .bind(&export)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(tenantry::server::export::purge_expired(&pool).await.unwrap(), 1);
    let (bytes, purged): (Option<i64>, bool) =
        sqlx::query_as("select length(bytes)::bigint, purged_at is not null from tenant_exports where id = $1::uuid")
            .bind(&export)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((bytes, purged), (None, true), "the bytes are gone, the record of them stays");
    assert_eq!(tenantry::server::export::purge_expired(&pool).await.unwrap(), 0, "idempotent");
    let (s, _) = app.get(&format!("/api/v1/tenants/{tenant}/exports/{export}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn the_audit_csv_streams_neutralises_formulas_and_runs_once_per_person(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let id = active_tenant(&app, "Formula Co", "starter").await;
    let (s, b) = app
        .call("POST", &format!("/api/v1/tenants/{id}/suspend"), Some(json!({ "reason": "=HYPERLINK(\"http://x\")" })))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // Enough events for several internal pages.
    sqlx::query(
        "insert into audit_events (actor_type, actor_label, tenant_id, action, target_type, target_id, reason)
         select 'system', 'System', $1::uuid, 'test.bulk', 'tenant', $1, '+' || g from generate_series(1, 2500) g",
    )
    .bind(&id)
    .execute(&pool)
    .await
    .unwrap();

    let export = || {
        let mut req = Request::get("/api/v1/audit/export.csv").body(Body::empty()).unwrap();
        let Auth::Cookie(c) = &app.auth else { unreachable!() };
        req.headers_mut().insert(http::header::COOKIE, c.parse().unwrap());
        req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 1))));
        app.app.clone().oneshot(req)
    };
    // The first export has started (headers sent, body not read yet): a second one waits its turn.
    let first = export().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first.headers().get(http::header::CONTENT_LENGTH).is_none(), "streamed, not buffered");
    let second = export().await.unwrap();
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(second.headers().contains_key(http::header::RETRY_AFTER));
    let body = first.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(body.to_vec()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let expected: i64 = sqlx::query_scalar("select count(*) from audit_events").fetch_one(&pool).await.unwrap();
    assert_eq!(rows.len() as i64, expected, "every row, across pages");
    let ids: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, no repeats");
    for r in &rows {
        for cell in r.iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "a formula cell reached the CSV: {cell}");
        }
    }
    assert!(text.contains("'=HYPERLINK"), "the reason is kept, neutralised");
    assert!(text.contains("'+1"));
    // Once the first is done, the person may export again; compressed, too (the stream
    // is polled to its end and past it).
    let mut req =
        Request::get("/api/v1/audit/export.csv").header("accept-encoding", "gzip").body(Body::empty()).unwrap();
    let Auth::Cookie(c) = &app.auth else { unreachable!() };
    req.headers_mut().insert(http::header::COOKIE, c.parse().unwrap());
    let gz = app.app.clone().oneshot(req).await.unwrap();
    assert_eq!(gz.status(), StatusCode::OK);
    assert_eq!(gz.headers()[http::header::CONTENT_ENCODING], "gzip");
    let bytes = gz.into_body().collect().await.unwrap().to_bytes();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text).unwrap();
    assert_eq!(csv::Reader::from_reader(text.as_bytes()).records().count() as i64, expected);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn server_functions_cap_search_text_like_rest(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let long = "x".repeat(500);
    let req = |path: &str, body: Value| {
        Request::post(path.to_string())
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let query = json!({ "q": long, "status": null, "plan": null, "region": null, "isolation": null,
                        "sort": { "field": "name", "descending": false }, "limit": 10, "cursor": null });
    let (s, _, body) = app.send(req(tenantry::fns::tenants::ListTenants::PATH, json!({ "query": query }))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, _, body) = app.send(req(tenantry::fns::tenants::TenantStatusCounts::PATH, json!({ "query": query }))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let mut too_many = query.clone();
    too_many["q"] = json!("a");
    too_many["limit"] = json!(100_000);
    let (s, _, body) = app.send(req(tenantry::fns::tenants::ListTenants::PATH, json!({ "query": too_many }))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let form = format!("search={long}");
    let r = Request::post(tenantry::fns::users::ListUsers::PATH)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(form))
        .unwrap();
    let (s, _, body) = app.send(r).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, _) = app.get(&format!("/api/v1/users?q={long}")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn invitation_mail_is_rate_limited_per_tenant(pool: PgPool) {
    let (admin, _sink) = with_mail(pool.clone(), |c| c.auth.invitation_mails_per_hour = 3).await;
    let a = active_tenant(&admin, "Inviting Co", "enterprise").await;
    let b = active_tenant(&admin, "Other Co", "enterprise").await;
    let invite = |tenant: &str, n: u32| {
        let admin = admin.clone();
        let uri = format!("/api/v1/tenants/{tenant}/invitations");
        async move {
            admin.call("POST", &uri, Some(json!({ "email": format!("p{n}@example.com"), "role": "member" }))).await
        }
    };
    let (s, first) = invite(&a, 1).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(invite(&a, 2).await.0, StatusCode::CREATED);
    let resend = format!("/api/v1/tenants/{a}/invitations/{}/resend", first["id"].as_str().unwrap());
    assert_eq!(admin.call("POST", &resend, None).await.0, StatusCode::OK, "a resend counts too");
    let before: i64 = sqlx::query_scalar("select count(*) from invitations").fetch_one(&pool).await.unwrap();
    let (s, headers, body) = admin
        .send(
            Request::post(format!("/api/v1/tenants/{a}/invitations"))
                .header("content-type", "application/json")
                .body(Body::from(json!({ "email": "p3@example.com", "role": "member" }).to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(headers.contains_key(http::header::RETRY_AFTER));
    assert_eq!(admin.call("POST", &resend, None).await.0, StatusCode::TOO_MANY_REQUESTS);
    let after: i64 = sqlx::query_scalar("select count(*) from invitations").fetch_one(&pool).await.unwrap();
    assert_eq!(before, after, "nothing written when refused");
    // Another tenant has its own allowance.
    assert_eq!(invite(&b, 9).await.0, StatusCode::CREATED);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn members_and_viewers_read_no_emails_or_addresses_they_should_not(pool: PgPool) {
    let (admin, _sink) = with_mail(pool.clone(), |_| {}).await;
    let t =
        admin.provision("Private Co", "enterprise", json!({ "first_admin_email": "founder@private.example" })).await;
    let a = t["id"].as_str().unwrap().to_string();
    let owner = admin.member(&a, "owner@private.example", Role::Owner).await;
    let member = admin.member(&a, "member@private.example", Role::Member).await;
    let viewer = admin.member(&a, "viewer@private.example", Role::Viewer).await;
    let (s, _) = owner
        .call(
            "POST",
            &format!("/api/v1/tenants/{a}/invitations"),
            Some(json!({ "email": "invitee@else.example", "role": "viewer" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    admin.call("PUT", &format!("/api/v1/tenants/{a}"), Some(json!({ "description": "edited by the operator" }))).await;

    let audit = |who: &TestApp| {
        let who = who.clone();
        let uri = format!("/api/v1/audit?tenant_id={a}&limit=200");
        async move {
            let (s, body) = who.get(&uri).await;
            assert_eq!(s, StatusCode::OK, "{body}");
            body.to_string()
        }
    };
    let csv = |who: &TestApp| {
        let who = who.clone();
        let uri = format!("/api/v1/audit/export.csv?tenant_id={a}");
        async move { who.send(Request::get(uri).body(Body::empty()).unwrap()).await.2 }
    };
    let workflows = |who: &TestApp| {
        let who = who.clone();
        let uri = format!("/api/v1/tenants/{a}/workflows");
        async move { who.get(&uri).await.1.to_string() }
    };
    // Owners see who was invited; platform admins see everything.
    assert!(audit(&owner).await.contains("invitee@else.example"));
    let full = audit(&admin).await;
    assert!(full.contains(ADMIN_EMAIL) && full.contains("127.0.0.1"));
    // Viewers don't read the audit trail at all; members read it, without those details.
    assert_eq!(viewer.get(&format!("/api/v1/audit?tenant_id={a}")).await.0, StatusCode::FORBIDDEN);
    for (who, name) in [(&member, "member"), (&viewer, "viewer")] {
        let texts = if name == "member" {
            vec![audit(who).await, csv(who).await, workflows(who).await]
        } else {
            vec![workflows(who).await]
        };
        for text in texts {
            assert!(!text.contains("invitee@else.example"), "{name} read an invitee's email");
            assert!(!text.contains("founder@private.example"), "{name} read the first admin's invitation email");
            assert!(!text.contains(ADMIN_EMAIL), "{name} read a platform admin's email");
            assert!(!text.contains("127.0.0.1"), "{name} read a source address");
        }
    }
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn database_errors_in_steps_reach_members_only_as_a_reference(pool: PgPool) {
    let (admin, _sink) = with_mail(pool.clone(), |c| {
        c.workflows.backoff_ms = 1;
        c.workflows.max_attempts = 2;
    })
    .await;
    // A database that fails one step with its own internal detail.
    sqlx::raw_sql(
        "create function fail_allocations() returns trigger language plpgsql as
         $$ begin raise exception 'secret internal detail in relation pg_secret'; end $$;
         create trigger fail_allocations before insert on tenant_allocations
         for each row execute function fail_allocations()",
    )
    .execute(&pool)
    .await
    .unwrap();
    let t = admin.provision("Broken Co", "enterprise", json!({})).await;
    let a = t["id"].as_str().unwrap().to_string();
    assert_eq!(t["status"], "failed", "{t}");
    let viewer = admin.member(&a, "viewer@broken.example", Role::Viewer).await;
    for who in [&viewer, &admin] {
        let (_, runs) = who.get(&format!("/api/v1/tenants/{a}/workflows")).await;
        let (_, tenant) = who.get(&format!("/api/v1/tenants/{a}")).await;
        for text in [runs.to_string(), tenant.to_string()] {
            assert!(!text.contains("secret internal detail"), "{text}");
            assert!(!text.contains("pg_secret"), "{text}");
        }
        assert!(runs.to_string().contains("reference"), "{runs}");
    }
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn tables_with_hostile_names_are_exported_and_removed_safely(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let t = app.provision("Hostile Co", "enterprise", json!({})).await;
    let tenant = Uuid::parse_str(t["id"].as_str().unwrap()).unwrap();
    let schema = tenantry::server::storage::schema_name(tenant);
    let role = tenantry::server::storage::role_name(tenant);
    // The tenant's own role creates tables with names it chose.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(&format!("set local role {role}")).execute(&mut *tx).await.unwrap();
    for name in ["../../escape", "Mixed Case", "semi;colon", "quo\"te"] {
        let q = name.replace('"', "\"\"");
        sqlx::query(&format!("create table {schema}.\"{q}\" (tenant_id uuid, note text)"))
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query(&format!(
            "insert into {schema}.\"{q}\" values ('{tenant}', 'row of {}')",
            name.replace('\'', "''")
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let (s, b) = app.call("DELETE", &format!("/api/v1/tenants/{tenant}?reason=Leaving"), None).await;
    assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("terminated")), "{b}");
    let (_, list) = app.get(&format!("/api/v1/tenants/{tenant}/exports")).await;
    let export = list[0]["id"].as_str().unwrap();
    let req = Request::get(format!("/api/v1/tenants/{tenant}/exports/{export}")).body(Body::empty()).unwrap();
    let (status, _, bytes) = app.send_bytes(req).await;
    assert_eq!(status, StatusCode::OK);
    let mut archive = tar::Archive::new(std::io::Cursor::new(bytes));
    let mut names = vec![];
    for entry in archive.entries().unwrap() {
        let e = entry.unwrap();
        let path = e.path().unwrap().to_string_lossy().to_string();
        assert!(path.starts_with("hostile-co-export/"), "{path}");
        assert!(!path.contains(".."), "{path}");
        assert!(!path.contains('\\') && !path.contains(';') && !path.contains('"'), "{path}");
        assert_eq!(path.matches('/').count(), if path.contains("/data/") { 2 } else { 1 }, "{path}");
        names.push(path);
    }
    let data = names.iter().filter(|n| n.contains("/data/")).count();
    assert!(data >= 4 + 3, "every table exported: {names:?}");
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(tenantry::server::storage::remains(&mut tx, tenant).await.unwrap(), (0, 0, 0));
}
