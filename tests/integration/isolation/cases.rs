//! The isolation matrix's entries: who may call each REST route and server function.

use super::Row;
use super::Want::*;
use serde_json::{json, Value};

/// Managing people and keys in A: A's viewer is refused, B's callers don't see A.
const MANAGE: Row = [Unauthorized, Forbidden, NotFound, NotFound, Ok];
/// Reading A's objects: A's viewer may, B's callers don't see A.
const READ_A: Row = [Unauthorized, Ok, NotFound, NotFound, Ok];
/// Platform actions on A's objects (workflows, exports): A's viewer is refused.
const STEER_A: Row = [Unauthorized, Forbidden, NotFound, NotFound, Ok];
/// The caller's own tenant (quotas): B's key and a platform admin working in B see only B.
const QUOTA: Row = [Unauthorized, Forbidden, Forbidden, Hidden, Hidden];
/// The caller's own notifications: people only (an API key is refused), nothing of A's
/// reaches B.
const MINE: Row = [Unauthorized, Ok, Hidden, Forbidden, Ok];
/// A person's choices for tenant A: its members only (a platform admin isn't one).
const MINE_IN_A: Row = [Unauthorized, Ok, NotFound, Forbidden, NotFound];
/// Platform-wide administration.
const PLATFORM: Row = [Unauthorized, Forbidden, Forbidden, Forbidden, Ok];

/// The seeded starter plan, unchanged (an edit that changes nothing).
fn starter_plan() -> Value {
    json!({ "id": "starter", "name": "Starter", "description": "For small teams getting going.",
            "monthly_price_cents": 2900, "default_isolation": "row", "max_users": 25, "storage_gb": 20,
            "bandwidth_gb": 100, "api_calls_per_month": 250000, "custom_domains": 1, "projects": 10,
            "features": ["api_access", "basic_auth", "basic_reporting"] })
}

/// A valid policy body (scales members by one within 1-10).
fn policy() -> Value {
    json!({ "resource": "users", "name": "Grow", "metric": "utilization", "operator": "gte", "threshold": 80,
            "for_secs": 0, "action": "scale_by_step", "amount": 1, "min_allocated": 1, "max_allocated": 10,
            "cooldown_secs": 60 })
}

/// A valid health check body (its URL is refused by the test's outbound policy for the
/// callers allowed to try: a 422 is their answer).
fn health_check() -> Value {
    json!({ "name": "Probe", "url": "http://127.0.0.1:9/health", "interval_secs": 30, "timeout_ms": 1000 })
}

/// One request: method, URI (with placeholders), optional JSON body.
pub struct Case {
    pub method: &'static str,
    pub uri: &'static str,
    pub body: Option<Value>,
    pub want: Row,
}

