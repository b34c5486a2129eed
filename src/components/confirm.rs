//! Confirmations as a server-rendered modal reached by a link (`?remove=<id>` and the
//! like), so they work with and without JavaScript: Cancel is a link back, the confirm
//! button submits the form inside. With JavaScript, Escape closes it and the confirm
//! button (or the first field) takes the focus when it opens.

use crate::components::Busy;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn ConfirmDialog(
    #[prop(into)] title: String,
    /// Where Cancel and Escape go (the page without the dialog).
    #[prop(into)]
    cancel_href: String,
    /// The form: a `.modal-body` with `id="confirm-text"`, and `ConfirmButtons`.
    children: Children,
) -> impl IntoView {
    let navigate = use_navigate();
    let close = cancel_href.clone();
    let root = NodeRef::<leptos::html::Div>::new();
    // `autofocus` only works on the first page load; a dialog opened later by a
    // client-side navigation needs the focus moved by hand.
    Effect::new(move |_| {
        if let Some(el) = root.get() {
            if let Ok(Some(target)) = el.query_selector("[autofocus]") {
                if let Ok(target) = leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(target) {
                    let _ = target.focus();
                }
            }
        }
    });
    view! {
        <div class="modal-overlay" on:keydown=move |ev| {
            if ev.key() == "Escape" {
                navigate(&close, Default::default());
            }
        }>
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title"
                aria-describedby="confirm-text" node_ref=root>
                <h2 class="modal-title" id="confirm-title">{title}</h2>
                {children()}
            </div>
        </div>
    }
}

/// Cancel (a link back) and the confirming submit button, with a pending spinner.
#[component]
pub fn ConfirmButtons(
    #[prop(into)] cancel_href: String,
    label: &'static str,
    #[prop(optional)] danger: bool,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    let class = if danger { "btn btn-danger" } else { "btn btn-primary" };
    view! {
        <div class="modal-actions">
            <a class="btn btn-ghost" href=cancel_href>"Cancel"</a>
            <button class=class type="submit" autofocus disabled=move || pending.get()>
                <Busy when=pending/>
                {label}
            </button>
        </div>
    }
}
