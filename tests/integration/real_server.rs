//! Real `tenantry` server processes for tests that need one (crash, restart, outage).

use sqlx::PgPool;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn database_url(pool: &PgPool) -> String {
    let db = pool.connect_options().get_database().unwrap().to_string();
    let base = std::env::var("DATABASE_URL").unwrap();
    format!("{}/{db}", base.rsplit_once('/').unwrap().0)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A real `tenantry serve` process on its own port.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    pub async fn start(url: &str, smtp: &str, env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenantry"));
        cmd.env("DATABASE_URL", url)
            .env("TENANTRY_CONFIG", "/nonexistent/Leptos.toml")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("TENANTRY_MAIL__SMTP_URL", smtp)
            .env("TENANTRY_ADMIN_PASSWORD", "process test password")
            .env("TENANTRY_WORKFLOWS__POLL_SECS", "1")
            .env("TENANTRY_WORKFLOWS__BACKOFF_MS", "20")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start the server");
        let server = Server { child, port };
        server.wait_healthy().await;
        server
    }

    pub async fn wait_healthy(&self) {
        let url = format!("http://127.0.0.1:{}/healthz", self.port);
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if let Ok(r) = reqwest::get(&url).await {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server on port {} did not become healthy", self.port);
    }

    /// Whether the process is still running (it has not crashed or exited).
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().expect("query the server process").is_none()
    }

    /// SIGKILL: no shutdown, no cleanup, transactions cut off mid-way.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn wait_until<F, Fut>(what: &str, secs: u64, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let until = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < until {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// A PostgreSQL cluster of the test's own (initdb in a temporary directory, its own port),
/// for tests that stop the database without disturbing the other tests.
pub struct Cluster {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
    pub port: u16,
}

impl Cluster {
    pub fn start() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's binaries under /usr/lib/postgresql (scripts/test installs them)")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .max_by_key(|b| b.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()).unwrap_or(0))
            .expect("an initdb under /usr/lib/postgresql/*/bin");
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("tenantry-cluster-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cluster = Cluster { bin, dir, port };
        if is_root() {
            // initdb and postgres refuse to run as root: the cluster belongs to `postgres`.
            run(Command::new("chown").arg("postgres:postgres").arg(&cluster.dir));
        }
        let data = cluster.data().to_string_lossy().into_owned();
        cluster.as_owner("initdb", &["-D", &data, "--auth=trust", "-U", "tenantry", "--no-sync", "-E", "UTF8"]);
        cluster.up();
        cluster
    }

    fn data(&self) -> std::path::PathBuf {
        self.dir.join("data")
    }

    fn as_owner(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.args(args).current_dir("/");
        run(&mut cmd);
    }

    /// Starts the server and waits until it accepts connections.
    pub fn up(&self) {
        let data = self.data().to_string_lossy().into_owned();
        let log = self.dir.join("log").to_string_lossy().into_owned();
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=60",
            self.port,
            self.dir.display()
        );
        self.as_owner("pg_ctl", &["-D", &data, "-l", &log, "-o", &opts, "-w", "-t", "60", "start"]);
    }

    /// Stops the server the way a crash or failover looks to clients: every connection
    /// is cut at once (`immediate`).
    pub fn down(&self) {
        let data = self.data().to_string_lossy().into_owned();
        self.as_owner("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }

    /// A new database on this cluster, as a URL.
    pub async fn create_db(&self, name: &str) -> String {
        let admin = format!("postgres://tenantry@127.0.0.1:{}/postgres", self.port);
        let mut conn: sqlx::PgConnection = sqlx::Connection::connect(&admin).await.expect("connect to the cluster");
        sqlx::Executor::execute(&mut conn, format!("create database \"{name}\"").as_str()).await.unwrap();
        format!("postgres://tenantry@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data().to_string_lossy().into_owned();
        let exe = self.bin.join("pg_ctl");
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        let _ = cmd.args(["-D", &data, "-m", "immediate", "stop"]).current_dir("/").output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    static ROOT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ROOT.get_or_init(|| {
        Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
    })
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
