//! Custom domains (PRODUCT.md C4) against a real DNS server: a tiny authoritative server
//! on 127.0.0.1 (hickory-proto over a UDP socket) answers TXT queries from a table the test
//! fills, and the portal's resolver is pointed at it (`[tenancy] dns_upstream`).

use crate::helpers::*;
use http::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tenantry::server::config::Config;
use tenantry::server::workers::Worker;

use hickory_resolver::proto::op::{Message, OpCode, ResponseCode};
use hickory_resolver::proto::rr::rdata::TXT;
use hickory_resolver::proto::rr::{RData, Record, RecordType};

/// TXT records by name (lower case, no final dot); every other name is NXDOMAIN.
#[derive(Clone, Default)]
struct Zone(Arc<Mutex<HashMap<String, Vec<String>>>>);

impl Zone {
    fn publish(&self, name: &str, value: &str) {
        self.0.lock().unwrap().insert(name.to_string(), vec![value.to_string()]);
    }
}

/// Serves `zone` on a fresh UDP port of 127.0.0.1; answers the port.
async fn dns_server(zone: Zone) -> u16 {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = socket.recv_from(&mut buf).await {
            let Ok(query) = Message::from_vec(&buf[..n]) else { continue };
            let mut answer = Message::response(query.metadata.id, OpCode::Query);
            answer.metadata.recursion_desired = query.metadata.recursion_desired;
            answer.metadata.recursion_available = true;
            answer.metadata.authoritative = true;
            for q in &query.queries {
                answer.add_query(q.clone());
                let name = q.name().to_ascii().trim_end_matches('.').to_ascii_lowercase();
                match zone.0.lock().unwrap().get(&name) {
                    Some(values) if q.query_type() == RecordType::TXT => {
                        for v in values {
                            answer.add_answer(Record::from_rdata(
                                q.name().clone(),
                                5,
                                RData::TXT(TXT::new(vec![v.clone()])),
                            ));
                        }
                    }
                    Some(_) => {}
                    None => answer.metadata.response_code = ResponseCode::NXDomain,
                }
            }
            let _ = socket.send_to(&answer.to_vec().unwrap(), from).await;
        }
    });
    port
}

/// The portal with its resolver pointed at a DNS server of the test's own.
async fn app_with_dns(pool: PgPool) -> (TestApp, Zone) {
    let zone = Zone::default();
    let port = dns_server(zone.clone()).await;
    let mut config = Config::default();
    config.tenancy.base_domain = "tenantry.test".into();
    config.tenancy.dns_upstream = format!("127.0.0.1:{port}");
    config.outbound.allow = vec!["127.0.0.1".into()];
    config.mail.public_url = "https://portal.example.com".into();
    (TestApp::with_config(pool, config).await, zone)
}

async fn add(app: &TestApp, tenant: &str, domain: &str) -> (StatusCode, Value) {
    app.call("POST", &format!("/api/v1/tenants/{tenant}/domains"), Some(json!({ "domain": domain }))).await
}

async fn verify(app: &TestApp, tenant: &str, domain: &str) -> (StatusCode, Value) {
    app.call("POST", &format!("/api/v1/tenants/{tenant}/domains/{domain}/verify"), None).await
}

