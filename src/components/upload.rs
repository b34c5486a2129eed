//! Sending a file the person picked to a REST endpoint (the logo upload): the browser's
//! fetch with the file itself as the body and its type as the Content-Type, so the file
//! is never copied into WebAssembly memory. The answer's JSON comes back typed; a refusal
//! comes back as the `AppError` its envelope describes, for the form to show.

use crate::error::{AppError, FieldErrors};

/// `PUT`s `file` to `url` on the portal, signed in with the session cookie.
pub async fn put_file<T: serde::de::DeserializeOwned>(url: &str, file: &web_sys::File) -> Result<T, AppError> {
    #[cfg(feature = "hydrate")]
    {
        let (status, text) = send(url, file).await.map_err(|e| AppError::Transport(format!("{e:?}")))?;
        if (200..300).contains(&status) {
            serde_json::from_str(&text).map_err(|e| AppError::Transport(e.to_string()))
        } else {
            Err(from_envelope(status, &text))
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (url, file);
        Err(AppError::Transport("Files are sent from the browser.".into()))
    }
}

#[cfg(feature = "hydrate")]
async fn send(url: &str, file: &web_sys::File) -> Result<(u16, String), wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let headers = web_sys::Headers::new()?;
    headers.set("content-type", &file.type_())?;
    headers.set("accept", "application/json")?;
    let init = web_sys::RequestInit::new();
    init.set_method("PUT");
    init.set_body(file);
    init.set_headers_headers(&headers);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await?.dyn_into()?;
    let text = JsFuture::from(response.text()?).await?.as_string().unwrap_or_default();
    Ok((response.status(), text))
}

/// The REST error envelope (`{"error": {"code", "message", "fields"}}`) as an `AppError`.
pub fn from_envelope(status: u16, body: &str) -> AppError {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: Detail,
    }
    #[derive(serde::Deserialize)]
    struct Detail {
        message: String,
        #[serde(default)]
        fields: Option<FieldErrors>,
    }
    let Ok(Envelope { error }) = serde_json::from_str::<Envelope>(body) else {
        return AppError::Transport(format!("The server answered {status}."));
    };
    let (message, fields) = (error.message, error.fields.unwrap_or_default());
    match status {
        400 => AppError::BadRequest(message),
        401 => AppError::Unauthorized(message),
        403 => AppError::Forbidden(message),
        404 => AppError::NotFound(message),
        409 => AppError::Conflict { message, fields },
        413 => AppError::PayloadTooLarge(message),
        415 => AppError::UnsupportedMediaType(message),
        422 => AppError::Validation { message, fields },
        429 => AppError::TooManyRequests { message, retry_after_secs: 1 },
        503 => AppError::Unavailable(message),
        _ => AppError::Transport(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_become_their_errors() {
        let e = from_envelope(
            422,
            r#"{"error":{"code":"validation_failed","message":"Bad.","fields":{"logo":"Not a PNG."}}}"#,
        );
        assert_eq!(e.field("logo").as_deref(), Some("Not a PNG."));
        assert_eq!(e.status(), 422);
        assert_eq!(
            from_envelope(413, r#"{"error":{"code":"payload_too_large","message":"Too big."}}"#).to_string(),
            "Too big."
        );
        assert!(matches!(from_envelope(502, "<html>"), AppError::Transport(m) if m.contains("502")));
    }
}
