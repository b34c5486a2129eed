//! Invoices (they add up, are issued once, never change) and cost alerts.

use crate::helpers::*;
use axum::body::Body;
use chrono::{Duration, Utc};
use http::{Request, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

/// Last month as [start, end).
fn last_month() -> (chrono::NaiveDate, chrono::NaiveDate) {
    use tenantry::server::services::usage::periods::{month_bounds, step};
    let (this, _) = month_bounds(Utc::now().date_naive());
    (step(tenantry::model::usage::Period::Month, this, -1), this)
}

/// Daily rollup rows for a tenant, written directly (a month that is already over).
async fn put_day(pool: &sqlx::PgPool, tenant: &str, metric: &str, day: chrono::NaiveDate, v: f64) {
    sqlx::query(
        "insert into usage_daily (tenant_id, metric, day, total, peak, last, last_at, events)
         values ($1::uuid, $2, $3, $4, $4, $4, $3::timestamp at time zone 'UTC', 1)",
    )
    .bind(tenant)
    .bind(metric)
    .bind(day)
    .bind(v)
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn invoices_add_up_are_issued_once_and_never_change(pool: sqlx::PgPool) {
    let admin = TestApp::new(pool).await;
    let a = active_tenant(&admin, "Acme Billing", "starter").await;
    // Activated before last month began, as if it had been a customer all month.
    sqlx::query("update tenants set activated_at = now() - interval '90 days' where id = $1::uuid")
        .bind(&a)
        .execute(&admin.pool)
        .await
        .unwrap();
    let (start, end) = last_month();
    // Starter: 250,000 calls and 100 GB bandwidth included; 20 GB storage.
    put_day(&admin.pool, &a, "api_calls", start, 200_000.0).await;
    put_day(&admin.pool, &a, "api_calls", start + Duration::days(1), 52_345.0).await; // 2,345 over: 3 × 50¢
    put_day(&admin.pool, &a, "bandwidth_gb", start, 90.0).await; // within the allocation
    put_day(&admin.pool, &a, "storage_gb", start, 15.0).await;
    put_day(&admin.pool, &a, "storage_gb", start + Duration::days(2), 22.5).await; // peak 22.5: 3 GB × 25¢
    let issued = tenantry::server::services::usage::billing::issue_due(&admin.pool, end, 100).await.unwrap();
    assert_eq!(issued, 1);
    // Once per tenant and period, however often the worker runs.
    assert_eq!(tenantry::server::services::usage::billing::issue_due(&admin.pool, end, 100).await.unwrap(), 0);

    let (s, list) = admin.get(&format!("/api/v1/tenants/{a}/invoices")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let inv = &list[0];
    let lines = inv["lines"].as_array().unwrap();
    let amounts: Vec<i64> = lines.iter().map(|l| l["amount_cents"].as_i64().unwrap()).collect();
    assert_eq!(amounts, [2900, 150, 75]);
    assert_eq!(inv["total_cents"].as_i64().unwrap(), amounts.iter().sum::<i64>());
    assert_eq!(lines[1]["metric"], "api_calls");
    assert_eq!(lines[1]["quantity"], 3.0);

    // CSV: one row per line and a total row; through Accept or ?format=csv.
    let id = inv["id"].as_str().unwrap();
    let req = Request::get(format!("/api/v1/tenants/{a}/invoices/{id}"))
        .header("accept", "text/csv")
        .body(Body::empty())
        .unwrap();
    let (s, headers, csv) = admin.send(req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(csv.lines().count(), 1 + 3 + 1, "{csv}");
    assert!(csv.lines().last().unwrap().ends_with(",total,,,,,3125,USD"), "{csv}");
    let (s, _) = admin.get(&format!("/api/v1/tenants/{a}/invoices/{id}?format=xml")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = admin.get(&format!("/api/v1/tenants/{a}/invoices/{}", Uuid::new_v4())).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Issued means final: the database refuses every change.
    for sql in [
        "update invoices set total_cents = 1",
        "delete from invoices",
        "update invoice_lines set amount_cents = 1",
        "delete from invoice_lines",
        "truncate invoice_lines",
    ] {
        let err = sqlx::query(sql).execute(&admin.pool).await.expect_err(sql);
        assert!(err.to_string().contains("cannot be changed"), "{sql}: {err}");
    }
    let err = sqlx::query(
        "insert into invoice_lines (tenant_id, invoice_id, line_no, kind, description, quantity, unit_price_cents, amount_cents)
         values ($1::uuid, $2::uuid, 9, 'credit', 'sneaky', 1, -100, -100)",
    )
    .bind(&a)
    .bind(id)
    .execute(&admin.pool)
    .await
    .expect_err("a line added later");
    assert!(err.to_string().contains("cannot be changed"));
    let (_, again) = admin.get(&format!("/api/v1/tenants/{a}/invoices/{id}")).await;
    assert_eq!(&again, inv);
}

#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn a_cost_alert_emails_the_owners_once_per_period(pool: sqlx::PgPool) {
    let (admin, sink) = with_mail(pool, |_| {}).await;
    let a = active_tenant(&admin, "Acme Alerts", "starter").await;
    let owner = admin.member(&a, "owner@acme.example", tenantry::model::Role::Owner).await;
    admin.member(&a, "member@acme.example", tenantry::model::Role::Member).await;
    // Members may not set it; owners may; bad amounts are refused.
    let viewer = admin.member(&a, "viewer@acme.example", tenantry::model::Role::Viewer).await;
    let uri = format!("/api/v1/tenants/{a}/usage/cost-alert");
    assert_eq!(viewer.call("PUT", &uri, Some(json!({ "threshold_cents": 100 }))).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        owner.call("PUT", &uri, Some(json!({ "threshold_cents": 0 }))).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Below the plan price, so it is passed as soon as the period starts.
    let (s, u) = owner.call("PUT", &uri, Some(json!({ "threshold_cents": 1000 }))).await;
    assert_eq!((s, u["cost_alert_cents"].as_i64()), (StatusCode::OK, Some(1000)), "{u}");
    let sent = tenantry::server::services::usage::billing::check_cost_alerts(&admin.state).await.unwrap();
    assert_eq!(sent, 1);
    let mails = sink.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].to.iter().any(|t| t.contains("owner@acme.example")), "{:?}", mails[0].to);
    assert!(mails[0].data.contains("Acme Alerts"));
    // Not again in the same period.
    assert_eq!(tenantry::server::services::usage::billing::check_cost_alerts(&admin.state).await.unwrap(), 0);
    assert!(admin.audit_actions(&a).await.contains(&"usage.cost_alert_sent".to_string()));
    // It is also an alert in the tenant's list, open until the threshold changes.
    let alerts_uri = format!("/api/v1/tenants/{a}/alerts");
    let (s, alerts) = owner.get(&alerts_uri).await;
    assert_eq!(s, StatusCode::OK, "{alerts}");
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!((alerts[0]["subject"].as_str(), alerts[0]["threshold"].as_str()), (Some("cost"), Some("cost")));
    assert_eq!((alerts[0]["status"].as_str(), alerts[0]["limit"].as_i64()), (Some("open"), Some(1000)));
    // Removing it: null, and the cost alert resolves.
    let (s, u) = owner.call("PUT", &uri, Some(json!({ "threshold_cents": null }))).await;
    assert_eq!((s, u["cost_alert_cents"].clone()), (StatusCode::OK, Value::Null));
    assert_eq!(owner.get(&alerts_uri).await.1, json!([]), "nothing unresolved");
    let (_, all) = owner.get(&format!("{alerts_uri}?status=all")).await;
    assert_eq!(all[0]["status"], "resolved", "{all}");
    assert_eq!(sink.messages().await.len(), 1, "a cost alert is emailed once, as the cost email");
}
