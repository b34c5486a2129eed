//! P3, P6, I1, I2, I4: provisioning as a durable workflow that builds real storage,
//! idempotent steps, compensation of a permanent failure, retries, DB-level isolation of
//! schema and row tenants, template roll-out, and termination with an export archive.

use crate::helpers::*;
use http::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use tenantry::server::storage;
use uuid::Uuid;

fn id_of(t: &Value) -> Uuid {
    Uuid::parse_str(t["id"].as_str().unwrap()).unwrap()
}

/// Everything provisioning leaves behind for one tenant, to compare runs.
#[derive(Debug, PartialEq)]
struct Footprint {
    status: String,
    schemas: i64,
    roles: i64,
    storage_rows: i64,
    template_version: Option<i32>,
    allocations: i64,
    invitations: i64,
    invitations_sent: i64,
    outbox: i64,
    audit: Vec<String>,
    tables: Vec<String>,
}

async fn footprint(pool: &PgPool, tenant: Uuid) -> Footprint {
    let mut tx = pool.begin().await.unwrap();
    let (schemas, roles, _) = storage::remains(&mut tx, tenant).await.unwrap();
    tx.rollback().await.unwrap();
    let one = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).bind(tenant).fetch_one(&pool).await.unwrap() }
    };
    Footprint {
        status: sqlx::query_scalar("select status from tenants where id = $1")
            .bind(tenant)
            .fetch_one(pool)
            .await
            .unwrap(),
        schemas,
        roles,
        storage_rows: one("select count(*) from tenant_storage where tenant_id = $1").await,
        template_version: sqlx::query_scalar(
            "select t.version from tenant_storage s join template_schemas t on t.schema_name = s.schema_name
              where s.tenant_id = $1",
        )
        .bind(tenant)
        .fetch_optional(pool)
        .await
        .unwrap(),
        allocations: one("select count(*) from tenant_allocations where tenant_id = $1").await,
        invitations: one("select count(*) from invitations where tenant_id = $1").await,
        invitations_sent: one("select coalesce(sum(sent_count), 0)::bigint from invitations where tenant_id = $1")
            .await,
        outbox: one("select count(*) from outbox where tenant_id = $1").await,
        audit: sqlx::query_scalar("select action from audit_events where tenant_id = $1 order by id")
            .bind(tenant)
            .fetch_all(pool)
            .await
            .unwrap(),
        tables: sqlx::query_scalar(
            "select table_name::text from information_schema.tables where table_schema = $1 order by 1",
        )
        .bind(storage::schema_name(tenant))
        .fetch_all(pool)
        .await
        .unwrap(),
    }
}

