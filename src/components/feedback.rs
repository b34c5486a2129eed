//! Loading, error and empty states, the same everywhere.

use crate::error::{AppError, FieldErrors};
use leptos::prelude::*;

#[component]
pub fn Loading(#[prop(into, default = "Loading…".to_string())] text: String) -> impl IntoView {
    view! {
        <div class="loading" role="status">
            <span class="spinner" aria-hidden="true"></span>
            <span>{text}</span>
        </div>
    }
}

#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    view! {
        <div class="alert alert-error" role="alert">
            <strong>{match error.status() { 404 => "Not found. ", 409 => "Conflict. ", 500.. => "Error. ", _ => "" }}</strong>
            {error.to_string()}
        </div>
    }
}

#[component]
pub fn Empty(
    #[prop(into)] title: String,
    #[prop(into)] text: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="empty">
            <div class="empty-icon" aria-hidden="true">
                <svg viewBox="0 0 24 24" width="22" height="22" fill="none" stroke="currentColor" stroke-width="1.8">
                    <circle cx="11" cy="11" r="7"></circle>
                    <path d="M20 20l-3.5-3.5"></path>
                </svg>
            </div>
            <h3>{title}</h3>
            <p class="muted">{text}</p>
            {children.map(|c| c())}
        </div>
    }
}

/// The message for one field, rendered under it when present.
#[component]
pub fn FieldError(#[prop(into)] message: Signal<Option<String>>, #[prop(into)] id: String) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p class="field-error" id=id.clone()>{move || message.get().unwrap_or_default()}</p>
        </Show>
    }
}

/// Per-field messages for a form: what the browser found before sending, else what the
/// server answered. `errors("name")` is the signal for one field.
pub fn field_errors<F>(
    local: RwSignal<FieldErrors>,
    server: F,
) -> impl Fn(&'static str) -> Signal<Option<String>> + Copy
where
    F: Fn() -> Option<AppError> + Copy + Send + Sync + 'static,
{
    move |field| {
        Signal::derive(move || local.with(|l| l.get(field).cloned()).or_else(|| server().and_then(|e| e.field(field))))
    }
}

/// The spinner inside a button while its action runs. Hidden from screen readers: the
/// button's own state (disabled, `aria-busy`) says it is busy.
#[component]
pub fn Busy(#[prop(into)] when: Signal<bool>) -> impl IntoView {
    move || when.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })
}
