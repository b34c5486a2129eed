//! Tenantry: a tenant management portal. One crate, two targets: the `ssr` feature builds
//! the Axum server (pages, server functions, REST API), the `hydrate` feature the
//! WebAssembly client that hydrates the server-rendered pages.

pub mod app;
pub mod components;
pub mod error;
pub mod fns;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker for end-to-end tests (and curious people): the page is interactive now.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
