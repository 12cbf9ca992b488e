//! WebAssembly entry: hydrates the staff app rendered by the server.
#![recursion_limit = "512"]
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Most pages are lazy routes (app/src/shell.rs): a direct load of one fetches its chunk
    // before hydration walks the server's HTML, so hydration is asynchronous.
    // (hydrate_from_async starts Leptos' executor itself.)
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document().body().expect("a page has a body");
        leptos::mount::hydrate_from_async(body.clone(), app::App).await.forget();
        // Lets tests (and curious people) see that hydration finished.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
