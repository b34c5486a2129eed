#!/usr/bin/env bash
# Shared setup for the tenantry scripts. Source it; do not run it.
#   source "$(dirname "$0")/common.sh"
# Every ensure_* function is idempotent: the first run installs or initialises,
# later runs only check and return quickly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/.data" # git-ignored: local database cluster, logs
export ROOT DATA
mkdir -p "$DATA"

CARGO_LEPTOS_VERSION="0.3.11"

# Tools installed by `cargo install` live here; cargo-leptos also looks up
# wasm-bindgen on PATH before trying to download it (no GitHub access here).
# wasm-opt (release builds) comes from npm's binaryen in tools/, for the same reason.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/tools/node_modules/.bin:$ROOT/end2end/node_modules/.bin:$PATH"

# Builds read the committed .sqlx/ query data, never a live database, so a build
# gives the same result whether or not PostgreSQL is up (scripts/prepare-sqlx
# overrides this for the one command that regenerates .sqlx/).
export SQLX_OFFLINE=true

# Playwright must use the system Chromium; it must never download browsers.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# ---------------------------------------------------------------- Rust tooling

ensure_rust() {
    command -v rustup >/dev/null || die "rustup is not installed"
    # rustup 1.28+ no longer installs the toolchain named in rust-toolchain.toml on first
    # use: install it (with its components and the wasm target) explicitly. A no-op when
    # it is already there.
    (cd "$ROOT" && rustup toolchain install >/dev/null 2>&1 || rustup toolchain install >&2)
    (cd "$ROOT" && rustup target add wasm32-unknown-unknown >/dev/null)
    # std's source, which the release client is compiled from (see build_release).
    (cd "$ROOT" && rustup component add rust-src >/dev/null)
}

# The production build: the server, and the client split into a chunk per page, through
# wasm-opt, precompressed (gzip and brotli). Two cargo-leptos runs over the same sources,
# because only the client gets the size settings of Rust's guide to small binaries:
# std compiled for the client (-Zbuild-std) with panics that abort on the spot (no panic
# messages, nor the formatting code that writes them, in the wasm) and without source
# locations (README, "How the client is cut", has the figures).
# These flags are unstable, and RUSTC_BOOTSTRAP=1 lets the pinned compiler
# (rust-toolchain.toml) accept them; the compiler cannot change under them without a
# commit that moves the pin. A plain `cargo leptos build --release` builds without them.
build_release() {
    log "cargo leptos build --release --precompress --split --frontend-only (client size flags)"
    (cd "$ROOT" && RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none" \
        cargo leptos build --release --precompress --split --frontend-only \
        --lib-cargo-args=-Zbuild-std=std,panic_abort)
    # The chunk loader without its comments (see the script).
    node "$ROOT/tools/compact-split-loader.mjs" "$ROOT/target/site/pkg" >&2
    log "cargo leptos build --release --split --server-only"
    (cd "$ROOT" && cargo leptos build --release --split --server-only)
}

ensure_cargo_leptos() {
    local have
    have="$(cd "$ROOT" && cargo leptos --version 2>/dev/null | awk '{print $NF}')" || true
    if [ "$have" = "$CARGO_LEPTOS_VERSION" ]; then
        return 0
    fi
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (found: ${have:-none}); this takes ~20 minutes"
    # From ROOT, so it is compiled with the pinned toolchain (0.3.11 needs rustc 1.96).
    (cd "$ROOT" && cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION")
}

# The version of the wasm-bindgen crate in Cargo.lock: the CLI must match it exactly.
wasm_bindgen_lock_version() {
    [ -f "$ROOT/Cargo.lock" ] || die "Cargo.lock is missing; run 'cargo generate-lockfile' first"
    awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/^version = "|"$/, ""); print; exit }' \
        "$ROOT/Cargo.lock"
}

ensure_wasm_bindgen() {
    local want have
    want="$(wasm_bindgen_lock_version)"
    [ -n "$want" ] || die "no wasm-bindgen entry in Cargo.lock"
    have="$(wasm-bindgen --version 2>/dev/null | awk '{print $NF}')" || true
    if [ "$have" = "$want" ]; then
        return 0
    fi
    log "installing wasm-bindgen-cli $want (found: ${have:-none})"
    # Without --locked: the CLI's own lock file does not always build with our toolchain.
    (cd "$ROOT" && cargo install wasm-bindgen-cli --version "$want" --force)
}