/// REST routes, keyed by (method, OpenAPI path).
pub fn rest_cases() -> Vec<((&'static str, &'static str), Case)> {
    let c = |method, uri, body, want| Case { method, uri, body, want };
    vec![
        (("GET", "/api/v1/tenants"), c("GET", "/api/v1/tenants", None, [Unauthorized, Ok, Hidden, Hidden, Ok])),
        (
            ("POST", "/api/v1/tenants"),
            c(
                "POST",
                "/api/v1/tenants",
                Some(json!({ "name": "Made By Caller", "plan": "free", "region": "us-east-1" })),
                [Unauthorized, Forbidden, Forbidden, Forbidden, Ok],
            ),
        ),
        (
            ("GET", "/api/v1/tenants/stats"),
            c("GET", "/api/v1/tenants/stats", None, [Unauthorized, Ok, Hidden, Hidden, Ok]),
        ),
        (
            ("GET", "/api/v1/tenants/{id}"),
            c("GET", "/api/v1/tenants/{id}", None, [Unauthorized, Ok, NotFound, NotFound, Ok]),
        ),
        (
            ("PUT", "/api/v1/tenants/{id}"),
            c(
                "PUT",
                "/api/v1/tenants/{id}",
                Some(json!({ "description": "changed by caller" })),
                [Unauthorized, Forbidden, NotFound, NotFound, Ok],
            ),
        ),
        (("GET", "/api/v1/tenants/{id}/branding"), c("GET", "/api/v1/tenants/{id}/branding", None, READ_A)),
        (
            ("PUT", "/api/v1/tenants/{id}/branding"),
            c("PUT", "/api/v1/tenants/{id}/branding", Some(json!({ "primary_color": "#1d4ed8" })), MANAGE),
        ),
        (("GET", "/api/v1/tenants/{id}/config"), c("GET", "/api/v1/tenants/{id}/config", None, READ_A)),
        (("GET", "/api/v1/tenants/{id}/config/{category}"), c("GET", "/api/v1/tenants/{id}/config/auth", None, READ_A)),
        (
            ("PUT", "/api/v1/tenants/{id}/config/{category}"),
            c("PUT", "/api/v1/tenants/{id}/config/auth", Some(json!({ "password_min_length": 14 })), MANAGE),
        ),
        (
            ("GET", "/api/v1/tenants/{id}/config/{category}/versions"),
            c("GET", "/api/v1/tenants/{id}/config/auth/versions", None, READ_A),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/config/{category}/versions/{version}/restore"),
            c("POST", "/api/v1/tenants/{id}/config/auth/versions/1/restore", None, MANAGE),
        ),
        (("GET", "/api/v1/tenants/{id}/features"), c("GET", "/api/v1/tenants/{id}/features", None, READ_A)),
        (
            ("PUT", "/api/v1/tenants/{id}/features/{flag}"),
            c("PUT", "/api/v1/tenants/{id}/features/sso", Some(json!({ "enabled": true })), PLATFORM),
        ),
        (
            ("DELETE", "/api/v1/tenants/{id}/features/{flag}"),
            c("DELETE", "/api/v1/tenants/{id}/features/webhooks", None, PLATFORM),
        ),
        (("GET", "/api/v1/features"), c("GET", "/api/v1/features", None, PLATFORM)),
        (("GET", "/api/v1/me/notifications"), c("GET", "/api/v1/me/notifications", None, MINE)),
        (
            ("PUT", "/api/v1/me/notifications"),
            c(
                "PUT",
                "/api/v1/me/notifications",
                Some(
                    json!({ "preferences": [{ "tenant_id": "{id}", "event": "health", "email": true, "in_app": true }] }),
                ),
                MINE_IN_A,
            ),
        ),
        (("GET", "/api/v1/tenants/{id}/domains"), c("GET", "/api/v1/tenants/{id}/domains", None, READ_A)),
        (
            ("POST", "/api/v1/tenants/{id}/domains"),
            c("POST", "/api/v1/tenants/{id}/domains", Some(json!({ "domain": "added.iso.example" })), MANAGE),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/domains/{domain}/verify"),
            c("POST", "/api/v1/tenants/{id}/domains/{domain}/verify", None, MANAGE),
        ),
        (
            ("DELETE", "/api/v1/tenants/{id}/domains/{domain}"),
            c("DELETE", "/api/v1/tenants/{id}/domains/{domain}", None, MANAGE),
        ),
        (
            ("PUT", "/api/v1/features/{flag}/kill-switch"),
            c("PUT", "/api/v1/features/sso/kill-switch", Some(json!({ "killed": false })), PLATFORM),
        ),
        // A JSON body is not a logo: the callers let through are answered 415 (logos.rs
        // uploads real files).
        (
            ("PUT", "/api/v1/tenants/{id}/branding/logo"),
            c("PUT", "/api/v1/tenants/{id}/branding/logo", Some(json!({ "file": "not an image" })), MANAGE),
        ),
        (
            ("DELETE", "/api/v1/tenants/{id}"),
            c("DELETE", "/api/v1/tenants/{id}?reason=test", None, [Unauthorized, Forbidden, NotFound, NotFound, Ok]),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/activate"),
            c("POST", "/api/v1/tenants/{id}/activate", None, [Unauthorized, Forbidden, NotFound, NotFound, Ok]),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/suspend"),
            c(
                "POST",
                "/api/v1/tenants/{id}/suspend",
                Some(json!({ "reason": "test" })),
                [Unauthorized, Forbidden, NotFound, NotFound, Ok],
            ),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/resume"),
            c("POST", "/api/v1/tenants/{id}/resume", None, [Unauthorized, Forbidden, NotFound, NotFound, Ok]),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/terminate"),
            c(
                "POST",
                "/api/v1/tenants/{id}/terminate",
                Some(json!({ "reason": "test" })),
                [Unauthorized, Forbidden, NotFound, NotFound, Ok],
            ),
        ),
        (
            ("PUT", "/api/v1/tenants/{id}/upgrade"),
            c(
                "PUT",
                "/api/v1/tenants/{id}/upgrade",
                Some(json!({ "plan": "professional" })),
                [Unauthorized, Forbidden, NotFound, NotFound, Ok],
            ),
        ),
        (
            ("GET", "/api/v1/audit"),
            c("GET", "/api/v1/audit?tenant_id={id}", None, [Unauthorized, Forbidden, NotFound, NotFound, Ok]),
        ),
        (
            ("GET", "/api/v1/audit/export.csv"),
            c(
                "GET",
                "/api/v1/audit/export.csv?tenant_id={id}",
                None,
                [Unauthorized, Forbidden, NotFound, NotFound, Ok],
            ),
        ),
        (("GET", "/api/v1/plans"), c("GET", "/api/v1/plans", None, [Unauthorized, Ok, Ok, Ok, Ok])),
        (("GET", "/api/v1/regions"), c("GET", "/api/v1/regions", None, [Unauthorized, Ok, Ok, Ok, Ok])),
        (
            ("GET", "/api/v1/tenants/{id}/users"),
            c("GET", "/api/v1/tenants/{id}/users", None, [Unauthorized, Ok, NotFound, NotFound, Ok]),
        ),
        (
            ("PUT", "/api/v1/tenants/{id}/members/{user_id}"),
            c("PUT", "/api/v1/tenants/{id}/members/{user_id}", Some(json!({ "role": "member" })), MANAGE),
        ),
        (
            ("DELETE", "/api/v1/tenants/{id}/members/{user_id}"),
            c("DELETE", "/api/v1/tenants/{id}/members/{user_id}", None, MANAGE),
        ),
        (("GET", "/api/v1/tenants/{id}/invitations"), c("GET", "/api/v1/tenants/{id}/invitations", None, MANAGE)),
        (
            ("POST", "/api/v1/tenants/{id}/invitations"),
            c(
                "POST",
                "/api/v1/tenants/{id}/invitations",
                Some(json!({ "email": "new@alpha.example", "role": "member" })),
                MANAGE,
            ),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/invitations/{invitation_id}/resend"),
            c("POST", "/api/v1/tenants/{id}/invitations/{invitation_id}/resend", None, MANAGE),
        ),
        (
            ("DELETE", "/api/v1/tenants/{id}/invitations/{invitation_id}"),
            c("DELETE", "/api/v1/tenants/{id}/invitations/{invitation_id}", None, MANAGE),
        ),
        (("GET", "/api/v1/tenants/{id}/api-keys"), c("GET", "/api/v1/tenants/{id}/api-keys", None, MANAGE)),
        (
            ("POST", "/api/v1/tenants/{id}/api-keys"),
            c(
                "POST",
                "/api/v1/tenants/{id}/api-keys",
                Some(json!({ "name": "made", "scopes": ["tenants:read"] })),
                MANAGE,
            ),
        ),
        (
            ("DELETE", "/api/v1/tenants/{id}/api-keys/{key_id}"),
            c("DELETE", "/api/v1/tenants/{id}/api-keys/{key_id}", None, MANAGE),
        ),
        (("GET", "/api/v1/users"), c("GET", "/api/v1/users", None, PLATFORM)),
        (("POST", "/api/v1/users/{id}/disable"), c("POST", "/api/v1/users/{user_id}/disable", None, PLATFORM)),
        (("POST", "/api/v1/users/{id}/enable"), c("POST", "/api/v1/users/{user_id}/enable", None, PLATFORM)),
        (("GET", "/api/v1/me"), c("GET", "/api/v1/me", None, [Unauthorized, Ok, Ok, Ok, Ok])),
        (
            ("POST", "/api/v1/tenants/{id}/switch"),
            c("POST", "/api/v1/tenants/{id}/switch", None, [Unauthorized, Ok, NotFound, Forbidden, Ok]),
        ),
        (("GET", "/api/v1/workflows"), c("GET", "/api/v1/workflows", None, [Unauthorized, Ok, Hidden, Hidden, Ok])),
        (("GET", "/api/v1/workflows/{run_id}"), c("GET", "/api/v1/workflows/{run_id}", None, READ_A)),
        (("POST", "/api/v1/workflows/{run_id}/retry"), c("POST", "/api/v1/workflows/{run_id}/retry", None, STEER_A)),
        (
            ("POST", "/api/v1/workflows/{run_id}/discard"),
            c("POST", "/api/v1/workflows/{run_id}/discard", None, STEER_A),
        ),
        (("GET", "/api/v1/tenants/{id}/workflows"), c("GET", "/api/v1/tenants/{id}/workflows", None, READ_A)),
        (("GET", "/api/v1/tenants/{id}/exports"), c("GET", "/api/v1/tenants/{id}/exports", None, STEER_A)),
        (
            ("GET", "/api/v1/tenants/{id}/exports/{export_id}"),
            c("GET", "/api/v1/tenants/{id}/exports/{export_id}", None, STEER_A),
        ),
        (("PUT", "/api/v1/plans/{plan_id}"), c("PUT", "/api/v1/plans/starter", Some(starter_plan()), PLATFORM)),
        // Usage: reporting is a machine's job (or a platform admin naming the tenant).
        (
            ("POST", "/api/v1/usage"),
            c(
                "POST",
                "/api/v1/usage",
                Some(json!({ "tenant": "{id}", "events": [
                    { "metric": "api_calls", "value": 3, "time": chrono::Utc::now(), "idempotency_key": "iso-1" }
                ] })),
                MANAGE,
            ),
        ),
        (("GET", "/api/v1/usage/metrics"), c("GET", "/api/v1/usage/metrics", None, [Unauthorized, Ok, Ok, Ok, Ok])),
        (("GET", "/api/v1/usage/top"), c("GET", "/api/v1/usage/top?metric=api_calls", None, PLATFORM)),
        (("GET", "/api/v1/tenants/{id}/usage"), c("GET", "/api/v1/tenants/{id}/usage", None, READ_A)),
        (("GET", "/api/v1/tenants/{id}/usage/daily"), c("GET", "/api/v1/tenants/{id}/usage/daily", None, READ_A)),
        (
            ("GET", "/api/v1/tenants/{id}/usage/trends"),
            c("GET", "/api/v1/tenants/{id}/usage/trends?metric=api_calls&period=week", None, READ_A),
        ),
        (
            ("PUT", "/api/v1/tenants/{id}/usage/cost-alert"),
            c("PUT", "/api/v1/tenants/{id}/usage/cost-alert", Some(json!({ "threshold_cents": 5000 })), MANAGE),
        ),
        (("GET", "/api/v1/tenants/{id}/invoices"), c("GET", "/api/v1/tenants/{id}/invoices", None, READ_A)),
        (
            ("GET", "/api/v1/tenants/{id}/invoices/{invoice_id}"),
            c("GET", "/api/v1/tenants/{id}/invoices/{invoice_id}?format=csv", None, READ_A),
        ),
        // Resources: owners and admins of A scale (A's viewer reads); quotas are a key's own.
        (("GET", "/api/v1/tenants/{id}/resources"), c("GET", "/api/v1/tenants/{id}/resources", None, READ_A)),
        (
            ("PUT", "/api/v1/tenants/{id}/resources/{resource}"),
            c(
                "PUT",
                "/api/v1/tenants/{id}/resources/users",
                Some(json!({ "allocated": 3, "reason": "isolation test" })),
                MANAGE,
            ),
        ),
        (
            ("GET", "/api/v1/tenants/{id}/resources/{resource}/history"),
            c("GET", "/api/v1/tenants/{id}/resources/users/history", None, READ_A),
        ),
        (("GET", "/api/v1/tenants/{id}/alerts"), c("GET", "/api/v1/tenants/{id}/alerts?status=all", None, READ_A)),
        (
            ("POST", "/api/v1/tenants/{id}/alerts/{alert_id}/acknowledge"),
            c("POST", "/api/v1/tenants/{id}/alerts/{alert_id}/acknowledge", None, MANAGE),
        ),
        (("GET", "/api/v1/tenants/{id}/policies"), c("GET", "/api/v1/tenants/{id}/policies", None, READ_A)),
        (("POST", "/api/v1/tenants/{id}/policies"), c("POST", "/api/v1/tenants/{id}/policies", Some(policy()), MANAGE)),
        (
            ("PUT", "/api/v1/tenants/{id}/policies/{policy_id}"),
            c("PUT", "/api/v1/tenants/{id}/policies/{policy_id}", Some(policy()), MANAGE),
        ),
        (
            ("DELETE", "/api/v1/tenants/{id}/policies/{policy_id}"),
            c("DELETE", "/api/v1/tenants/{id}/policies/{policy_id}", None, MANAGE),
        ),
        (("GET", "/api/v1/tenants/{id}/webhooks"), c("GET", "/api/v1/tenants/{id}/webhooks", None, MANAGE)),
        (
            ("POST", "/api/v1/tenants/{id}/webhooks"),
            c(
                "POST",
                "/api/v1/tenants/{id}/webhooks",
                Some(json!({ "url": "https://hooks.example/in", "topics": ["alert.*"] })),
                MANAGE,
            ),
        ),
        (
            ("DELETE", "/api/v1/tenants/{id}/webhooks/{endpoint_id}"),
            c("DELETE", "/api/v1/tenants/{id}/webhooks/{endpoint_id}", None, MANAGE),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/webhooks/{endpoint_id}/test"),
            c("POST", "/api/v1/tenants/{id}/webhooks/{endpoint_id}/test", None, MANAGE),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/webhooks/{endpoint_id}/rotate-secret"),
            c("POST", "/api/v1/tenants/{id}/webhooks/{endpoint_id}/rotate-secret", None, MANAGE),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/webhooks/{endpoint_id}/enable"),
            c("POST", "/api/v1/tenants/{id}/webhooks/{endpoint_id}/enable", None, MANAGE),
        ),
        (
            ("GET", "/api/v1/tenants/{id}/webhooks/{endpoint_id}/deliveries"),
            c("GET", "/api/v1/tenants/{id}/webhooks/{endpoint_id}/deliveries", None, MANAGE),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay"),
            c("POST", "/api/v1/tenants/{id}/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay", None, MANAGE),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/webhooks/{endpoint_id}/replay"),
            c(
                "POST",
                "/api/v1/tenants/{id}/webhooks/{endpoint_id}/replay",
                Some(json!({ "since": "2020-01-01T00:00:00Z", "failed_only": false })),
                MANAGE,
            ),
        ),
        (("GET", "/api/v1/tenants/{id}/health-checks"), c("GET", "/api/v1/tenants/{id}/health-checks", None, READ_A)),
        (
            ("POST", "/api/v1/tenants/{id}/health-checks"),
            c("POST", "/api/v1/tenants/{id}/health-checks", Some(health_check()), MANAGE),
        ),
        (
            ("PUT", "/api/v1/tenants/{id}/health-checks/{check_id}"),
            c("PUT", "/api/v1/tenants/{id}/health-checks/{check_id}", Some(health_check()), MANAGE),
        ),
        (
            ("DELETE", "/api/v1/tenants/{id}/health-checks/{check_id}"),
            c("DELETE", "/api/v1/tenants/{id}/health-checks/{check_id}", None, MANAGE),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/health-checks/{check_id}/run"),
            c("POST", "/api/v1/tenants/{id}/health-checks/{check_id}/run", None, MANAGE),
        ),
        (
            ("GET", "/api/v1/tenants/{id}/health-checks/{check_id}/results"),
            c("GET", "/api/v1/tenants/{id}/health-checks/{check_id}/results", None, READ_A),
        ),
        (
            ("GET", "/api/v1/tenants/{id}/health-checks/{check_id}/uptime"),
            c("GET", "/api/v1/tenants/{id}/health-checks/{check_id}/uptime", None, READ_A),
        ),
        (("GET", "/api/v1/tenants/{id}/incidents"), c("GET", "/api/v1/tenants/{id}/incidents", None, READ_A)),
        (
            ("POST", "/api/v1/tenants/{id}/incidents/{incident_id}/acknowledge"),
            c(
                "POST",
                "/api/v1/tenants/{id}/incidents/{incident_id}/acknowledge",
                Some(json!({ "note": "looking", "silence_minutes": 30 })),
                MANAGE,
            ),
        ),
        (("GET", "/api/v1/health/overview"), c("GET", "/api/v1/health/overview", None, PLATFORM)),
        (
            ("GET", "/api/v1/tenants/{id}/policies/{policy_id}/decisions"),
            c("GET", "/api/v1/tenants/{id}/policies/{policy_id}/decisions", None, READ_A),
        ),
        (
            ("POST", "/api/v1/tenants/{id}/policies/{policy_id}/simulate"),
            c("POST", "/api/v1/tenants/{id}/policies/{policy_id}/simulate", None, READ_A),
        ),
        (
            ("POST", "/api/v1/quota/check"),
            c("POST", "/api/v1/quota/check", Some(json!({ "resource": "users", "amount": 1 })), QUOTA),
        ),
        (
            ("POST", "/api/v1/quota/consume"),
            c("POST", "/api/v1/quota/consume", Some(json!({ "resource": "api_calls_per_month" })), QUOTA),
        ),
        (("GET", "/api/v1/template"), c("GET", "/api/v1/template", None, PLATFORM)),
        (("POST", "/api/v1/template/rollouts"), c("POST", "/api/v1/template/rollouts", None, PLATFORM)),
    ]
}

