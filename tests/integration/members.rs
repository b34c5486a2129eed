//! A3: invitations go out over real SMTP (to a listener in this process), are accepted
//! once, and the new member sees only their tenant; member roles follow the owner rules.

use crate::helpers::*;
use http::StatusCode;
use serde_json::json;
use tenantry::model::Role;
use tenantry::server::config::Config;
use tenantry::server::mail_sink::MailSink;

async fn app_with_mail(pool: sqlx::PgPool) -> (TestApp, MailSink) {
    let sink = MailSink::start("127.0.0.1:0".parse().unwrap(), None).await.unwrap();
    let mut config = Config::default();
    config.mail.smtp_url = format!("smtp://{}", sink.addr);
    config.mail.public_url = "http://portal.test".into();
    (TestApp::with_config(pool, config).await, sink)
}

/// The token in the accept link of a received message.
fn token_in(data: &str) -> String {
    let start = data.find("http://portal.test/invite/").expect("an accept link") + "http://portal.test/invite/".len();
    data[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

async fn accept(app: &TestApp, token: &str, name: &str, password: &str) -> (StatusCode, http::HeaderMap, String) {
    use leptos::server_fn::ServerFn;
    let form = format!(
        "token={token}&name={}&password={}",
        tenantry::model::query::encode_component(name),
        tenantry::model::query::encode_component(password)
    );
    let req = http::Request::post(tenantry::fns::members::AcceptInvitation::PATH)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(axum::body::Body::from(form))
        .unwrap();
    app.send(req).await
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn invite_by_email_accept_once_and_see_only_your_tenant(pool: sqlx::PgPool) {
    let (admin, sink) = app_with_mail(pool).await;
    let acme = active_tenant(&admin, "Acme Invites", "professional").await;
    let other = active_tenant(&admin, "Other Corp", "professional").await;

    let (s, inv) = admin
        .call(
            "POST",
            &format!("/api/v1/tenants/{acme}/invitations"),
            Some(json!({ "email": "New.Person@Example.com", "role": "admin" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["email"], "new.person@example.com");
    assert_eq!(inv["status"], "pending");
    assert_eq!(inv["sent_count"], 1);
    assert!(inv["last_error"].is_null());

    let mail = sink.wait_for(1).await;
    assert_eq!(mail.len(), 1, "exactly one email");
    assert_eq!(mail[0].to, vec!["new.person@example.com".to_string()]);
    assert!(mail[0].data.contains("Acme Invites"));
    let token = token_in(&mail[0].data);
    assert_eq!(token.len(), 43);

    // A bad form changes nothing; the invitation stays pending.
    let (s, _, body) = accept(&admin.anon(), &token, "New Person", "short").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, headers, body) = accept(&admin.anon(), &token, "New Person", "a good long password").await;
    assert!(s.is_success() || s.is_redirection(), "{s} {body}");
    let cookie = session_cookie(&headers).expect("accepting signs the new person in");
    let person = TestApp { auth: Auth::Cookie(cookie), ..admin.clone() };

    // They are an admin of Acme and see nothing else.
    let (s, me) = person.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["user"]["memberships"].as_array().unwrap().len(), 1);
    assert_eq!(me["tenant_id"], acme.as_str());
    let (_, list) = person.get("/api/v1/tenants").await;
    let ids: Vec<&str> = list["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [acme.as_str()]);
    let (s, _) = person.get(&format!("/api/v1/tenants/{other}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, members) = person.get(&format!("/api/v1/tenants/{acme}/users")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(members[0]["role"], "admin");

    // The link works once.
    let (s, _, _) = accept(&admin.anon(), &token, "Someone Else", "another long password").await;
    assert_eq!(s, StatusCode::CONFLICT);
    let n: i64 = sqlx::query_scalar("select count(*) from memberships").fetch_one(&admin.pool).await.unwrap();
    assert_eq!(n, 1);
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_events where tenant_id = $1::uuid and (action like 'invitation.%' or action = 'member.added') order by id")
            .bind(&acme)
            .fetch_all(&admin.pool)
            .await
            .unwrap();
    assert_eq!(actions, ["invitation.created", "invitation.accepted", "member.added"]);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn resend_revoke_expire_and_failed_mail(pool: sqlx::PgPool) {
    let (admin, sink) = app_with_mail(pool.clone()).await;
    let acme = active_tenant(&admin, "Acme Links", "professional").await;
    let (_, inv) = admin
        .call(
            "POST",
            &format!("/api/v1/tenants/{acme}/invitations"),
            Some(json!({ "email": "a@example.com", "role": "member" })),
        )
        .await;
    let id = inv["id"].as_str().unwrap().to_string();
    let first = token_in(&sink.wait_for(1).await[0].data);
    // Inviting the same person again while pending is refused on the email field.
    let (s, b) = admin
        .call(
            "POST",
            &format!("/api/v1/tenants/{acme}/invitations"),
            Some(json!({ "email": "a@example.com", "role": "member" })),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(b["error"]["fields"]["email"].is_string());

    let (s, inv) = admin.call("POST", &format!("/api/v1/tenants/{acme}/invitations/{id}/resend"), None).await;
    assert_eq!(s, StatusCode::OK, "{inv}");
    assert_eq!(inv["sent_count"], 2);
    let second = token_in(&sink.wait_for(2).await[1].data);
    assert_ne!(first, second);
    let (s, _, _) = accept(&admin.anon(), &first, "A", "a good long password").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "the old link stopped working");

    // Expired: refused.
    sqlx::query("update invitations set expires_at = now() - interval '1 minute'").execute(&pool).await.unwrap();
    let (s, _, body) = accept(&admin.anon(), &second, "A", "a good long password").await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(body.contains("expired"), "{body}");
    let (_, list) = admin.get(&format!("/api/v1/tenants/{acme}/invitations")).await;
    assert_eq!(list[0]["status"], "expired");

    // Revoked: refused.
    let (s, inv) = admin.call("DELETE", &format!("/api/v1/tenants/{acme}/invitations/{id}"), None).await;
    assert_eq!((s, inv["status"].as_str()), (StatusCode::OK, Some("revoked")));
    let (s, _) = admin.call("DELETE", &format!("/api/v1/tenants/{acme}/invitations/{id}"), None).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // A mail server that is down: the invitation exists, with the reason it wasn't sent.
    let mut config = Config::default();
    config.mail.smtp_url = "smtp://127.0.0.1:9".into();
    config.mail.timeout_secs = 2;
    let state = tenantry::server::state::AppState::new(pool.clone(), config);
    let down = TestApp { app: tenantry::server::app(state), ..admin.clone() };
    let (s, inv) = down
        .call(
            "POST",
            &format!("/api/v1/tenants/{acme}/invitations"),
            Some(json!({ "email": "b@example.com", "role": "viewer" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["sent_count"], 0);
    assert!(inv["last_error"].as_str().unwrap().contains("could not be sent"), "{inv}");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn seats_owners_and_who_may_manage(pool: sqlx::PgPool) {
    let (admin, _sink) = app_with_mail(pool.clone()).await;
    // The free plan's user limit, from the catalog.
    let max: i64 = sqlx::query_scalar("select max_users from plans where id = 'free'").fetch_one(&pool).await.unwrap();
    let acme = active_tenant(&admin, "Acme Seats", "free").await;
    let owner = admin.member(&acme, "owner@acme.example", Role::Owner).await;
    let manager = admin.member(&acme, "admin@acme.example", Role::Admin).await;
    let viewer = admin.member(&acme, "viewer@acme.example", Role::Viewer).await;
    let outsider = {
        let other = active_tenant(&admin, "Elsewhere", "free").await;
        admin.member(&other, "owner@elsewhere.example", Role::Owner).await
    };
    let invite = |who: &TestApp, email: &str, role: &str| {
        let (who, body) = (who.clone(), json!({ "email": email, "role": role }));
        let uri = format!("/api/v1/tenants/{acme}/invitations");
        async move { who.call("POST", &uri, Some(body)).await }
    };
    assert_eq!(invite(&viewer, "x@example.com", "member").await.0, StatusCode::FORBIDDEN);
    assert_eq!(invite(&outsider, "x@example.com", "member").await.0, StatusCode::NOT_FOUND);
    let (s, b) = invite(&manager, "x@example.com", "owner").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "an admin can't invite an owner: {b}");
    let (s, b) = invite(&manager, "viewer@acme.example", "member").await;
    assert_eq!(s, StatusCode::CONFLICT, "already a member: {b}");

    // Fill the plan: 3 members now; invite until the limit, then refused with nothing written.
    for i in 3..max {
        let (s, b) = invite(&manager, &format!("p{i}@example.com"), "member").await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let before: i64 = sqlx::query_scalar("select count(*) from invitations").fetch_one(&pool).await.unwrap();
    let (s, b) = invite(&manager, "one-too-many@example.com", "member").await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("allows"), "{b}");
    let after: i64 = sqlx::query_scalar("select count(*) from invitations").fetch_one(&pool).await.unwrap();
    assert_eq!(before, after);

    // Owners: only an owner changes one; the last owner stays.
    let owner_id: String = sqlx::query_scalar("select id::text from users where email = 'owner@acme.example'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let viewer_id: String = sqlx::query_scalar("select id::text from users where email = 'viewer@acme.example'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let members = format!("/api/v1/tenants/{acme}/members");
    assert_eq!(
        manager.call("PUT", &format!("{members}/{owner_id}"), Some(json!({ "role": "viewer" }))).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        manager.call("PUT", &format!("{members}/{viewer_id}"), Some(json!({ "role": "owner" }))).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        owner.call("PUT", &format!("{members}/{owner_id}"), Some(json!({ "role": "admin" }))).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(owner.call("DELETE", &format!("{members}/{owner_id}"), None).await.0, StatusCode::CONFLICT);
    assert_eq!(viewer.call("DELETE", &format!("{members}/{viewer_id}"), None).await.0, StatusCode::FORBIDDEN);
    let (s, m) = manager.call("PUT", &format!("{members}/{viewer_id}"), Some(json!({ "role": "member" }))).await;
    assert_eq!((s, m["role"].as_str()), (StatusCode::OK, Some("member")));
    let (s, _) = owner.call("PUT", &format!("{members}/{viewer_id}"), Some(json!({ "role": "owner" }))).await;
    assert_eq!(s, StatusCode::OK);
    // Two owners now: the first may step down.
    assert_eq!(
        owner.call("PUT", &format!("{members}/{owner_id}"), Some(json!({ "role": "admin" }))).await.0,
        StatusCode::OK
    );
    assert_eq!(
        manager.call("PUT", &format!("{members}/{viewer_id}"), Some(json!({ "role": "chief" }))).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}