# Build tools from npm that cargo-leptos finds on PATH (it would otherwise try to download
# them, which fails here): wasm-opt from binaryen, for release builds.
ensure_build_tools() {
    local dir="$ROOT/tools"
    if [ ! -x "$dir/node_modules/.bin/wasm-opt" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
        command -v npm >/dev/null || die "npm is not installed"
        log "installing build tools (npm ci in tools/: binaryen's wasm-opt)"
        (cd "$dir" && npm ci --no-audit --no-fund >&2)
        touch "$dir/node_modules"
    fi
}

# The contract fuzzer (schemathesis, from PyPI) in a virtualenv of its own under .data/.
SCHEMATHESIS_VERSION="4.32.5"
ensure_schemathesis() {
    local venv="$DATA/venv"
    if [ "$("$venv/bin/st" --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
        log "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
    fi
    export PATH="$venv/bin:$PATH"
}

# ---------------------------------------------------------------- PostgreSQL

# Directory with the server binaries of the newest installed PostgreSQL.
pg_bin_dir() {
    local dir
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$dir" ]; then
        is_root || die "PostgreSQL is not installed (apt-get install postgresql postgresql-contrib)"
        log "installing PostgreSQL"
        DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql postgresql-contrib >&2 \
            || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql postgresql-contrib >&2; }
        dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin | sort -V | tail -n 1)"
        [ -n "$dir" ] || die "PostgreSQL installation failed"
    fi
    printf '%s\n' "$dir"
}

# initdb and the server refuse to run as root: as root, run them as `postgres`.
# `cd /` so the postgres user is never left in a directory it cannot read.
pg_as_owner() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# True when the postmaster recorded in postmaster.pid is alive and really is
# postgres. After a machine restart the pid may be dead or reused by another
# process; pg_ctl status would then wrongly report "running".
pg_cluster_running() {
    local pgdata="$1" pid comm
    [ -f "$pgdata/postmaster.pid" ] || return 1
    pid="$(head -n 1 "$pgdata/postmaster.pid")"
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
    comm="$(cat "/proc/$pid/comm")"
    [ "$comm" = "postgres" ] || [ "$comm" = "postmaster" ] || return 1
    pg_as_owner "$PGBIN/pg_ctl" status -D "$pgdata" >/dev/null 2>&1
}

ensure_postgres() {
    if [ -n "${DATABASE_URL:-}" ]; then
        log "using DATABASE_URL from the environment"
        export DATABASE_URL
        return 0
    fi

    PGBIN="$(pg_bin_dir)"
    local pgdata="$DATA/pg" sockdir="$DATA/pg-run" pglog="$DATA/pg.log"
    local port="${TENANTRY_PG_PORT:-54329}"

    mkdir -p "$DATA" "$sockdir"
    touch "$pglog"
    if is_root; then
        chown postgres:postgres "$sockdir" "$pglog"
        pg_as_owner test -x "$DATA" || die "user postgres cannot reach $DATA; move the project or fix permissions"
    fi

    # 1. Initialise once. A directory without PG_VERSION is a broken, interrupted
    #    initdb (no data in it), so it is safe to start over.
    if [ ! -f "$pgdata/PG_VERSION" ]; then
        if [ -d "$pgdata" ] && [ -n "$(ls -A "$pgdata")" ]; then
            log "removing an incomplete cluster directory $pgdata"
            rm -rf "$pgdata"
        fi
        log "initialising a PostgreSQL cluster in $pgdata"
        mkdir -p "$pgdata"
        chmod 700 "$pgdata"
        is_root && chown postgres:postgres "$pgdata"
        # trust auth + superuser `tenantry`: a developer-only cluster on 127.0.0.1.
        pg_as_owner "$PGBIN/initdb" -D "$pgdata" --auth=trust -U tenantry \
            --encoding=UTF8 --locale=C.UTF-8 >"$DATA/initdb.log" 2>&1 \
            || { tail -n 30 "$DATA/initdb.log" >&2; die "initdb failed (log: $DATA/initdb.log)"; }
    fi

    # 2. Our settings, appended once (the marker makes it idempotent).
    local marker="# --- tenantry dev cluster (scripts/common.sh) ---"
    if ! grep -qxF -- "$marker" "$pgdata/postgresql.conf"; then
        cat >>"$pgdata/postgresql.conf" <<CONF

$marker
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
# Tests run many pools side by side (sqlx::test creates a database per test).
max_connections = 300
shared_buffers = 256MB
# Faster commits for a dev box; a crash loses at most the last few commits but
# never corrupts the cluster. fsync stays on for that reason.
synchronous_commit = off
CONF
    fi

    # 3. Start unless already running.
    if pg_cluster_running "$pgdata"; then
        # Use the port it actually listens on (line 4 of postmaster.pid).
        local running_port
        running_port="$(sed -n 4p "$pgdata/postmaster.pid")"
        if [ -n "$running_port" ] && [ "$running_port" != "$port" ]; then
            log "cluster already running on port $running_port (not $port); using it"
            port="$running_port"
        fi
    else
        # A leftover postmaster.pid whose pid is dead or now belongs to another
        # program would make postgres refuse to start.
        if [ -f "$pgdata/postmaster.pid" ]; then
            log "removing stale $pgdata/postmaster.pid"
            rm -f "$pgdata/postmaster.pid"
        fi
        rm -f "$sockdir"/.s.PGSQL.*.lock
        log "starting PostgreSQL on 127.0.0.1:$port (log: $pglog)"
        # -p on the command line so TENANTRY_PG_PORT can change without editing the conf.
        if ! pg_as_owner "$PGBIN/pg_ctl" start -D "$pgdata" -l "$pglog" -w -t 60 \
            -o "-p $port" >/dev/null; then
            tail -n 30 "$pglog" >&2
            die "PostgreSQL did not start (log: $pglog)"
        fi
    fi

    local i
    for i in $(seq 1 60); do
        "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U tenantry -d postgres && break
        [ "$i" -eq 60 ] && { tail -n 30 "$pglog" >&2; die "PostgreSQL is not accepting connections on port $port"; }
        sleep 0.5
    done

    # 4. The application database.
    local psql=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U tenantry -d postgres)
    if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'tenantry'")" != "1" ]; then
        log "creating database tenantry"
        "${psql[@]}" -c 'CREATE DATABASE tenantry'
    fi

    export DATABASE_URL="postgres://tenantry@127.0.0.1:$port/tenantry"
}

