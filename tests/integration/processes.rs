//! P3 with real server processes: provisioning survives SIGKILL at every step, and two
//! servers on one database share the work without ever running a step twice.

use crate::real_server::{database_url, free_port, wait_until, Server};
use sqlx::PgPool;
use std::process::Command;
use std::time::Duration;
use tenantry::model::NewTenant;
use tenantry::server::access::Caller;
use tenantry::server::config::Config;
use tenantry::server::mail_sink::MailSink;
use tenantry::server::state::AppState;
use uuid::Uuid;

/// Creates a tenant (its provisioning run is queued and the servers are woken).
async fn create(state: &AppState, name: &str, plan: &str, admin: Option<&str>) -> Uuid {
    let input = NewTenant {
        name: name.into(),
        plan: plan.into(),
        region: "eu-west-1".into(),
        first_admin_email: admin.map(str::to_string),
        ..Default::default()
    };
    tenantry::server::services::tenants::create(state, &Caller::system(), input).await.expect("create").id
}

async fn succeeded_steps(pool: &PgPool, tenant: Uuid) -> i64 {
    sqlx::query_scalar(
        "select count(*) from workflow_steps s join workflow_runs r on r.id = s.run_id
          where r.tenant_id = $1 and s.status = 'succeeded'",
    )
    .bind(tenant)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn provisioning_survives_sigkill_at_every_step(pool: PgPool) {
    let url = database_url(&pool);
    let sink = MailSink::start("127.0.0.1:0".parse().unwrap(), None).await.unwrap();
    let smtp = format!("smtp://{}", sink.addr);
    // Each step pauses 400 ms inside its transaction, so the kill lands mid-step.
    let env = [("TENANTRY_WORKFLOWS__STEP_DELAY_MS", "400"), ("TENANTRY_WORKFLOWS__WORKERS", "1")];
    let mut server = Server::start(&url, &smtp, &env).await;
    let state = AppState::new(pool.clone(), Config::default());
    let tenant = create(&state, "Crash Test Co", "enterprise", Some("owner@crash.example")).await;
    let steps = tenantry::model::WorkflowKind::Provision.steps();
    // Steps that only touch the database run in one transaction; the batch holding step k
    // starts at `batch_start(k)` (a step that sends email commits alone).
    let batch_start = |k: usize| {
        (1..=k).rfind(|&i| steps[i].leaves_the_database() || steps[i - 1].leaves_the_database()).unwrap_or(0)
    };
    for k in 0..steps.len() {
        // The batch holding step k is under way once the steps before it have committed;
        // kill the server half-way through step k (earlier steps of the batch ran first).
        let start = batch_start(k) as i64;
        wait_until("the next batch", 30, || async { succeeded_steps(&pool, tenant).await >= start }).await;
        assert_eq!(succeeded_steps(&pool, tenant).await, start, "a step committed before the kill");
        tokio::time::sleep(Duration::from_millis(150 + 400 * (k as u64 - start as u64))).await;
        server.kill();
        assert_eq!(succeeded_steps(&pool, tenant).await, start, "the killed batch committed nothing");
        server = Server::start(&url, &smtp, &env).await;
    }
    wait_until("the run to finish", 60, || async {
        let s: String = sqlx::query_scalar("select status from workflow_runs where tenant_id = $1")
            .bind(tenant)
            .fetch_one(&pool)
            .await
            .unwrap();
        s == "succeeded"
    })
    .await;
    drop(server);
    let status: String =
        sqlx::query_scalar("select status from tenants where id = $1").bind(tenant).fetch_one(&pool).await.unwrap();
    assert_eq!(status, "active");
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(tenantry::server::storage::remains(&mut tx, tenant).await.unwrap(), (1, 1, 0), "one schema, one role");
    drop(tx);
    let invitations: i64 = sqlx::query_scalar("select count(*) from invitations where tenant_id = $1")
        .bind(tenant)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(invitations, 1);
    assert_eq!(sink.wait_for(1).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().await.len(), 1, "exactly one invitation email");
    let audit: Vec<String> = sqlx::query_scalar("select action from audit_events where tenant_id = $1 order by id")
        .bind(tenant)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        audit,
        ["tenant.created", "tenant.provisioning", "invitation.created", "tenant.provisioned", "tenant.activated"]
    );
}

