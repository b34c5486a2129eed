//! Notifications (PRODUCT.md C5): each person's choices, honoured by every email the
//! portal sends about a tenant (over real SMTP to a local sink), and the in-app centre.

use crate::alerts::{scale, use_calls};
use crate::helpers::*;
use crate::server_fns::{form_fn, json_fn};
use http::StatusCode;
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};
use tenantry::fns::notifications::{GetInbox, MarkNotificationsRead};
use tenantry::model::Role;

fn pref(prefs: &Value, tenant: &str, event: &str) -> (bool, bool, bool) {
    let p = prefs["preferences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["tenant_id"] == tenant && p["event"] == event)
        .unwrap_or_else(|| panic!("no {event} preference for {tenant}: {prefs}"));
    (p["email"].as_bool().unwrap(), p["in_app"].as_bool().unwrap(), p["default"].as_bool().unwrap())
}

async fn choose(who: &TestApp, tenant: &str, event: &str, email: bool, in_app: bool) -> (StatusCode, Value) {
    let body = json!({ "preferences": [{ "tenant_id": tenant, "event": event, "email": email, "in_app": in_app }] });
    who.call("PUT", "/api/v1/me/notifications", Some(body)).await
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn choices_have_defaults_are_saved_whole_and_refuse_bad_input(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Prefs Alpha", "starter").await;
    let b = active_tenant(&admin, "Prefs Bravo", "starter").await;
    let owner = admin.member(&a, "olivia@prefs.example", Role::Owner).await;
    let adam = admin.member(&a, "adam@prefs.example", Role::Admin).await;

    // A platform admin who belongs to no tenant has nothing to choose.
    let (s, p) = admin.get("/api/v1/me/notifications").await;
    assert_eq!(
        (s, p["preferences"].as_array().map(Vec::len), p["unread"].as_i64()),
        (StatusCode::OK, Some(0), Some(0))
    );
    // Defaults: everyone in the app, owners by email too.
    let (_, p) = owner.get("/api/v1/me/notifications").await;
    assert_eq!(p["preferences"].as_array().unwrap().len(), 5, "{p}");
    assert_eq!(pref(&p, &a, "health"), (true, true, true));
    let (_, p) = adam.get("/api/v1/me/notifications").await;
    assert_eq!(pref(&p, &a, "health"), (false, true, true));

    let (s, p) = choose(&adam, &a, "health", true, false).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(pref(&p, &a, "health"), (true, false, false));
    assert_eq!(pref(&p, &a, "alerts"), (false, true, true), "the others stay as they were");

    // All or none: a tenant Adam doesn't belong to is a 404, and the valid choice before it is not saved.
    let both = json!({ "preferences": [
        { "tenant_id": a, "event": "billing", "email": true, "in_app": false },
        { "tenant_id": b, "event": "billing", "email": true, "in_app": true } ] });
    assert_eq!(adam.call("PUT", "/api/v1/me/notifications", Some(both)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(pref(&adam.get("/api/v1/me/notifications").await.1, &a, "billing"), (false, true, true));
    let (s, e) = choose(&adam, &a, "marketing", true, true).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = adam.call("PUT", "/api/v1/me/notifications", Some(json!({ "preferences": [] }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"]["fields"]["preferences"].is_string(), "{e}");

    // People only.
    let key = admin.with_new_key(&a, &["tenants:read"]).await;
    assert_eq!(key.get("/api/v1/me/notifications").await.0, StatusCode::FORBIDDEN);
    assert_eq!(admin.anon().get("/api/v1/me/notifications").await.0, StatusCode::UNAUTHORIZED);
}

async fn notifications_round(app: &TestApp) {
    let w = tenantry::server::services::notifications::worker();
    (w.round)(app.state.clone()).await.expect("a round of the notifications worker");
}

async fn unread(who: &TestApp) -> i64 {
    who.get("/api/v1/me/notifications").await.1["unread"].as_i64().unwrap()
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn every_email_honours_the_choices_and_the_centre_shows_the_rest(pool: sqlx::PgPool) {
    let (admin, sink) = with_mail(pool, |_| {}).await;
    let a = active_tenant(&admin, "Acme Notify", "starter").await;
    let olivia = admin.member(&a, "olivia@notify.example", Role::Owner).await;
    let otto = admin.member(&a, "otto@notify.example", Role::Owner).await;
    let adam = admin.member(&a, "adam@notify.example", Role::Admin).await;
    assert_eq!(choose(&olivia, &a, "alerts", false, true).await.0, StatusCode::OK);
    assert_eq!(choose(&adam, &a, "alerts", true, true).await.0, StatusCode::OK);
    assert_eq!(choose(&otto, &a, "lifecycle", true, false).await.0, StatusCode::OK);

    // A limit alert (its own, richer email): Otto (an owner, by default) and Adam (who
    // asked for it) are written to; Olivia, who said no, is not.
    scale(&admin, &a, 100).await;
    use_calls(&admin, &a, 85, "n-1").await;
    tenantry::server::services::alerts::evaluate(&admin.state).await.unwrap();
    let mails = sink.wait_for(2).await;
    let to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    assert!(to.iter().any(|t| t.contains("otto@")) && to.iter().any(|t| t.contains("adam@")), "{to:?}");
    assert!(!to.iter().any(|t| t.contains("olivia@")), "{to:?}");

    // A lifecycle event (emailed by the notifications worker): the owners by default, not
    // the admin.
    let (s, t) =
        admin.call("POST", &format!("/api/v1/tenants/{a}/suspend"), Some(json!({ "reason": "Payment overdue" }))).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    notifications_round(&admin).await;
    notifications_round(&admin).await;
    let mails = sink.wait_for(4).await;
    let suspended: Vec<&tenantry::server::mail_sink::ReceivedMail> =
        mails.iter().filter(|m| m.data.contains("The tenant was suspended")).collect();
    let to: Vec<String> = suspended.iter().flat_map(|m| m.to.clone()).collect();
    assert_eq!(suspended.len(), 2, "{to:?}");
    assert!(to.iter().any(|t| t.contains("olivia@")) && to.iter().any(|t| t.contains("otto@")), "{to:?}");
    assert!(suspended[0].data.contains("Reason: Payment overdue"), "{}", suspended[0].data);
    assert_eq!(sink.messages().await.len(), 4, "a second round sends nothing again");

    // In the app: the alert and the suspension for Olivia and Adam; Otto turned lifecycle off there.
    assert_eq!((unread(&olivia).await, unread(&adam).await, unread(&otto).await), (2, 2, 1));
    let (s, inbox) = form_fn(&olivia, GetInbox::PATH, "limit=10").await;
    assert_eq!(s, StatusCode::OK, "{inbox}");
    let titles: Vec<&str> = inbox["items"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap()).collect();
    assert_eq!(titles.len(), 2, "{inbox}");
    assert!(titles.contains(&"The tenant was suspended"), "{titles:?}");
    let first = inbox["items"][0]["id"].as_i64().unwrap();
    let (s, left) = json_fn(&olivia, MarkNotificationsRead::PATH, json!({ "ids": [first] })).await;
    assert_eq!((s, left.as_i64()), (StatusCode::OK, Some(1)));
    // Nobody marks another's notifications: Adam's ids are not Olivia's.
    let (_, adams) = form_fn(&adam, GetInbox::PATH, "limit=10").await;
    let ids: Vec<i64> = adams["items"].as_array().unwrap().iter().map(|n| n["id"].as_i64().unwrap()).collect();
    json_fn(&olivia, MarkNotificationsRead::PATH, json!({ "ids": ids })).await;
    assert_eq!(unread(&adam).await, 2);
    let (_, left) = json_fn(&olivia, MarkNotificationsRead::PATH, json!({ "ids": null })).await;
    assert_eq!(left.as_i64(), Some(0));
}
