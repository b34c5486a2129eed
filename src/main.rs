//! The server binary: configuration → pool → migrations → demo data → router → serve.
//!
//! `tenantry` (or `tenantry serve`) runs the portal; `tenantry migrate` only applies
//! migrations; `tenantry seed-demo [COUNT]` adds demo tenants;
//! `tenantry admin create --email E --name N [--password P]` creates a platform admin
//! (the password is read from TENANTRY_ADMIN_PASSWORD or generated and printed).

use std::net::SocketAddr;
use tenantry::server::{self, auth, config::Config, demo, state::AppState, telemetry};

/// Errors end the process with one line on stderr (the whole cause chain, no backtrace):
/// a person starting the server should read what is wrong and which setting fixes it.
fn main() -> std::process::ExitCode {
    // 8 MiB stacks: rendering walks the route tree and view types recursively, and debug
    // builds need far more stack for it than the 2 MiB tokio gives its threads by default.
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(8 << 20).build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let config_path = std::env::var("TENANTRY_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
    let config = Config::load(&config_path).map_err(anyhow::Error::msg)?;
    telemetry::init(&config.log);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("serve");

    let pool = server::connect(&config.database).await.map_err(|e| {
        anyhow::anyhow!("cannot connect to the database (set DATABASE_URL or [database].url in {config_path}): {e}")
    })?;

    match command {
        "migrate" => {
            migrate(&pool).await?;
            tracing::info!("migrations applied");
        }
        "admin" if args.get(1).map(String::as_str) == Some("create") => {
            migrate(&pool).await?;
            admin_create(&pool, &args[2..]).await?;
        }
        "seed-demo" => {
            let count = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(config.demo.tenants as usize);
            server::MIGRATOR.run(&pool).await?;
            let n = demo::seed(&pool, count, fastrand::u64(..)).await?;
            tracing::info!(tenants = n, "demo data added");
        }
        "serve" => serve(config, pool).await?,
        other => anyhow::bail!(
            "unknown command {other:?}; use serve, migrate, seed-demo [COUNT] or admin create --email E --name N"
        ),
    }
    Ok(())
}

async fn serve(config: Config, pool: sqlx::PgPool) -> anyhow::Result<()> {
    if config.database.migrate_on_start {
        migrate(&pool).await?;
    }
    start_dev_mail_sink(&config.mail).await?;
    let admin_email = std::env::var("TENANTRY_ADMIN_EMAIL").unwrap_or_else(|_| "admin@example.com".into());
    let admin_password = std::env::var("TENANTRY_ADMIN_PASSWORD").ok();
    if let Some(password) = server::services::users::ensure_first_admin(&pool, &admin_email, admin_password).await? {
        let url = format!("http://{}/login", config.server.site_addr);
        println!(
            "\n  The database had no users, so a platform admin was created.\n  Sign in at {url}\n    email:    {admin_email}\n    password: {password}\n"
        );
    }
    if config.demo.load_when_empty && demo::load_if_empty(&pool, config.demo.tenants as usize).await? {
        tracing::info!(tenants = config.demo.tenants, "loaded demo data into the empty database");
        server::metering::history::demo(&pool).await?;
        let receiver = format!("{}/demo/webhooks", config.mail.public_url.trim_end_matches('/'));
        server::services::webhooks::demo(&pool, &receiver).await?;
        let services = format!("{}/demo/services", config.mail.public_url.trim_end_matches('/'));
        // The "down" service: the portal's host on a port nothing listens on.
        let refused = reqwest::Url::parse(&config.mail.public_url)
            .ok()
            .and_then(|mut u| u.set_port(Some(9)).ok().map(|_| u.to_string()))
            .unwrap_or_else(|| "http://127.0.0.1:9/".into());
        server::services::monitoring::demo(&pool, &services, &refused).await?;
    }
    let addr = config.server.site_addr;
    let metrics_listen = config.metrics.listen.trim().to_string();
    let state = AppState::new(pool.clone(), config);
    let app = server::app(state.clone());
    if !metrics_listen.is_empty() {
        let listener = tokio::net::TcpListener::bind(&metrics_listen).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {metrics_listen} for /metrics: {e}. Choose another address with \
                 TENANTRY_METRICS__LISTEN (or [metrics].listen in Leptos.toml)"
            )
        })?;
        let metrics = server::metrics_app(pool.clone());
        tokio::spawn(async move { axum::serve(listener, metrics).await });
        tracing::info!("metrics on http://{metrics_listen}/metrics");
    }
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {addr}: {e}. Stop what uses it, or choose another address with LEPTOS_SITE_ADDR \
             (or [server].site_addr in Leptos.toml)"
        )
    })?;
    // Background work shares the database with every other instance: queue workers claim
    // rows with SKIP LOCKED, periodic jobs take an advisory lock for their round.
    let workers = server::workers::start(state.clone(), server::background::workers(&state));
    tracing::info!("Tenantry is listening on http://{addr}");
    axum::serve(server::listener(listener), app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopping the background workers");
    workers.shutdown(std::time::Duration::from_secs(15)).await;
    tracing::info!("stopped");
    Ok(())
}