#[sqlx::test]
async fn two_servers_on_one_database_run_every_step_once(pool: PgPool) {
    let url = database_url(&pool);
    let sink = MailSink::start("127.0.0.1:0".parse().unwrap(), None).await.unwrap();
    let smtp = format!("smtp://{}", sink.addr);
    let env = [("TENANTRY_WORKFLOWS__WORKERS", "4")];
    let (one, two) = (Server::start(&url, &smtp, &env).await, Server::start(&url, &smtp, &env).await);
    let state = AppState::new(pool.clone(), Config::default());
    let mut tenants = Vec::new();
    for i in 0..50 {
        let plan = if i % 2 == 0 { "enterprise" } else { "starter" };
        tenants.push(create(&state, &format!("Shared Work {i}"), plan, None).await);
    }
    wait_until("50 runs to finish", 180, || async {
        let open: i64 = sqlx::query_scalar("select count(*) from workflow_runs where status <> 'succeeded'")
            .fetch_one(&pool)
            .await
            .unwrap();
        open == 0
    })
    .await;
    drop((one, two));
    let (steps, not_once): (i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where attempts <> 1 or status <> 'succeeded') from workflow_steps",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((steps, not_once), (50 * 7, 0), "every step ran exactly once");
    let events: Vec<(String, i64)> = sqlx::query_as(
        "select action, count(*) from audit_events where action in ('tenant.provisioning', 'tenant.provisioned', 'tenant.activated')
          group by action order by action",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        events,
        [
            ("tenant.activated".to_string(), 50),
            ("tenant.provisioned".to_string(), 50),
            ("tenant.provisioning".to_string(), 50)
        ]
    );
    let schemas: i64 = sqlx::query_scalar("select count(*) from pg_namespace where nspname = any($1)")
        .bind(tenants.iter().map(|t| tenantry::server::storage::schema_name(*t)).collect::<Vec<_>>())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(schemas, 25, "one schema per schema tenant");
}

/// A port that is taken stops the server with one line naming the address and the
/// setting that changes it: no backtrace, for the listener and for the dev mail sink.
#[sqlx::test]
async fn a_port_in_use_is_named_in_one_line(pool: PgPool) {
    let url = database_url(&pool);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let run = |env: &[(&str, String)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenantry"));
        cmd.env("DATABASE_URL", &url)
            .env("TENANTRY_CONFIG", "/nonexistent/Leptos.toml")
            .env("TENANTRY_ADMIN_PASSWORD", "process test password")
            .env("RUST_BACKTRACE", "1")
            .env("RUST_LOG", "warn");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run the server")
    };
    let addr = format!("127.0.0.1:{port}");
    let out = run(&[("LEPTOS_SITE_ADDR", addr.clone())]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let last = stderr.lines().rfind(|l| !l.trim().is_empty()).unwrap_or_default();
    assert!(last.contains(&addr) && last.contains("LEPTOS_SITE_ADDR"), "{stderr}");
    assert!(!stderr.contains("backtrace") && !stderr.contains("   0: "), "{stderr}");

    let dir = std::env::temp_dir().join(format!("tenantry-sink-{port}"));
    let out = run(&[
        ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", free_port())),
        ("TENANTRY_MAIL__DEV_SINK_DIR", dir.to_string_lossy().to_string()),
        ("TENANTRY_MAIL__SMTP_URL", format!("smtp://{addr}")),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let last = stderr.lines().rfind(|l| !l.trim().is_empty()).unwrap_or_default();
    assert!(last.contains(&addr) && last.contains("smtp_url"), "{stderr}");
    assert!(!stderr.contains("backtrace") && !stderr.contains("   0: "), "{stderr}");
    drop(taken);
}