#[sqlx::test]
async fn provisioning_builds_a_schema_tenant_step_by_step(pool: PgPool) {
    let (app, sink) = with_mail(pool.clone(), |_| {}).await;
    let (s, t) = app
        .call(
            "POST",
            "/api/v1/tenants",
            Some(json!({ "name": "Schema Co", "plan": "enterprise", "region": "eu-west-1",
                          "first_admin_email": "Owner@Schema.example",
                          "allocations": { "storage_gb": 500 } })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(t["status"], "pending");
    let tenant = id_of(&t);
    // Queued with every step waiting.
    let (_, runs) = app.get(&format!("/api/v1/tenants/{tenant}/workflows")).await;
    assert_eq!(runs[0]["status"], "pending");
    let names: Vec<&str> = runs[0]["steps"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["validate", "create_storage", "apply_template", "configure_defaults", "first_admin", "notify", "activate"]
    );
    // Three transactions: the five database-only steps together, then `notify` (it sends
    // email, so it commits on its own), then `activate`.
    assert_eq!(app.drain().await, 3);
    let f = footprint(&pool, tenant).await;
    assert_eq!(f.status, "active");
    assert_eq!((f.schemas, f.roles, f.storage_rows), (1, 1, 1));
    assert_eq!(f.template_version, Some(storage::latest_version()));
    assert_eq!(f.tables, ["app_profiles", "files", "projects"]);
    assert_eq!(f.allocations, 6);
    let storage_gb: i64 =
        sqlx::query_scalar("select amount from tenant_allocations where tenant_id = $1 and resource = 'storage_gb'")
            .bind(tenant)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(storage_gb, 500, "the wizard's amount, not the plan's 2000");
    // Outbox: the status changes (tenant.provisioning, tenant.activated) and tenant.provisioned.
    assert_eq!((f.invitations, f.invitations_sent, f.outbox), (1, 1, 3));
    assert_eq!(
        f.audit,
        ["tenant.created", "tenant.provisioning", "invitation.created", "tenant.provisioned", "tenant.activated"]
    );
    // The email went to the first admin, with a link that works on the accept page.
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["owner@schema.example".to_string()]);
    // Settings got their defaults; the template's v2 column exists.
    let (_, t) = app.get(&format!("/api/v1/tenants/{tenant}")).await;
    assert_eq!(t["settings"]["timezone"], "UTC");
    let col: i64 = sqlx::query_scalar(
        "select count(*) from information_schema.columns where table_schema = $1 and table_name = 'projects' and column_name = 'archived_at'",
    )
    .bind(storage::schema_name(tenant))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(col, 1);
    // The run is recorded with every step succeeded once.
    let (_, runs) = app.get(&format!("/api/v1/tenants/{tenant}/workflows")).await;
    assert_eq!(runs[0]["status"], "succeeded");
    for step in runs[0]["steps"].as_array().unwrap() {
        assert_eq!((step["status"].as_str(), step["attempts"].as_i64()), (Some("succeeded"), Some(1)), "{step}");
    }
}

#[sqlx::test]
async fn bad_provisioning_input_is_refused_before_anything_is_written(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    for (body, field, status) in [
        (
            json!({ "name": "Too Big", "plan": "free", "region": "eu-west-1", "allocations": { "storage_gb": 2 } }),
            "allocations",
            // Well formed, but more than the plan (as it now stands) gives.
            StatusCode::CONFLICT,
        ),
        (
            json!({ "name": "Unknown", "plan": "free", "region": "eu-west-1", "allocations": { "gpus": 1 } }),
            "allocations",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "name": "Bad Mail", "plan": "free", "region": "eu-west-1", "first_admin_email": "nope" }),
            "first_admin_email",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (s, b) = app.call("POST", "/api/v1/tenants", Some(body)).await;
        assert_eq!(s, status, "{b}");
        assert!(b["error"]["fields"][field].is_string(), "{b}");
    }
    let n: i64 = sqlx::query_scalar("select count(*) from workflow_runs").fetch_one(&pool).await.unwrap();
    let t: i64 = sqlx::query_scalar("select count(*) from tenants").fetch_one(&pool).await.unwrap();
    assert_eq!((n, t), (0, 0));
}

