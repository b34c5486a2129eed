//! Everything that runs only on the server: configuration, state, access, services, the
//! REST API, the HTTP stack and demo data.

pub mod access;
pub mod auth;
pub mod background;
pub mod config;
pub mod demo;
pub mod dns;
pub mod export;
pub mod logo;
pub mod mail;
pub mod mail_sink;
pub mod metering;
pub mod metrics;
pub mod outbound;
pub mod prober;
pub mod ratelimit;
pub mod rest;
pub mod rollout;
pub mod services;
pub mod session_store;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod unavailable;
pub mod webhooks;
pub mod workers;
pub mod workflow;

use axum::response::{IntoResponse, Response};
use axum::Router;
use http::{header, HeaderValue, StatusCode};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use state::AppState;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The control-plane migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// Wires the layers together: the services reach the workflow engine and the REST API's
/// description through these hooks (they sit below both).
fn install_hooks(state: &AppState) {
    let _ = state.hooks.drive.set(std::sync::Arc::new(|s: AppState, run, deadline| {
        Box::pin(async move { workflow::drive(&s, run, deadline).await })
    }));
    let _ = state.hooks.api_document.set(rest::document());
}

/// The listener the application is served from, with TCP_NODELAY on every connection:
/// pages stream in several writes, and with Nagle's algorithm a small write waits for the
/// client's delayed ACK (~40 ms on Linux). axum leaves it off by default.
pub type Listener = axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)>;

pub fn listener(tcp: tokio::net::TcpListener) -> Listener {
    use axum::serve::ListenerExt;
    fn no_delay(stream: &mut tokio::net::TcpStream) {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("could not set TCP_NODELAY: {e}");
        }
    }
    tcp.tap_io(no_delay as fn(&mut tokio::net::TcpStream))
}

