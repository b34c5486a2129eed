//! A JSON body extractor whose rejections are our error format: 400 for malformed JSON,
//! 415 without a JSON content type, 413 over the size limit, 422 naming the field whose
//! value has the wrong shape.

use crate::error::{AppError, FieldErrors};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(rejection_error(rejection)),
        }
    }
}

/// PostgreSQL can store no NUL character in text or JSON, and no person means one. Every
/// request body but a file (REST and server functions, JSON or form) is checked once, up front, by
/// this middleware: one with a NUL in it is refused with 422 before anything reads it, so
/// nothing is half-written and no database error surfaces as a 500.
pub async fn refuse_nul(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let form = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    // A NUL in the path or query string (`%00`) is refused the same way.
    if req.uri().path_and_query().is_some_and(|pq| has_nul_percent(pq.as_str().as_bytes())) {
        return AppError::bad_request("Text may not contain the NUL character.").into_response();
    }
    // Files (logos, `image/*`) are bytes, not text: their handler checks them as files.
    let file = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("image/"));
    if file || matches!(*req.method(), http::Method::GET | http::Method::HEAD | http::Method::OPTIONS) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) if is_too_large(&e) => {
            return AppError::PayloadTooLarge("The request body is too large.".into()).into_response()
        }
        Err(_) => return AppError::bad_request("The request body could not be read.").into_response(),
    };
    let nul = if form { has_nul_percent(&bytes) } else { has_nul_escape(&bytes) || bytes.contains(&0) };
    if nul {
        return AppError::Validation {
            message: "Text may not contain the NUL character.".into(),
            fields: FieldErrors::new(),
        }
        .into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

/// The outer body limit (tower-http's) cut the body off.
fn is_too_large(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.to_string().contains("length limit exceeded") {
            return true;
        }
        source = err.source();
    }
    false
}

/// `%00` in a form body.
fn has_nul_percent(body: &[u8]) -> bool {
    body.windows(3).any(|w| w == b"%00")
}

/// True when the JSON text escapes a NUL (`\u0000`); an escaped backslash followed by
/// `u0000` is ordinary text.
fn has_nul_escape(body: &[u8]) -> bool {
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            if body[i + 1..].starts_with(b"u0000") {
                return true;
            }
            i += 2; // skip the escaped character, whatever it is
        } else {
            i += 1;
        }
    }
    false
}

pub fn rejection_error(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            let text = e.body_text();
            let detail = text.split_once("target type: ").map_or(text.as_str(), |(_, d)| d).to_string();
            // serde_path_to_error puts the field path first: "branding.primary_color: invalid type ...".
            match detail.split_once(": ") {
                Some((path, msg)) if !path.contains(' ') && path != "." => {
                    let msg = strip_position(msg);
                    AppError::Validation {
                        message: format!("{path}: {msg}"),
                        fields: FieldErrors::from([(path.to_string(), msg)]),
                    }
                }
                _ => AppError::Validation { message: strip_position(&detail), fields: FieldErrors::new() },
            }
        }
        JsonRejection::JsonSyntaxError(e) => {
            let text = e.body_text();
            let detail = text.rsplit_once(": ").map_or(text.as_str(), |(_, d)| d);
            AppError::bad_request(format!("The request body is not valid JSON ({detail})."))
        }
        JsonRejection::MissingJsonContentType(_) => {
            AppError::UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.".into())
        }
        JsonRejection::BytesRejection(e) if e.status() == http::StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::PayloadTooLarge("The request body is too large.".into())
        }
        other => AppError::bad_request(format!("The request body could not be read: {}", other.body_text())),
    }
}

/// Drops serde's " at line 1 column 17" suffix, which means nothing to most readers.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// An optional JSON body (for actions whose body only carries an optional reason): an
/// empty body is `None`, anything else must be valid JSON of the right shape.
pub struct MaybeJson<T>(pub Option<T>);

impl<S, T> FromRequest<S> for MaybeJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let parts_headers = req.headers().clone();
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge("The request body is too large.".into())
            } else {
                AppError::bad_request("The request body could not be read.")
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(MaybeJson(None));
        }
        if !json_content_type(&parts_headers) {
            return Err(AppError::UnsupportedMediaType(
                "Send the body as JSON with Content-Type: application/json.".into(),
            ));
        }
        serde_json::from_slice(&bytes).map(|v| MaybeJson(Some(v))).map_err(|e| {
            let msg = strip_position(&e.to_string());
            if e.is_data() {
                AppError::Validation { message: msg, fields: FieldErrors::new() }
            } else {
                AppError::bad_request(format!("The request body is not valid JSON ({msg})."))
            }
        })
    }
}

/// `application/json`, or any `+json` type, as axum's own Json extractor accepts.
fn json_content_type(headers: &http::HeaderMap) -> bool {
    let Some(ct) = headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::{has_nul_escape, has_nul_percent};

    #[test]
    fn nul_in_forms() {
        assert!(has_nul_percent(b"name=a%00b"));
        assert!(!has_nul_percent(b"name=a%2500b"));
    }

    #[test]
    fn nul_escapes_are_found_and_escaped_backslashes_are_not() {
        assert!(has_nul_escape(br#"{"a": "x\u0000y"}"#));
        assert!(has_nul_escape(br#"{"\u0000": 1}"#));
        assert!(!has_nul_escape(br#"{"a": "x\\u0000y"}"#));
        assert!(has_nul_escape(br#"{"a": "x\\\u0000y"}"#));
        assert!(has_nul_escape(br#"{"a": "\u00001"}"#), "NUL then a digit");
        assert!(!has_nul_escape(br#"{"a": "plain"}"#));
        assert!(!has_nul_escape(br#"{"a": "ends with \\"}"#));
    }
}
