//! The router: Leptos pages and server functions, auth form posts, the portal, health and
//! metrics, static assets, and the layers around all of it.
use app::{App, ports::Ports, shell};
use axum::{
    Router,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::sync::Arc;
use tower_http::{compression::CompressionLayer, limit::RequestBodyLimitLayer, services::ServeDir, trace::TraceLayer};

use crate::{
    audit_log, documents::files, identity::auth, intake, portal, sharing::branding, state::AppState, state::Services,
    web::security,
};

/// Everything a Leptos render or server function needs from the server.
fn context(state: AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    let services = Services { s: state };
    // One value with every port, built once; each request gets a clone (counted references).
    let ports = Ports {
        staff: Arc::new(services.clone()),
        auth: Arc::new(services.clone()),
        records: Arc::new(services.clone()),
        documents: Arc::new(services.clone()),
        intake: Arc::new(services.clone()),
        sharing: Arc::new(services.clone()),
        audit: Arc::new(services),
    };
    move || {
        provide_context(ports.clone());
        if let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>()
            && let Some(n) = parts.extensions.get::<security::CspNonce>()
        {
            provide_context(leptos::nonce::Nonce::from_value(n.0.clone()));
        }
    }
}

pub fn router(state: AppState) -> Router {
    let opts = state.leptos_options.clone();
    let ctx = context(state.clone());
    let routes = generate_route_list(App);
    let pkg = state.cfg.site.root.join("pkg");

    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        // Browsers ask for /favicon.ico on pages that name no icon (a PDF, a download).
        .route("/favicon.ico", get(|| async { axum::response::Redirect::temporary(&app::assets::icon()) }))
        .route("/auth/setup", post(auth::setup))
        .route("/auth/login", post(auth::login))
        .route("/auth/mfa", post(auth::mfa))
        .route("/auth/enrol", post(auth::enrol))
        .route("/auth/recovery-codes", post(auth::recovery_ack))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/forgot", post(auth::forgot))
        .route("/auth/reset", post(auth::reset))
        .route("/auth/invite", post(auth::accept_invite))
        .route("/invite/{token}", get(auth::open_invite))
        .route("/reset/{token}", get(auth::open_reset))
        .route("/s/{token}", get(portal::open_link))
        .route("/portal", get(portal::home))
        .route("/portal/link-invalid", get(portal::link_invalid))
        .route("/portal/code", post(portal::request_code))
        .route("/portal/verify", post(portal::verify))
        .route("/portal/refresh", post(portal::refresh_link))
        .route("/portal/signout", post(portal::signout))
        .route("/portal/keepalive", post(portal::keepalive))
        .route("/portal/d/{id}", get(portal::view_document))
        .route("/portal/d/{id}/pdf", get(portal::document_pdf))
        .route("/portal/d/{id}/file", get(portal::document_file))
        .route("/intake/{slug}", get(intake::show).post(intake::submit))
        .route("/brand/{practice}/logo", get(branding::logo))
        .route("/intake/{slug}/thanks", get(intake::thanks))
        .leptos_routes_with_context(&state, routes, ctx, {
            let opts = opts.clone();
            move || shell(opts.clone())
        })
        .nest_service(
            "/pkg",
            tower::ServiceBuilder::new()
                .layer(middleware::from_fn(asset_caching))
                .service(ServeDir::new(pkg).precompressed_br().precompressed_gzip()),
        )
        .route("/app/documents/{id}/file", get(files::download_file))
        .route("/app/audit/export.csv", get(audit_log::export_csv))
        .route("/app/clients/{id}/disclosures.pdf", get(audit_log::accounting_pdf))
        .route("/app/documents/{id}/pdf", get(files::download_pdf))
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(security::BODY_LIMIT))
        // Uploads get their own, larger limit.
        .merge(
            Router::new()
                .route("/app/api/documents/upload", post(files::upload))
                .route("/app/settings/logo", post(branding::upload))
                .layer(axum::extract::DefaultBodyLimit::disable())
                .layer(RequestBodyLimitLayer::new(crate::documents::store::MAX_UPLOAD + 64 * 1024)),
        )
        .layer(middleware::from_fn_with_state(state.clone(), crate::identity::guard::page_guard))
        .layer(middleware::from_fn_with_state(state.clone(), security::csrf))
        .layer(middleware::from_fn(count_requests))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            // Path only: query strings may carry signed feedback, never log them.
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(security::headers))
        .with_state(state)
}

/// Static assets: a content-hashed name (Trunk's `name-<hash>.ext`, and its `.br`/`.gz`
/// copies) never changes content, so it is cached for a year; anything else (the manifests,
/// the size report) is revalidated on each use.
async fn asset_caching(req: axum::extract::Request, next: middleware::Next) -> Response {
    let hashed = hashed_name(req.uri().path());
    let mut res = next.run(req).await;
    if res.status().is_success() {
        let value = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    res
}

/// Whether the name carries a content hash: `-` and a 64-bit hash in hex (8 to 16 digits:
/// leading zeros are not written) before the file's extension (Trunk's
/// `frontend-0123456789abcdef_bg.wasm`, `dossier-….css`), or in the name of the folder the
/// post-build hook writes the split staff bundle into (`split-<hash of every file in it>/`).
fn hashed_name(path: &str) -> bool {
    let hex = |h: &str| (8..=16).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit());
    let mut segments = path.rsplit('/');
    let name = segments.next().unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, h)| hex(h))
        || segments.next().and_then(|dir| dir.strip_prefix("split-")).is_some_and(hex)
}

async fn not_found() -> Response {
    security::not_found()
}

async fn healthz(State(s): State<AppState>) -> Response {
    if crate::platform::db::ping(&s.db).await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

async fn metrics(State(s): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.metrics.render()).into_response()
}

async fn count_requests(req: axum::extract::Request, next: middleware::Next) -> Response {
    let res = next.run(req).await;
    let class = match res.status().as_u16() {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    metrics::counter!("dossier_http_responses_total", "class" => class).increment(1);
    res
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_trunk_hashed_names_are_immutable() {
        for hashed in [
            "/pkg/staff/frontend-4f2a9c0d1e3b5a67.js",
            "/pkg/staff/frontend-4f2a9c0d1e3b5a67_bg.wasm.br",
            "/pkg/portal/portal-0c1d2e3f4a5b6c7d.css.gz",
            "/pkg/staff/favicon-9a8b7c6d5e4f.svg",
            "/pkg/staff/split-4f2a9c0d1e3b5a67/chunk_12.wasm",
            "/pkg/staff/split-4f2a9c0d1e3b5a67/__wasm_split.js.br",
        ] {
            assert!(super::hashed_name(hashed), "{hashed}");
        }
        for plain in [
            "/pkg/staff/manifest.json",
            "/pkg/staff/sizes.json",
            "/pkg/portal-island.js",
            "/pkg/a-b.css",
            "/pkg/split-x/a.js",
            "/pkg/staff/split-0123456789abcdef/x/a.js",
        ] {
            assert!(!super::hashed_name(plain), "{plain}");
        }
    }
}