/// The whole HTTP application: REST API, server functions, pages and static files.
pub fn app(state: AppState) -> Router {
    install_hooks(&state);
    metrics::install();
    let routes = generate_route_list(crate::app::App);
    let max_body = state.config.server.max_body_bytes;
    let timeout = Duration::from_secs(state.config.server.request_timeout_secs.max(1));

    let page_state = state.clone();
    let options = state.leptos_options.clone();
    // Everything that needs to know the caller: the REST API, server functions and pages.
    // leptos_routes_with_context also mounts every server function at its own path, so
    // unknown /api/v1 paths still reach the REST fallback. Static files and health probes
    // stay outside, so they never touch the session store.
    let dynamic = Router::new()
        .merge(rest::router(max_body, state.config.usage.max_batch_bytes))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(page_state.clone()),
            move || crate::app::shell(options.clone()),
        )
        .layer(axum::middleware::from_fn(rest::json::refuse_nul))
        .layer(axum::middleware::from_fn_with_state(state.clone(), ratelimit::limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), access::resolve))
        .layer(auth::layer(&state.pool, &state.config.auth))
        .layer(axum::middleware::from_fn(session_store::session_scope));
    let hsts =
        state.config.auth.secure_cookies.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    // The client bundle: the release build writes .br and .gz beside each file, served as
    // they are (no compression per request); revalidated by Last-Modified, since the file
    // names don't change between builds.
    let pkg_dir = format!("{}/{}", state.leptos_options.site_root, state.leptos_options.site_pkg_dir);
    let pkg = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .service(ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip());
    let (metrics_token, metrics_pool) = (state.config.metrics.token.clone(), state.pool.clone());
    let demo = state.config.demo.load_when_empty;
    Router::new()
        .merge(rest::health_router())
        // Uploaded logos: public and without the session (the sign-in page shows them).
        .route("/logos/{tenant}/{file}", axum::routing::get(rest::branding::serve_logo))
        .merge(if demo { webhooks::demo_receiver().merge(prober::demo::router()) } else { Router::new() })
        .route(
            "/metrics",
            axum::routing::get(move |req: axum::extract::Request| {
                metrics_endpoint(req, metrics_token.clone(), metrics_pool.clone())
            }),
        )
        .nest_service(&format!("/{}", state.leptos_options.site_pkg_dir), pkg)
        .merge(dynamic)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(crate::app::shell))
        .layer(axum::middleware::map_response(server_fn_status))
        // A backstop for bodies far over the limit; the REST API answers 413 itself in JSON.
        .layer(RequestBodyLimitLayer::new(
            (max_body * 4).max(state.config.usage.max_batch_bytes).max(logo::MAX_BYTES) + 64 * 1024,
        ))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, hsts))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        // A bug must never close the connection without an answer: a panic becomes a 500
        // with a reference to the log line, like any other internal error.
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(axum::middleware::from_fn(count_requests))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Arguments that fail to decode never reach the function body, and server_fn answers
/// those with 500. The body is our `AppError`, which knows its real status: use it.
///
/// A form posted without JavaScript is answered with a redirect back to the page it came
/// from (the error travels in the URL); `respond` setting the error's status would turn
/// that redirect into a bare JSON error page, so such answers go back to 303.
async fn server_fn_status(mut res: Response) -> Response {
    let failed = res.status().is_client_error() || res.status().is_server_error();
    if failed && res.headers().contains_key("serverfnerror") && res.headers().contains_key(header::LOCATION) {
        *res.status_mut() = StatusCode::SEE_OTHER;
        return res;
    }
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR || !res.headers().contains_key("serverfnerror") {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
    };
    if let Ok(err) = serde_json::from_slice::<crate::error::AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Counts every request by route template (not by raw path, which would explode the
/// series) and status, with its latency.
async fn count_requests(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| if req.uri().path().starts_with("/pkg/") { "/pkg/*".into() } else { "unmatched".into() });
    let method = req.method().as_str().to_string();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    metrics::http_request(&method, &route, res.status().as_u16(), started.elapsed());
    res
}

/// `/metrics` on the main listener: only with the configured token.
async fn metrics_endpoint(req: axum::extract::Request, token: String, pool: sqlx::PgPool) -> Response {
    let given =
        req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if token.is_empty() || !given.is_some_and(|g| auth::constant_time_eq(g.as_bytes(), token.as_bytes())) {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    metrics::pool(&pool);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], metrics::render()).into_response()
}

/// The separate metrics listener's app (`[metrics].listen`): `/metrics` for anyone who can
/// reach that address.
pub fn metrics_app(pool: sqlx::PgPool) -> Router {
    Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let pool = pool.clone();
            async move {
                metrics::pool(&pool);
                ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], metrics::render())
            }
        }),
    )
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    crate::error::AppError::internal("panic while answering a request", detail).into_response()
}

/// Connects to PostgreSQL with the configured pool size.
pub async fn connect(cfg: &config::DatabaseConfig) -> Result<sqlx::PgPool, sqlx::Error> {
    pool_options(cfg.max_connections)
        .min_connections(cfg.min_connections)
        .acquire_timeout(Duration::from_secs(cfg.acquire_timeout_secs))
        .connect(&cfg.url)
        .await
}

/// A connection idle at least this long is pinged before it is handed out.
const PING_IDLE_AFTER: Duration = Duration::from_secs(10);

/// The pool's options. sqlx pings every connection it hands out by default: a round trip
/// before every query, which was a third of the quota check's database time. Connections
/// are pinged when they come back to the pool anyway, so only one that has sat idle for
/// `PING_IDLE_AFTER` (the database may have restarted meanwhile) is pinged again; a
/// connection that broke in the seconds since its last use fails one query, the error
/// answers 503 (see `unavailable`) and the pool replaces it.
pub fn pool_options(max_connections: u32) -> sqlx::postgres::PgPoolOptions {
    sqlx::postgres::PgPoolOptions::new().max_connections(max_connections).test_before_acquire(false).before_acquire(
        |conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IDLE_AFTER {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        },
    )
}