/// Development: receive our own email on the `smtp_url` address and keep it as files.
async fn start_dev_mail_sink(cfg: &server::config::MailConfig) -> anyhow::Result<()> {
    if cfg.dev_sink_dir.is_empty() {
        return Ok(());
    }
    let addr = cfg
        .smtp_url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?']).next())
        .and_then(|hp| hp.rsplit('@').next())
        .and_then(|hp| std::net::ToSocketAddrs::to_socket_addrs(hp).ok()?.next())
        .ok_or_else(|| anyhow::anyhow!("[mail].smtp_url {:?} has no host:port for the dev mail sink", cfg.smtp_url))?;
    server::mail_sink::MailSink::start(addr, Some(cfg.dev_sink_dir.clone().into())).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot start the development mail sink on {addr}: {e}. Stop what uses it, or choose another \
             port in [mail].smtp_url (TENANTRY_MAIL__SMTP_URL)"
        )
    })?;
    tracing::info!("mail sink on {addr}: every email the portal sends is written to {}", cfg.dev_sink_dir);
    Ok(())
}

/// Our migrations, the session table included (sqlx takes an advisory lock, so instances
/// starting together migrate once).
async fn migrate(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    server::MIGRATOR.run(pool).await?;
    Ok(())
}

/// `admin create --email E --name N [--password P]`: a platform admin for a real deployment.
async fn admin_create(pool: &sqlx::PgPool, args: &[String]) -> anyhow::Result<()> {
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let email = flag("--email").ok_or_else(|| anyhow::anyhow!("--email is required"))?;
    let name = flag("--name").unwrap_or_else(|| email.split('@').next().unwrap_or("Admin").to_string());
    let (password, generated) = match flag("--password").or_else(|| std::env::var("TENANTRY_ADMIN_PASSWORD").ok()) {
        Some(p) => (p, false),
        None => (auth::random_token(15), true),
    };
    let new = server::services::users::NewUser {
        email: email.clone(),
        name,
        password: password.clone(),
        is_platform_admin: true,
    };
    let caller = server::access::Caller::system();
    match server::services::users::create(pool, &caller, new).await {
        Ok(_) => {
            println!("Created platform admin {email}.");
            if generated {
                println!("Password: {password}\n(shown once; change it after signing in)");
            }
            Ok(())
        }
        Err(e) => {
            let fields = e.fields();
            let detail = if fields.is_empty() { e.to_string() } else { format!("{e} {fields:?}") };
            anyhow::bail!("could not create the admin: {detail}")
        }
    }
}

/// Ctrl-C or SIGTERM: stop accepting connections and let requests in flight finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