/// How a server function takes its arguments.
#[derive(Clone, Copy)]
pub enum Enc {
    Form,
    Json,
}

pub struct FnCase {
    pub enc: Enc,
    /// Arguments with placeholders (`{id}` etc.) in string values.
    pub args: Value,
    pub want: Row,
}

/// Server functions, keyed by name.
pub fn fn_cases() -> Vec<(&'static str, FnCase)> {
    let f = |enc, args, want| FnCase { enc, args, want };
    let all_tenants = json!({ "query": tenantry::model::TenantQuery::default() });
    let mut audit_of_a = serde_json::to_value(tenantry::model::AuditQuery::default()).unwrap();
    audit_of_a["tenant_id"] = json!("{id}");
    vec![
        ("list_tenants", f(Enc::Json, all_tenants.clone(), [Unauthorized, Ok, Hidden, Hidden, Ok])),
        ("tenant_status_counts", f(Enc::Json, all_tenants, [Unauthorized, Ok, Hidden, Hidden, Ok])),
        ("get_tenant", f(Enc::Form, json!({ "id": "{id}" }), [Unauthorized, Ok, NotFound, NotFound, Ok])),
        (
            "create_tenant",
            f(
                Enc::Json,
                json!({ "input": { "name": "Fn Made", "plan": "free", "region": "us-east-1" } }),
                [Unauthorized, Forbidden, Forbidden, Forbidden, Ok],
            ),
        ),
        (
            "update_tenant",
            f(
                Enc::Json,
                json!({ "id": "{id}", "change": { "description": "changed" } }),
                [Unauthorized, Forbidden, NotFound, NotFound, Ok],
            ),
        ),
        (
            "change_status",
            f(
                Enc::Form,
                json!({ "id": "{id}", "action": "suspend", "reason": "test" }),
                [Unauthorized, Forbidden, NotFound, NotFound, Ok],
            ),
        ),
        (
            "change_plan",
            f(
                Enc::Form,
                json!({ "tenant": "{id}", "plan": "professional" }),
                [Unauthorized, Forbidden, NotFound, NotFound, Ok],
            ),
        ),
        (
            "check_slug",
            f(Enc::Form, json!({ "slug": "free-slug" }), [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ),
        ("get_catalog", f(Enc::Form, json!({}), [Unauthorized, Ok, Ok, Ok, Ok])),
        ("get_dashboard", f(Enc::Form, json!({}), [Unauthorized, Ok, Hidden, Hidden, Ok])),
        ("list_audit", f(Enc::Json, json!({ "query": audit_of_a }), [Unauthorized, Forbidden, NotFound, NotFound, Ok])),
        ("audit_actions", f(Enc::Form, json!({}), [Unauthorized, Ok, Hidden, Hidden, Ok])),
        ("system_status", f(Enc::Form, json!({}), [Unauthorized, Ok, Ok, Ok, Ok])),
        ("api_operations", f(Enc::Form, json!({}), [Unauthorized, Ok, Ok, Ok, Ok])),
        ("list_members", f(Enc::Form, json!({ "tenant": "{id}" }), [Unauthorized, Ok, NotFound, NotFound, Ok])),
        (
            "change_member_role",
            f(Enc::Form, json!({ "tenant": "{id}", "user": "{user_id}", "role": "member" }), MANAGE),
        ),
        ("remove_member", f(Enc::Form, json!({ "tenant": "{id}", "user": "{user_id}" }), MANAGE)),
        ("list_invitations", f(Enc::Form, json!({ "tenant": "{id}" }), MANAGE)),
        (
            "invite_member",
            f(Enc::Form, json!({ "tenant": "{id}", "email": "fn-new@alpha.example", "role": "viewer" }), MANAGE),
        ),
        ("resend_invitation", f(Enc::Form, json!({ "tenant": "{id}", "invitation": "{invitation_id}" }), MANAGE)),
        ("revoke_invitation", f(Enc::Form, json!({ "tenant": "{id}", "invitation": "{invitation_id}" }), MANAGE)),
        // Invitation links are capabilities: an unknown token names nothing, for everyone.
        ("get_invitation", f(Enc::Form, json!({ "token": "not-a-token" }), [NotFound; 5])),
        ("accept_invitation", f(Enc::Form, json!({ "token": "not-a-token" }), [NotFound; 5])),
        ("list_api_keys", f(Enc::Form, json!({ "tenant": "{id}" }), MANAGE)),
        (
            "create_api_key",
            f(Enc::Json, json!({ "tenant": "{id}", "name": "made", "scopes": ["tenants:read"] }), MANAGE),
        ),
        ("revoke_api_key", f(Enc::Form, json!({ "tenant": "{id}", "key": "{key_id}" }), MANAGE)),
        ("list_users", f(Enc::Form, json!({ "search": "" }), PLATFORM)),
        ("set_user_status", f(Enc::Form, json!({ "user": "{user_id}", "status": "disabled" }), PLATFORM)),
        // Signing in is for everyone; a wrong password is 401 for all alike.
        (
            "sign_in",
            f(
                Enc::Form,
                json!({ "email": "viewer-x@alpha.example", "password": "wrong password!" }),
                [Unauthorized, Unauthorized, Unauthorized, Unauthorized, Unauthorized],
            ),
        ),
        ("current_user", f(Enc::Form, json!({}), [Ok, Ok, Ok, Ok, Ok])),
        // Public: the sign-in page's brand, from the host (the test's host names no tenant).
        ("sign_in_brand", f(Enc::Form, json!({}), [Ok, Ok, Ok, Ok, Ok])),
        ("switch_tenant", f(Enc::Form, json!({ "tenant": "{id}" }), [Unauthorized, Ok, NotFound, NotFound, Ok])),
        (
            "change_password",
            f(
                Enc::Form,
                json!({ "current_password": "not the password", "new_password": "a new long password" }),
                [Unauthorized, Ok, Ok, Unauthorized, Ok],
            ),
        ),
        ("list_tenant_workflows", f(Enc::Form, json!({ "tenant": "{id}" }), READ_A)),
        ("list_workflows", f(Enc::Form, json!({ "status": "all" }), [Unauthorized, Ok, Hidden, Hidden, Ok])),
        ("get_workflow", f(Enc::Form, json!({ "id": "{run_id}" }), READ_A)),
        ("retry_workflow", f(Enc::Form, json!({ "id": "{run_id}" }), STEER_A)),
        ("discard_workflow", f(Enc::Form, json!({ "id": "{run_id}" }), STEER_A)),
        ("list_exports", f(Enc::Form, json!({ "tenant": "{id}" }), STEER_A)),
        ("update_plan", f(Enc::Json, json!({ "plan": starter_plan() }), PLATFORM)),
        ("get_tenant_usage", f(Enc::Form, json!({ "tenant": "{id}" }), READ_A)),
        ("get_platform_usage", f(Enc::Form, json!({ "metric": "api_calls", "period": "week" }), PLATFORM)),
        ("set_cost_alert", f(Enc::Form, json!({ "tenant": "{id}", "threshold": "50" }), MANAGE)),
        ("get_tenant_resources", f(Enc::Form, json!({ "tenant": "{id}" }), READ_A)),
        ("get_platform_limits", f(Enc::Form, json!({ "sort": "share" }), PLATFORM)),
        ("acknowledge_alert", f(Enc::Form, json!({ "tenant": "{id}", "alert": "{alert_id}" }), MANAGE)),
        ("get_policies", f(Enc::Form, json!({ "tenant": "{id}" }), READ_A)),
        (
            "create_policy",
            f(
                Enc::Form,
                json!({ "tenant": "{id}", "form[resource]": "users", "form[name]": "Grow", "form[metric]": "utilization",
                        "form[operator]": "gte", "form[threshold]": "80", "form[for_minutes]": "0",
                        "form[action]": "scale_by_step", "form[amount]": "1", "form[min_allocated]": "1",
                        "form[max_allocated]": "10", "form[cooldown_minutes]": "1" }),
                MANAGE,
            ),
        ),
        (
            "switch_policy",
            f(
                Enc::Form,
                json!({ "tenant": "{id}", "policy": "{policy_id}", "enabled": "false", "shadow": "true" }),
                MANAGE,
            ),
        ),
        ("delete_policy", f(Enc::Form, json!({ "tenant": "{id}", "policy": "{policy_id}" }), MANAGE)),
        ("simulate_policy", f(Enc::Form, json!({ "tenant": "{id}", "policy": "{policy_id}" }), READ_A)),
        (
            "scale_resource",
            f(
                Enc::Form,
                json!({ "tenant": "{id}", "resource": "users", "allocated": "3", "soft_limit": "", "hard_limit": "",
                        "reason": "isolation test" }),
                MANAGE,
            ),
        ),
        ("list_webhooks", f(Enc::Form, json!({ "tenant": "{id}" }), MANAGE)),
        (
            "create_webhook",
            f(
                Enc::Json,
                json!({ "tenant": "{id}", "url": "https://hooks.example/in", "description": "", "topics": ["alert.*"] }),
                MANAGE,
            ),
        ),
        ("delete_webhook", f(Enc::Form, json!({ "tenant": "{id}", "endpoint": "{endpoint_id}" }), MANAGE)),
        ("test_webhook", f(Enc::Form, json!({ "tenant": "{id}", "endpoint": "{endpoint_id}" }), MANAGE)),
        ("rotate_webhook_secret", f(Enc::Form, json!({ "tenant": "{id}", "endpoint": "{endpoint_id}" }), MANAGE)),
        ("enable_webhook", f(Enc::Form, json!({ "tenant": "{id}", "endpoint": "{endpoint_id}" }), MANAGE)),
        ("get_webhook_log", f(Enc::Form, json!({ "tenant": "{id}", "endpoint": "{endpoint_id}" }), MANAGE)),
        (
            "replay_webhook_delivery",
            f(Enc::Form, json!({ "tenant": "{id}", "endpoint": "{endpoint_id}", "delivery": "{delivery_id}" }), MANAGE),
        ),
        (
            "replay_failed_webhooks",
            f(Enc::Form, json!({ "tenant": "{id}", "endpoint": "{endpoint_id}", "hours": "24" }), MANAGE),
        ),
        ("get_tenant_flags", f(Enc::Form, json!({ "tenant": "{id}" }), READ_A)),
        ("get_domains", f(Enc::Form, json!({ "tenant": "{id}" }), READ_A)),
        ("get_notification_prefs", f(Enc::Form, json!({}), MINE)),
        (
            "set_notification_prefs",
            f(
                Enc::Json,
                json!({ "changes": [{ "tenant_id": "{id}", "event": "health", "email": true, "in_app": true }] }),
                MINE_IN_A,
            ),
        ),
        ("get_inbox", f(Enc::Form, json!({ "limit": "20" }), MINE)),
        ("get_unread", f(Enc::Form, json!({}), MINE)),
        ("mark_notifications_read", f(Enc::Json, json!({ "ids": null }), MINE)),
        ("add_domain", f(Enc::Form, json!({ "tenant": "{id}", "domain": "added.iso.example" }), MANAGE)),
        ("verify_domain", f(Enc::Form, json!({ "tenant": "{id}", "domain": "{domain}" }), MANAGE)),
        ("remove_domain", f(Enc::Form, json!({ "tenant": "{id}", "domain": "{domain}" }), MANAGE)),
        (
            "set_tenant_flag",
            f(
                Enc::Json,
                json!({ "tenant": "{id}", "flag": "sso", "set": { "enabled": true, "reason": "" } }),
                PLATFORM,
            ),
        ),
        ("get_flag_catalog", f(Enc::Form, json!({}), PLATFORM)),
        ("set_kill_switch", f(Enc::Json, json!({ "flag": "sso", "set": { "killed": false, "reason": "" } }), PLATFORM)),
        ("get_config", f(Enc::Form, json!({ "tenant": "{id}" }), READ_A)),
        ("get_config_versions", f(Enc::Json, json!({ "tenant": "{id}", "category": "auth" }), READ_A)),
        (
            "save_config",
            f(
                Enc::Json,
                json!({ "tenant": "{id}", "category": "auth", "values": { "password_min_length": 14 }, "expected_version": 1 }),
                MANAGE,
            ),
        ),
        ("restore_config", f(Enc::Json, json!({ "tenant": "{id}", "category": "auth", "version": 1 }), MANAGE)),
        (
            "get_tenant_health",
            f(Enc::Json, json!({ "tenant": "{id}", "check": "{check_id}", "period": { "Last": 24 } }), READ_A),
        ),
        ("create_health_check", f(Enc::Json, json!({ "tenant": "{id}", "input": health_check() }), MANAGE)),
        (
            "update_health_check",
            f(Enc::Json, json!({ "tenant": "{id}", "check": "{check_id}", "input": health_check() }), MANAGE),
        ),
        ("delete_health_check", f(Enc::Form, json!({ "tenant": "{id}", "check": "{check_id}" }), MANAGE)),
        ("run_health_check", f(Enc::Form, json!({ "tenant": "{id}", "check": "{check_id}" }), MANAGE)),
        (
            "acknowledge_incident",
            f(
                Enc::Form,
                json!({ "tenant": "{id}", "incident": "{incident_id}", "note": "seen", "silence_minutes": "0" }),
                MANAGE,
            ),
        ),
        ("get_health_overview", f(Enc::Form, json!({}), PLATFORM)),
        ("get_template_status", f(Enc::Form, json!({}), PLATFORM)),
        ("start_template_rollout", f(Enc::Form, json!({}), PLATFORM)),
        // The wizard's draft belongs to the person creating tenants (platform admins).
        ("get_draft", f(Enc::Form, json!({}), PLATFORM)),
        (
            "save_draft",
            f(
                Enc::Json,
                json!({ "draft": { "step": 1, "data": { "name": "Drafted", "region": "eu-west-1" } } }),
                PLATFORM,
            ),
        ),
        ("submit_draft", f(Enc::Form, json!({}), PLATFORM)),
        ("discard_draft", f(Enc::Form, json!({}), PLATFORM)),
        // Last: it ends the caller's session.
        ("sign_out", f(Enc::Form, json!({}), [Ok, Ok, Ok, Ok, Ok])),
    ]
}