# The psql client: the one next to the server binaries, else whatever is on PATH.
pg_psql() {
    if [ -z "${PGBIN:-}" ]; then
        if [ -d /usr/lib/postgresql ] || ! command -v psql >/dev/null; then
            PGBIN="$(pg_bin_dir)"
        fi
    fi
    if [ -n "${PGBIN:-}" ]; then "$PGBIN/psql" "$@"; else psql "$@"; fi
}

# create_fresh_db NAME: drop and recreate NAME on the server of DATABASE_URL;
# prints its URL on stdout.
create_fresh_db() {
    local name="$1"
    [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "create_fresh_db: bad database name '$name'"
    [ -n "${DATABASE_URL:-}" ] || die "create_fresh_db: DATABASE_URL is not set (call ensure_postgres)"
    # scheme://authority [/database] [?query]  ->  keep authority and query.
    [[ "$DATABASE_URL" =~ ^([a-zA-Z][a-zA-Z0-9+.-]*://[^/?]*)(/[^?]*)?(\?.*)?$ ]] \
        || die "create_fresh_db: cannot parse DATABASE_URL"
    local base="${BASH_REMATCH[1]}" query="${BASH_REMATCH[3]:-}"
    local admin="$base/postgres$query"
    # Separate -c commands: DROP/CREATE DATABASE cannot run inside a transaction.
    pg_psql "$admin" -X -q -v ON_ERROR_STOP=1 \
        -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" \
        -c "CREATE DATABASE \"$name\"" >&2
    printf '%s\n' "$base/$name$query"
}

# ---------------------------------------------------------------- HTTP

# wait_http URL TIMEOUT_SECONDS [PID]: poll until URL answers 200. With PID,
# give up at once if that process has exited (no point waiting for a dead server).
wait_http() {
    local url="$1" timeout="$2" pid="${3:-}" deadline code
    deadline=$((SECONDS + timeout))
    while [ "$SECONDS" -lt "$deadline" ]; do
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)"
        [ "$code" = "200" ] && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            log "process $pid exited while waiting for $url"
            return 1
        fi
        sleep 0.5
    done
    log "timed out after ${timeout}s waiting for $url (last status: ${code:-none})"
    return 1
}

# ---------------------------------------------------------------- end-to-end

ensure_chromium() {
    if [ ! -x /usr/bin/chromium ]; then
        is_root || die "/usr/bin/chromium is missing (apt-get install chromium)"
        log "installing chromium"
        apt-get update >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >&2
    fi
    # For the Playwright config (launchOptions.executablePath).
    export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
}

ensure_e2e_deps() {
    local dir="$ROOT/end2end"
    [ -f "$dir/package.json" ] || die "$dir/package.json is missing"
    command -v npm >/dev/null || die "npm is not installed"
    if [ -f "$dir/package-lock.json" ]; then
        # Reinstall only when the lock changed since the last install.
        if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
            log "installing end-to-end test dependencies (npm ci)"
            (cd "$dir" && npm ci --no-audit --no-fund >&2)
            touch "$dir/node_modules"
        fi
    else
        log "installing end-to-end test dependencies (npm install; no package-lock.json)"
        (cd "$dir" && npm install --no-audit --no-fund >&2)
    fi
}
