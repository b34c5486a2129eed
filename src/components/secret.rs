//! A secret shown once (an API key, a webhook signing secret): a card with the value in a
//! read-only field that selects itself on focus, a Copy button that says what happened
//! (for screen readers too), and a button to put it away.

use leptos::prelude::*;

#[component]
pub fn SecretCard(
    /// The card's heading.
    title: String,
    /// The field's accessible name ("Your new API key").
    label: &'static str,
    /// The field's id (unique on the page).
    id: &'static str,
    secret: String,
    /// Called by "I've stored it".
    done: Callback<()>,
    /// What to do with it (shown under the heading).
    children: Children,
) -> impl IntoView {
    view! {
        <section class="card secret-card" aria-labelledby=format!("{id}-title")>
            <div class="card-header">
                <h2 class="card-title" id=format!("{id}-title")>{title}</h2>
            </div>
            {children()}
            <div class="secret-row">
                <input id=id class="mono secret" readonly value=secret.clone() aria-label=label on:focus=|ev| select_input(&ev)/>
                <CopyButton text=secret target=id/>
            </div>
            <div class="form-actions plain">
                <button class="btn" type="button" on:click=move |_| done.run(())>"I've stored it"</button>
            </div>
        </section>
    }
}

/// Selects the whole value when the field gets the focus, ready for Ctrl+C.
fn select_input(ev: &leptos::ev::FocusEvent) {
    if let Some(i) =
        ev.target().and_then(|t| leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok())
    {
        i.select();
    }
}

#[derive(Clone, Copy, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum CopyState {
    Idle,
    Copied,
    Failed,
}

/// Copies text to the clipboard (with JavaScript); says what happened for screen readers.
/// Where the clipboard is not available (or refused), it selects the field `target` for
/// Ctrl+C.
#[component]
pub fn CopyButton(
    text: String,
    #[prop(into)] target: String,
    /// The button's accessible name, when "Copy" alone is ambiguous.
    #[prop(optional)]
    label: Option<String>,
) -> impl IntoView {
    let state = RwSignal::new(CopyState::Idle);
    let result = format!("{target}-copy-result");
    let click = move |_| {
        #[cfg(feature = "hydrate")]
        copy_text(&text, &target, state);
        #[cfg(not(feature = "hydrate"))]
        let _ = (&text, &target, state);
    };
    view! {
        <button class="btn" type="button" on:click=click aria-label=label aria-describedby=result.clone()>"Copy"</button>
        <span class="copy-result" id=result aria-live="polite">
            {move || match state.get() {
                CopyState::Idle => "",
                CopyState::Copied => "Copied to the clipboard.",
                CopyState::Failed => "Couldn't copy: the value is selected, press Ctrl+C (⌘C on a Mac).",
            }}
        </span>
    }
}

#[cfg(feature = "hydrate")]
fn copy_text(text: &str, target: &str, state: RwSignal<CopyState>) {
    use leptos::wasm_bindgen::{closure::Closure, JsCast, JsValue};
    let target = target.to_string();
    let fail = move || {
        state.set(CopyState::Failed);
        if let Some(input) =
            document().get_element_by_id(&target).and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            let _ = input.focus();
            input.select();
        }
    };
    let navigator = window().navigator();
    // Only in secure contexts (https, localhost); elsewhere `navigator.clipboard` is missing.
    let available = web_sys::js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .map(|c| !c.is_undefined() && !c.is_null())
        .unwrap_or(false);
    if !available {
        fail();
        return;
    }
    let promise = navigator.clipboard().write_text(text);
    let ok = Closure::once(move |_: JsValue| state.set(CopyState::Copied));
    let err = Closure::once(move |_: JsValue| fail());
    let _ = promise.then2(&ok, &err);
    ok.forget();
    err.forget();
}