/// Every step run a second time right after its first run ends in the same state as a
/// clean run: same storage, one invitation and one email, one outbox event, the same
/// audit trail.
#[sqlx::test]
async fn every_step_run_twice_gives_the_same_result_as_once(pool: PgPool) {
    let (app, sink) = with_mail(pool.clone(), |_| {}).await;
    let extra = json!({ "first_admin_email": "once@example.com" });
    let clean = id_of(&app.provision("Clean Run", "enterprise", extra.clone()).await);
    let (s, t) = app
        .call(
            "POST",
            "/api/v1/tenants",
            Some(json!({ "name": "Twice Run", "plan": "enterprise", "region": "eu-west-1", "first_admin_email": "twice@example.com" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let twice = id_of(&t);
    let run: Uuid = sqlx::query_scalar("select id from workflow_runs where tenant_id = $1")
        .bind(twice)
        .fetch_one(&pool)
        .await
        .unwrap();
    // A tick runs the next steps (several database-only ones in one transaction); every
    // step it completed is then run once more, right after.
    let mut rerun = 0;
    while let Some(tick) = tenantry::server::workflow::tick(&app.state, Some(run)).await.unwrap() {
        assert!(tick.status != tenantry::model::RunStatus::Failed);
        let done: Vec<String> = sqlx::query_scalar(
            "select name from workflow_steps where run_id = $1 and status = 'succeeded' order by position",
        )
        .bind(run)
        .fetch_all(&pool)
        .await
        .unwrap();
        for name in &done[rerun..] {
            let step = tenantry::model::Step::parse(name).unwrap();
            tenantry::server::workflow::run_step_again(&app.state, run, step).await.unwrap();
        }
        rerun = done.len();
    }
    assert_eq!(rerun, tenantry::model::WorkflowKind::Provision.steps().len(), "every step ran twice");
    let (a, b) = (footprint(&pool, clean).await, footprint(&pool, twice).await);
    assert_eq!(b.status, "active");
    assert_eq!(
        Footprint { audit: vec![], tables: vec![], ..a },
        Footprint { audit: vec![], tables: vec![], ..b },
        "storage, allocations, invitations and outbox"
    );
    assert_eq!(footprint(&pool, clean).await.audit, footprint(&pool, twice).await.audit);
    assert_eq!(footprint(&pool, clean).await.tables, footprint(&pool, twice).await.tables);
    assert_eq!(sink.wait_for(2).await.len(), 2, "one email per tenant");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(sink.messages().await.len(), 2, "no second email for the tenant whose steps ran twice");
}

async fn nothing_left(pool: &PgPool, tenant: Uuid) {
    let f = footprint(pool, tenant).await;
    assert_eq!(f.status, "failed");
    assert_eq!((f.schemas, f.roles, f.storage_rows, f.template_version), (0, 0, 0, None), "{f:?}");
    assert_eq!((f.allocations, f.invitations), (0, 0), "{f:?}");
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(storage::remains(&mut tx, tenant).await.unwrap(), (0, 0, 0));
}

#[sqlx::test]
async fn a_permanent_failure_undoes_every_completed_step_then_a_retry_succeeds(pool: PgPool) {
    let (fixed, _sink) = with_mail(pool.clone(), |_| {}).await;
    let mut config = fixed.state.config.as_ref().clone();
    config.workflows.fail_step = "activate".into();
    let failing = fixed.reconfigured(config);
    for (plan, name) in [("enterprise", "Failing Schema"), ("free", "Failing Rows")] {
        let t = failing.provision(name, plan, json!({ "first_admin_email": "first@fail.example" })).await;
        let tenant = id_of(&t);
        assert_eq!(t["status"], "failed", "{t}");
        assert!(t["status_reason"].as_str().unwrap().contains("made to fail"), "{t}");
        nothing_left(&pool, tenant).await;
        let (_, runs) = failing.get(&format!("/api/v1/tenants/{tenant}/workflows")).await;
        let run = &runs[0];
        assert_eq!((run["status"].as_str(), run["failed_step"].as_str()), (Some("failed"), Some("activate")));
        let states: Vec<&str> =
            run["steps"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
        assert_eq!(
            states,
            ["compensated", "compensated", "compensated", "compensated", "compensated", "compensated", "failed"]
        );
        assert!(failing.audit_actions(&tenant.to_string()).await.contains(&"tenant.failed".to_string()));

        // The operator retries once the cause is gone: the same run, from the start.
        let (s, again) =
            fixed.call("POST", &format!("/api/v1/workflows/{}/retry", run["id"].as_str().unwrap()), None).await;
        assert_eq!(s, StatusCode::OK, "{again}");
        assert_eq!(again["status"], "succeeded", "{again}");
        let f = footprint(&pool, tenant).await;
        assert_eq!(f.status, "active");
        assert_eq!((f.allocations, f.invitations, f.storage_rows), (6, 1, 1));
        // A second retry of a finished run is refused.
        let (s, _) =
            fixed.call("POST", &format!("/api/v1/workflows/{}/retry", run["id"].as_str().unwrap()), None).await;
        assert_eq!(s, StatusCode::CONFLICT);
    }
}

#[sqlx::test]
async fn a_failure_in_an_early_step_leaves_nothing_and_can_be_discarded(pool: PgPool) {
    let (app, _sink) = with_mail(pool.clone(), |c| c.workflows.fail_step = "apply_template".into()).await;
    let t = app.provision("Discarded Co", "enterprise", json!({})).await;
    let tenant = id_of(&t);
    nothing_left(&pool, tenant).await;
    let run: Uuid = sqlx::query_scalar("select id from workflow_runs where tenant_id = $1")
        .bind(tenant)
        .fetch_one(&pool)
        .await
        .unwrap();
    // Viewers and other tenants' people can't steer it.
    let (s, _) = app.anon().call("POST", &format!("/api/v1/workflows/{run}/discard"), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, r) = app.call("POST", &format!("/api/v1/workflows/{run}/discard"), None).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["status"], "discarded");
    let (_, t) = app.get(&format!("/api/v1/tenants/{tenant}")).await;
    assert_eq!(t["status"], "terminated");
}

/// A step that can't get its lock within the step timeout fails that attempt, waits out
/// the back-off and succeeds on the next one.
#[sqlx::test]
async fn a_transient_failure_is_retried_with_backoff(pool: PgPool) {
    let (app, _sink) = with_mail(pool.clone(), |c| {
        c.workflows.step_timeout_secs = 1;
        c.workflows.backoff_ms = 1500;
    })
    .await;
    let (_, t) = app
        .call("POST", "/api/v1/tenants", Some(json!({ "name": "Locked Co", "plan": "free", "region": "eu-west-1" })))
        .await;
    let tenant = id_of(&t);
    let run: Uuid = sqlx::query_scalar("select id from workflow_runs where tenant_id = $1")
        .bind(tenant)
        .fetch_one(&pool)
        .await
        .unwrap();
    // Someone else holds the tenant row for a while.
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("select 1 from tenants where id = $1 for update").bind(tenant).execute(&mut *blocker).await.unwrap();
    let first = tenantry::server::workflow::tick(&app.state, Some(run)).await.unwrap().unwrap();
    assert_eq!(first.status, tenantry::model::RunStatus::Running);
    let (attempts, status, error): (i32, String, Option<String>) =
        sqlx::query_as("select attempts, status, error from workflow_steps where run_id = $1 and position = 0")
            .bind(run)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((attempts, status.as_str()), (1, "pending"));
    assert!(error.is_some());
    let due: bool = sqlx::query_scalar("select next_run_at > now() from workflow_runs where id = $1")
        .bind(run)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(due, "the retry waits for its back-off");
    blocker.rollback().await.unwrap();
    let end = tenantry::server::workflow::drive(&app.state, run, std::time::Duration::from_secs(10)).await.unwrap();
    assert_eq!(end, tenantry::model::RunStatus::Succeeded);
    let attempts: i32 = sqlx::query_scalar("select attempts from workflow_steps where run_id = $1 and position = 0")
        .bind(run)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempts, 2);
}

#[sqlx::test]
async fn schema_tenants_roles_reach_only_their_own_schema(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let a = id_of(&app.provision("Alpha Schema", "enterprise", json!({})).await);
    let b = id_of(&app.provision("Bravo Schema", "enterprise", json!({})).await);
    let (ra, sb) = (storage::role_name(a), storage::schema_name(b));
    let mut tx = pool.begin().await.unwrap();
    storage::act_as_tenant(&mut tx, a).await.unwrap();
    sqlx::query("insert into projects (tenant_id, name) values ($1, 'mine')").bind(a).execute(&mut *tx).await.unwrap();
    let mine: i64 = sqlx::query_scalar("select count(*) from projects").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(mine, 1);
    tx.commit().await.unwrap();
    for sql in [
        format!("select count(*) from {sb}.projects"),
        format!("insert into {sb}.projects (tenant_id, name) values ('{b}', 'theirs')"),
        "select count(*) from tenants".to_string(),
        "select count(*) from users".to_string(),
    ] {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(&format!("set local role {ra}")).execute(&mut *tx).await.unwrap();
        let err = sqlx::query(&sql).execute(&mut *tx).await.expect_err(&sql);
        assert!(err.to_string().contains("permission denied"), "{sql}: {err}");
    }
}

#[sqlx::test]
async fn row_tenants_see_only_their_rows_even_through_the_shared_role(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let a = id_of(&app.provision("Alpha Rows", "free", json!({})).await);
    let b = id_of(&app.provision("Bravo Rows", "free", json!({})).await);
    for (t, n) in [(a, 2), (b, 3)] {
        let mut tx = pool.begin().await.unwrap();
        storage::act_as_tenant(&mut tx, t).await.unwrap();
        for i in 0..n {
            sqlx::query("insert into projects (tenant_id, name) values ($1, $2)")
                .bind(t)
                .bind(format!("p{i}"))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let mut tx = pool.begin().await.unwrap();
    storage::act_as_tenant(&mut tx, a).await.unwrap();
    let seen: Vec<Uuid> = sqlx::query_scalar("select tenant_id from projects").fetch_all(&mut *tx).await.unwrap();
    assert_eq!(seen, vec![a, a], "A sees its two rows and none of B's");
    let by_filter: i64 = sqlx::query_scalar("select count(*) from projects where tenant_id = $1")
        .bind(b)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(by_filter, 0, "asking for B's rows by id finds nothing");
    let err = sqlx::query("insert into projects (tenant_id, name) values ($1, 'smuggled')")
        .bind(b)
        .execute(&mut *tx)
        .await
        .expect_err("writing B's rows while bound to A");
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);
    // The shared role with no tenant bound sees nothing at all.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(&format!("set local role {}", storage::ROWS_ROLE)).execute(&mut *tx).await.unwrap();
    let n: i64 = sqlx::query_scalar(&format!("select count(*) from {}.projects", storage::SHARED_SCHEMA))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0);
    drop(tx);
    // The policies are FORCEd, on an indexed column, with a stable expression.
    let (forced, indexed): (bool, bool) = sqlx::query_as(
        "select c.relforcerowsecurity,
                exists(select 1 from pg_index i where i.indrelid = c.oid and i.indkey[0] =
                       (select attnum from pg_attribute where attrelid = c.oid and attname = 'tenant_id'))
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'tenant_rows' and c.relname = 'projects'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(forced && indexed);
}

#[sqlx::test]
async fn suspend_resume_and_terminate_run_as_workflows_with_an_export(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let t = app.provision("Leaving Co", "enterprise", json!({})).await;
    let tenant = id_of(&t);
    let mut tx = pool.begin().await.unwrap();
    storage::act_as_tenant(&mut tx, tenant).await.unwrap();
    sqlx::query("insert into projects (tenant_id, name) values ($1, 'Apollo'), ($1, 'Gemini')")
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let post = |action: &'static str, reason: Option<&'static str>| {
        let app = app.clone();
        async move {
            app.call("POST", &format!("/api/v1/tenants/{tenant}/{action}"), reason.map(|r| json!({ "reason": r })))
                .await
        }
    };
    let (s, b) = post("suspend", Some("Unpaid invoice")).await;
    assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("suspended")), "{b}");
    let (s, b) = post("resume", None).await;
    assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("active")), "{b}");
    let (s, b) = app.call("DELETE", &format!("/api/v1/tenants/{tenant}?reason=Closing+the+account"), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "terminated");
    // Nothing of its storage remains.
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(storage::remains(&mut tx, tenant).await.unwrap(), (0, 0, 0));
    drop(tx);
    let (_, runs) = app.get(&format!("/api/v1/tenants/{tenant}/workflows")).await;
    let kinds: Vec<&str> = runs.as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["terminate", "resume", "suspend", "provision"]);
    assert!(runs.as_array().unwrap().iter().all(|r| r["status"] == "succeeded"));
    // The export: a tar with a manifest whose checksums match the files.
    let (s, list) = app.get(&format!("/api/v1/tenants/{tenant}/exports")).await;
    assert_eq!(s, StatusCode::OK);
    let export = list[0]["id"].as_str().unwrap();
    let req = http::Request::get(format!("/api/v1/tenants/{tenant}/exports/{export}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, headers, bytes) = app.send_bytes(req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/x-tar");
    let mut archive = tar::Archive::new(std::io::Cursor::new(bytes));
    let mut files = std::collections::BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut e = entry.unwrap();
        let path = e.path().unwrap().to_string_lossy().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut bytes).unwrap();
        files.insert(path.split_once('/').unwrap().1.to_string(), bytes);
    }
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    for f in manifest["files"].as_array().unwrap() {
        use sha2::Digest;
        let name = f["name"].as_str().unwrap();
        let digest: String = sha2::Sha256::digest(&files[name]).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(f["sha256"].as_str().unwrap(), digest, "{name}");
    }
    let projects: Value = serde_json::from_slice(&files["data/projects.json"]).unwrap();
    let names: Vec<&str> = projects.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"Apollo") && names.contains(&"Gemini"));
    assert!(String::from_utf8_lossy(&files["SHA256SUMS"]).contains("data/projects.json"));
}

/// With nobody to invite, no step leaves the database: the whole run is one transaction
/// (and still records every step's own state for the UI).
#[sqlx::test(migrator = "tenantry::server::MIGRATOR")]
async fn provisioning_without_an_invitation_is_one_transaction(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let (s, t) = app
        .call(
            "POST",
            "/api/v1/tenants",
            Some(json!({ "name": "Quiet Co", "plan": "enterprise", "region": "eu-west-1" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(app.drain().await, 1);
    let (_, runs) = app.get(&format!("/api/v1/tenants/{}/workflows", id_of(&t))).await;
    assert_eq!(runs[0]["status"], "succeeded");
    let steps = runs[0]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 7);
    assert!(steps.iter().all(|s| s["status"] == "succeeded" && s["attempts"] == 1), "{steps:?}");
    let (_, t) = app.get(&format!("/api/v1/tenants/{}", id_of(&t))).await;
    assert_eq!(t["status"], "active");
}
