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
