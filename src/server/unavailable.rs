//! What people and programs are told while the database is away (a restart, a failover):
//! 503 with `Retry-After`, as a small self-contained page for browsers (it cannot render
//! the app, which needs the database) and as the API's JSON error for everything else.

use crate::error::AppError;
use crate::model::messages::DATABASE_AWAY;
use axum::response::{Html, IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

/// Browsers ask for HTML; the REST API and server functions called from the client don't.
pub fn wants_json(req: &axum::extract::Request) -> bool {
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    !accept.contains("text/html") && (req.uri().path().starts_with("/api/") || accept.contains("json"))
}

pub fn response(json: bool) -> Response {
    let err = AppError::Unavailable(DATABASE_AWAY.into());
    if json {
        return err.into_response();
    }
    let secs = err.retry_after().unwrap_or(10);
    let mut res = (StatusCode::SERVICE_UNAVAILABLE, Html(page(secs))).into_response();
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The page reloads itself, so it turns back into the app as soon as the database is back.
fn page(retry_secs: u64) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{retry_secs}">
<title>Temporarily unavailable · Tenantry</title>
<style>
  :root {{ color-scheme: light dark; --bg: #fafafa; --card: #fff; --text: #18181b; --muted: #52525b; --line: #e4e4e7; --amber: #b45309; }}
  @media (prefers-color-scheme: dark) {{ :root {{ --bg: #0f0f12; --card: #18181b; --text: #f4f4f5; --muted: #a1a1aa; --line: #27272a; --amber: #fbbf24; }} }}
  body {{ margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--text);
         font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }}
  main {{ max-width: 440px; margin: 24px; padding: 32px; background: var(--card); border: 1px solid var(--line); border-radius: 12px; }}
  h1 {{ font-size: 20px; margin: 0 0 8px; }}
  p {{ margin: 0 0 12px; color: var(--muted); }}
  .status {{ display: inline-flex; align-items: center; gap: 8px; font-weight: 600; color: var(--amber); margin-bottom: 16px; }}
  .dot {{ width: 8px; height: 8px; border-radius: 50%; background: currentColor; }}
  a {{ color: inherit; }}
</style>
</head>
<body>
<main role="main" aria-labelledby="title">
  <div class="status" role="status"><span class="dot" aria-hidden="true"></span>Service interrupted</div>
  <h1 id="title">Tenantry is temporarily unavailable</h1>
  <p>{DATABASE_AWAY}</p>
  <p>This page tries again by itself every {retry_secs} seconds. <a href="">Try now</a></p>
</main>
</body>
</html>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(path: &str, accept: &str) -> axum::extract::Request {
        http::Request::get(path).header(header::ACCEPT, accept).body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn browsers_get_the_page_and_programs_json() {
        assert!(!wants_json(&req("/tenants", "text/html,application/xhtml+xml,*/*;q=0.8")));
        assert!(!wants_json(&req("/api/sign_in", "text/html,*/*")), "a form posted without JavaScript");
        assert!(wants_json(&req("/api/v1/tenants", "*/*")));
        assert!(wants_json(&req("/api/list_tenants", "application/json")));
        assert!(wants_json(&req("/tenants", "application/json")));
        let res = response(false);
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()[header::RETRY_AFTER], "10");
        assert!(res.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
        assert_eq!(response(true).headers()[header::CONTENT_TYPE], "application/json");
    }
}