async fn round(app: &TestApp) {
    let w: Worker = tenantry::server::services::domains::worker();
    (w.round)(app.state.clone()).await.expect("a round of the domains worker");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_domain_is_verified_by_its_txt_record_and_only_then_resolves(pool: PgPool) {
    let (admin, zone) = app_with_dns(pool).await;
    let a = active_tenant(&admin, "Dns Alpha", "professional").await;
    let b = active_tenant(&admin, "Dns Bravo", "professional").await;

    let (s, d) = add(&admin, &a, " App.Alpha.Example. ").await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(
        (d["domain"].as_str(), d["status"].as_str(), d["primary"].as_bool()),
        (Some("app.alpha.example"), Some("pending"), Some(true))
    );
    assert_eq!(d["record_name"], "_tenantry-challenge.app.alpha.example");
    let token = d["record_value"].as_str().unwrap().to_string();
    assert!(token.len() > 30, "{token}");
    let (_, t) = admin.get(&format!("/api/v1/tenants/{a}")).await;
    assert_eq!(t["domain"], "app.alpha.example", "the first domain is the tenant's primary one");

    // Taken by another tenant's claim, the portal's own names, a bad name, the plan's limit.
    let (s, e) = add(&admin, &b, "app.alpha.example").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["fields"]["domain"], "Another tenant already uses this domain.");
    assert_eq!(add(&admin, &a, "app.alpha.example").await.0, StatusCode::CONFLICT, "added twice");
    for own in ["portal.example.com", "tenantry.test", "dns-bravo.tenantry.test"] {
        let (s, e) = add(&admin, &b, own).await;
        assert_eq!(s, StatusCode::CONFLICT, "{own}: {e}");
        assert!(e["error"]["message"].as_str().unwrap().contains("portal's own"), "{e}");
    }
    let (s, e) = add(&admin, &b, "not a domain").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"]["fields"]["domain"].is_string(), "{e}");
    let free = active_tenant(&admin, "Dns Free", "free").await;
    let (s, e) = add(&admin, &free, "app.free.example").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("Free"), "{e}");
    tenantry::db::allocations::set(&admin.pool, uuid::Uuid::parse_str(&b).unwrap(), "custom_domains", 1).await.unwrap();
    assert_eq!(add(&admin, &b, "one.bravo.example").await.0, StatusCode::CREATED);
    let (s, e) = add(&admin, &b, "two.bravo.example").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("all 1 custom domains"), "{e}");

    // No record yet: still pending, and the answer says so.
    let (s, d) = verify(&admin, &a, "app.alpha.example").await;
    assert_eq!((s, d["status"].as_str()), (StatusCode::OK, Some("pending")), "{d}");
    assert!(d["last_result"].as_str().unwrap().contains("no TXT record"), "{d}");
    assert!(d["last_checked_at"].is_string() && d["next_check_at"].is_string() && d["gives_up_at"].is_string());
    let key_a = admin.with_new_key(&a, &["tenants:read"]).await;
    let key_b = admin.with_new_key(&b, &["tenants:read"]).await;
    let host = "app.alpha.example";
    assert_eq!(key_b.get_at(host, "/api/v1/me").await.0, StatusCode::OK, "a pending domain names no tenant");

    // The wrong token.
    zone.publish("_tenantry-challenge.app.alpha.example", "tenantry-verification=not-the-right-one");
    let (_, d) = verify(&admin, &a, "app.alpha.example").await;
    assert_eq!(d["status"], "pending", "{d}");
    assert!(d["last_result"].as_str().unwrap().contains("not this domain's token"), "{d}");

    // The right one: verified, and now the domain names the tenant.
    zone.publish("_tenantry-challenge.app.alpha.example", &token);
    let (s, d) = verify(&admin, &a, "app.alpha.example").await;
    assert_eq!((s, d["status"].as_str()), (StatusCode::OK, Some("verified")), "{d}");
    assert!(d["verified_at"].is_string() && d["next_check_at"].is_null(), "{d}");
    assert_eq!(key_b.get_at(host, "/api/v1/me").await.0, StatusCode::NOT_FOUND, "B's key on A's domain");
    let (s, me) = key_a.get_at(host, "/api/v1/me").await;
    assert_eq!((s, me["tenant_id"].as_str()), (StatusCode::OK, Some(a.as_str())));
    let (_, list) = admin.get(&format!("/api/v1/tenants/{a}/domains")).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["status"], "verified");
    let (_, audit) = admin.get(&format!("/api/v1/audit?tenant_id={a}&action=domain.verified")).await;
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(1), "{audit}");

    // Unknown domains are 404; removing one makes it stop resolving at once.
    assert_eq!(verify(&admin, &a, "nope.example").await.0, StatusCode::NOT_FOUND);
    let (s, _) = admin.call("DELETE", &format!("/api/v1/tenants/{a}/domains/app.alpha.example"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(key_b.get_at(host, "/api/v1/me").await.0, StatusCode::OK);
    let (_, t) = admin.get(&format!("/api/v1/tenants/{a}")).await;
    assert!(t["domain"].is_null(), "{t}");
    assert_eq!(
        admin.call("DELETE", &format!("/api/v1/tenants/{a}/domains/app.alpha.example"), None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn sessions_are_bound_to_the_host_they_were_made_on(pool: PgPool) {
    let (admin, zone) = app_with_dns(pool).await;
    let a = active_tenant(&admin, "Host Alpha", "professional").await;
    let pat = admin.member(&a, "pat@example.com", tenantry::model::Role::Admin).await;
    let (_, d) = add(&pat, &a, "portal.alpha.example").await;
    let host = "portal.alpha.example";

    // Pending: nobody signs in there.
    let (s, _, body) = admin.sign_in_raw_at(Some(host), "pat@example.com", PASSWORD).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");

    let login = || http::Request::get("/login").header("host", host).body(axum::body::Body::empty()).unwrap();
    let (_, _, html) = admin.anon().send(login()).await;
    assert!(!html.contains("sign-in-brand"), "a pending domain is nobody's");
    zone.publish(d["record_name"].as_str().unwrap(), d["record_value"].as_str().unwrap());
    assert_eq!(verify(&pat, &a, host).await.1["status"], "verified");
    // Verified: its sign-in page wears the tenant's brand.
    let (s, _, html) = admin.anon().send(login()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("data-testid=\"sign-in-brand\"") && html.contains("Host Alpha"), "the tenant's sign-in page");
    let on_domain = admin.sign_in_at(host, "pat@example.com", PASSWORD).await;
    let (s, me) = on_domain.get_at(host, "/api/v1/me").await;
    assert_eq!((s, me["tenant_id"].as_str()), (StatusCode::OK, Some(a.as_str())), "{me}");
    // The same cookie on the portal's host, or a portal cookie on the domain: no credential.
    assert_eq!(on_domain.get_at("portal.example.com", "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(on_domain.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let on_portal = admin.sign_in_at("portal.example.com", "pat@example.com", PASSWORD).await;
    assert_eq!(on_portal.get_at("portal.example.com", "/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(on_portal.get_at(host, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);

    // The domain removed, its sessions end with it.
    let (s, _) = pat.call("DELETE", &format!("/api/v1/tenants/{a}/domains/{host}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(on_domain.get_at(host, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn the_worker_checks_on_schedule_once_and_gives_up_after_seven_days(pool: PgPool) {
    let (admin, zone) = app_with_dns(pool).await;
    let a = active_tenant(&admin, "Sched Alpha", "professional").await;
    let b = active_tenant(&admin, "Sched Bravo", "professional").await;
    add(&admin, &a, "stale.sched.example").await;
    let (_, found) = add(&admin, &a, "found.sched.example").await;
    add(&admin, &a, "absent.sched.example").await;
    zone.publish(found["record_name"].as_str().unwrap(), found["record_value"].as_str().unwrap());

    // Nothing is due for a minute after it is added.
    round(&admin).await;
    let checks: i64 =
        sqlx::query_scalar("select sum(checks) from tenant_domains").fetch_one(&admin.pool).await.unwrap();
    assert_eq!(checks, 0);

    sqlx::query("update tenant_domains set next_check_at = now() - interval '1 second'")
        .execute(&admin.pool)
        .await
        .unwrap();
    sqlx::query(
        "update tenant_domains set window_started_at = now() - interval '8 days' where domain = 'stale.sched.example'",
    )
    .execute(&admin.pool)
    .await
    .unwrap();
    // Two instances' rounds at once: every due check is made once.
    tokio::join!(round(&admin), round(&admin));
    let rows: Vec<(String, String, i32, Option<f64>)> = sqlx::query_as(
        "select domain, status, checks, extract(epoch from next_check_at - last_checked_at)::float8
         from tenant_domains order by domain",
    )
    .fetch_all(&admin.pool)
    .await
    .unwrap();
    let by: HashMap<_, _> = rows.into_iter().map(|(d, s, c, n)| (d, (s, c, n))).collect();
    assert_eq!(by["found.sched.example"].0, "verified");
    assert_eq!(by["found.sched.example"].1, 1);
    let (status, checks, next) = &by["absent.sched.example"];
    assert_eq!((status.as_str(), *checks), ("pending", 1));
    // The second check comes 2 minutes after the first (then 4, 8, … up to 6 hours).
    assert!((119.0..=121.0).contains(&next.unwrap()), "{next:?}");
    assert_eq!(by["stale.sched.example"].0, "failed");
    // A check that raced one which verified the domain writes nothing over it.
    let late = tenantry::db::domains::Outcome::Again("a late answer", 2);
    let tenant = uuid::Uuid::parse_str(&a).unwrap();
    assert!(!tenantry::db::domains::record_check(&admin.pool, tenant, "found.sched.example", late, true)
        .await
        .unwrap());
    let (_, list) = admin.get(&format!("/api/v1/tenants/{a}/domains")).await;
    let found = list.as_array().unwrap().iter().find(|d| d["domain"] == "found.sched.example").unwrap();
    assert_eq!(found["status"], "verified", "{found}");

    // A claim given up on frees the name; retrying it then is a conflict.
    let (_, list) = admin.get(&format!("/api/v1/tenants/{a}/domains")).await;
    let stale = list.as_array().unwrap().iter().find(|d| d["domain"] == "stale.sched.example").unwrap().clone();
    assert!(stale["last_result"].as_str().unwrap().starts_with("Gave up after 7 days"), "{stale}");
    let (_, t) = admin.get(&format!("/api/v1/tenants/{a}")).await;
    assert_eq!(t["domain"], "found.sched.example", "the primary domain moves to a live one");
    assert_eq!(add(&admin, &b, "stale.sched.example").await.0, StatusCode::CREATED);
    assert_eq!(verify(&admin, &a, "stale.sched.example").await.0, StatusCode::CONFLICT);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn members_read_domains_and_only_editors_change_them(pool: PgPool) {
    let (admin, _zone) = app_with_dns(pool).await;
    let a = active_tenant(&admin, "Roles Alpha", "professional").await;
    let viewer = admin.member(&a, "vic@example.com", tenantry::model::Role::Viewer).await;
    assert_eq!(add(&admin, &a, "app.roles.example").await.0, StatusCode::CREATED);
    let (s, list) = viewer.get(&format!("/api/v1/tenants/{a}/domains")).await;
    assert_eq!((s, list.as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
    assert_eq!(add(&viewer, &a, "other.roles.example").await.0, StatusCode::FORBIDDEN);
    assert_eq!(verify(&viewer, &a, "app.roles.example").await.0, StatusCode::FORBIDDEN);
    let (s, _) = viewer.call("DELETE", &format!("/api/v1/tenants/{a}/domains/app.roles.example"), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let n: i64 = sqlx::query_scalar("select count(*) from tenant_domains").fetch_one(&admin.pool).await.unwrap();
    assert_eq!(n, 1, "nothing changed");
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_terminated_tenant_gives_up_its_domains(pool: PgPool) {
    let (admin, zone) = app_with_dns(pool).await;
    let a = active_tenant(&admin, "Gone Alpha", "professional").await;
    let b = active_tenant(&admin, "Gone Bravo", "professional").await;
    let (_, shop) = add(&admin, &a, "shop.gone.example").await;
    zone.publish(shop["record_name"].as_str().unwrap(), shop["record_value"].as_str().unwrap());
    assert_eq!(verify(&admin, &a, "shop.gone.example").await.1["status"], "verified");
    assert_eq!(add(&admin, &a, "later.gone.example").await.0, StatusCode::CREATED);
    assert_eq!(add(&admin, &b, "shop.gone.example").await.0, StatusCode::CONFLICT, "held while A is live");

    let (s, t) =
        admin.call("POST", &format!("/api/v1/tenants/{a}/terminate"), Some(json!({ "reason": "closed" }))).await;
    assert_eq!((s, t["status"].as_str()), (StatusCode::OK, Some("terminated")), "{t}");
    assert!(t["domain"].is_null(), "{t}");
    let (_, left) = admin.get(&format!("/api/v1/tenants/{a}/domains")).await;
    assert_eq!(left, json!([]), "no claim is left, so the worker checks nothing of A's");
    let released: Value = sqlx::query_scalar(
        "select after -> 'domains_released' from audit_events
          where tenant_id = $1::uuid and action = 'tenant.access_revoked'",
    )
    .bind(&a)
    .fetch_one(&admin.pool)
    .await
    .unwrap();
    assert_eq!(released, json!(["later.gone.example", "shop.gone.example"]));

    // The names are free: another tenant claims both, the first becoming its primary.
    for d in ["shop.gone.example", "later.gone.example"] {
        let (s, e) = add(&admin, &b, d).await;
        assert_eq!(s, StatusCode::CREATED, "{d}: {e}");
    }
    let (_, tb) = admin.get(&format!("/api/v1/tenants/{b}")).await;
    assert_eq!(tb["domain"], "shop.gone.example", "{tb}");
}
