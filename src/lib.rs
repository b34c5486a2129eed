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
    // The only server functions that redirect are the ones that change who is signed in
    // (sign in, sign out, accepting an invitation): follow them with a full page load, so
    // nothing built for the previous person survives. Set before the router would set its
    // own (client-side) hook; the first one set wins.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|loc: &str| {
        let _ = leptos::prelude::window().location().set_href(loc);
    });
    // Pages are lazy routes (their code may still be on its way), so hydration is async:
    // it waits for the current page's chunk, then hydrates the whole body.
    let body = leptos::prelude::document().body().expect("the page has a <body>");
    wasm_bindgen_futures::spawn_local(async move {
        let mounted = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        mounted.forget();
        // A marker for end-to-end tests and the benchmark: the page is interactive now.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
