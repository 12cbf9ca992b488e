//! The recipient portal. Rendered on the server only: no WebAssembly, forms post normally.
use leptos::prelude::*;

#[component]
pub fn LinkInvalidPage() -> impl IntoView {
    view! {
        <main class="portal" id="main">
            <div class="portal-card">
                <p class="brand">"Dossier"</p>
                <h1>"This link is not valid"</h1>
                <p>"The link may be incomplete, or it may have been replaced by a newer one. Check that you opened the whole link from your most recent email."</p>
                <p>"If you still cannot open your documents, contact the practice that sent them."</p>
            </div>
        </main>
    }
}
