//! The recipient portal. Rendered on the server into complete HTML documents: no
//! WebAssembly, no script of any kind, forms post normally. This keeps the first view of
//! the portal to the HTML plus one small stylesheet (see README, "Bundle architecture").
use leptos::prelude::*;

/// The page shown for unknown, malformed or superseded links.
#[component]
pub fn LinkInvalidPage() -> impl IntoView {
    view! {
        <PortalCard>
            <h1>"This link is not valid"</h1>
            <p>"The link may be incomplete, or it may have been replaced by a newer one. Check that you opened the whole link from your most recent email."</p>
            <p>"If you still cannot open your documents, contact the practice that sent them."</p>
        </PortalCard>
    }
}

#[component]
fn PortalCard(children: Children) -> impl IntoView {
    view! {
        <main class="portal" id="main">
            <div class="portal-card">
                <p class="brand">"Dossier"</p>
                {children()}
            </div>
        </main>
    }
}

/// Renders a complete portal document around `body`.
#[cfg(feature = "ssr")]
pub fn render_document<V: IntoView + 'static>(title: &str, body: impl FnOnce() -> V) -> String {
    let owner = Owner::new();
    let title = title.to_owned();
    let html = owner.with(move || {
        view! {
            <html lang="en">
                <head>
                    <meta charset="utf-8"/>
                    <meta name="viewport" content="width=device-width, initial-scale=1"/>
                    <title>{title}" · Dossier"</title>
                    <link rel="stylesheet" href="/pkg/portal.css"/>
                </head>
                <body class="portal-body">{body()}</body>
            </html>
        }
        .to_html()
    });
    format!("<!DOCTYPE html>{html}")
}
