//! Security layers applied to every response: headers with a per-request CSP nonce and
//! the CSRF check for state-changing requests. (The page guard, which needs to know who is
//! signed in, is `identity::guard`.)
use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::state::AppState;

/// The CSP nonce of this request, read by the Leptos context to stamp inline scripts.
#[derive(Clone)]
pub struct CspNonce(pub String);

/// Adds the security headers (ASVS 5.0 3.4.x, 14.3.2) and a fresh CSP nonce.
pub async fn headers(mut req: Request, next: Next) -> Response {
    let nonce = {
        use base64::Engine;
        use rand::RngCore;
        let mut b = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut b);
        base64::engine::general_purpose::STANDARD.encode(b)
    };
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    // Static assets and the practice's logo set their own caching.
    let is_asset = req.uri().path().starts_with("/pkg/") || req.uri().path().starts_with("/brand/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    );
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&csp).expect("ascii"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"));
    if !is_asset {
        // Pages and API answers may carry personal data: never cache them anywhere.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// CSRF defence for every state-changing request (ASVS 5.0 3.5.1–3.5.3): the browser must
/// say the request comes from our own origin, through `Sec-Fetch-Site` or `Origin`.
/// Requests that state neither are refused. SameSite=Strict cookies are the second layer.
pub async fn csrf(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let site = h.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = h.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    // Browsers that send Sec-Fetch-Site are judged by it alone: with
    // `Referrer-Policy: no-referrer` Chromium sends `Origin: null` on our own form posts.
    // Older clients without it must send an Origin equal to the public URL's.
    let allowed = match (site, origin) {
        (Some(site), _) => site == "same-origin",
        (None, Some(o)) => o == s.cfg.public_origin(),
        (None, None) => false,
    };
    if allowed {
        next.run(req).await
    } else {
        metrics::counter!("dossier_csrf_refused_total").increment(1);
        tracing::warn!(path = %req.uri().path(), "cross-site or unlabelled state-changing request refused");
        (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
    }
}

/// A request body limit for form posts and server functions (uploads get their own).
pub const BODY_LIMIT: usize = 64 * 1024;

pub fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Body::from("Not found")).into_response()
}
