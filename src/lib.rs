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

/// Room for the release build's page chunks to carry their own constant data.
///
/// `cargo leptos build --split` (wasm_split_cli_support 0.2) moves every constant (strings,
/// vtables) into the chunk that uses it, laid out inside the address range of the linked
/// module's one `.rodata` segment. Constants shared by modules are copied into each, so the
/// relocated data can come out a little longer than the original segment; when it does, the
/// tool gives up and keeps the whole segment (276 KB, two thirds of it page data) in the
/// main bundle every page downloads. This never-referenced static is kept by the linker
/// (`#[used]`) inside `.rodata` and belongs to no module, so the relocated data always fits.
/// In an unsplit build it costs its size in bytes of one repeated value, which compresses
/// to nothing.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
#[used]
static SPLIT_DATA_ROOM: [u8; 32 * 1024] = [0xA5; 32 * 1024];

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
    // Pages other than the dashboard are lazy routes (their code may still be on its way),
    // so hydration is async: it waits for the current page's chunk, then hydrates the body.
    let body = leptos::prelude::document().body().expect("the page has a <body>");
    wasm_bindgen_futures::spawn_local(async move {
        let mounted = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        mounted.forget();
        // A marker for end-to-end tests and the benchmark: the page is interactive now.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
