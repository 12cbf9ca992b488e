//! Security layers applied to every response: headers with a per-request CSP nonce, the
//! CSRF check for state-changing requests, and the page guards that keep signed-out or
//! half-signed-in people (and roles without a permission) away from pages.
use app::domain::Permission;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    auth::redirect,
    session::{self, Stage},
    state::AppState,
};

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

fn required_permission(path: &str) -> Option<Permission> {
    let p = path.trim_end_matches('/');
    if p == "/app/staff" || p.starts_with("/app/staff/") {
        Some(Permission::ManageStaff)
    } else if p == "/app/audit" || p.starts_with("/app/audit/") {
        Some(Permission::ViewAuditLog)
    } else if p == "/app/settings" || p.starts_with("/app/settings/") {
        Some(Permission::ManageSettings)
    } else {
        None
    }
}

/// Page routing rules that depend on who is asking (GET only; the POST handlers and
/// server functions check for themselves).
pub async fn page_guard(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let path = req.uri().path().to_owned();
    let headers = req.headers().clone();
    let guarded = path == "/"
        || path == "/setup"
        || path == "/login"
        || path.starts_with("/login/")
        || path == "/app"
        || path.starts_with("/app/");
    if !guarded {
        return next.run(req).await;
    }
    let result = async {
        let has_practice = crate::auth::practice_exists(&s.db).await?;
        let live = session::load(&s.db, &s.cfg, &headers, path.starts_with("/app")).await?;
        let stage = live.as_ref().map(|l| l.stage);
        Ok::<_, sea_orm::DbErr>((has_practice, live, stage))
    }
    .await;
    let (has_practice, live, stage) = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = crate::auth::internal(e);
            return (StatusCode::SERVICE_UNAVAILABLE, "Dossier cannot reach its database right now.").into_response();
        }
    };
    let ended = || {
        let target = if session::has_session_cookie(&s.cfg, &headers) { "/login?m=session_ended" } else { "/login" };
        let mut r = redirect(target);
        r.headers_mut()
            .append(header::SET_COOKIE, session::set_cookie(&s.cfg, session::session_cookie_name(&s.cfg), "", Some(0)));
        r
    };
    match path.as_str() {
        "/" => {
            return redirect(if !has_practice {
                "/setup"
            } else if stage == Some(Stage::Active) {
                "/app"
            } else {
                "/login"
            });
        }
        "/setup" if has_practice => return redirect("/login"),
        "/login" if !has_practice => return redirect("/setup"),
        "/login" if stage == Some(Stage::Active) => return redirect("/app"),
        "/login/mfa" if stage != Some(Stage::Mfa) => return redirect("/login"),
        "/login/enrol" if stage != Some(Stage::Enrol) => return redirect("/login"),
        "/login/recovery-codes" if stage != Some(Stage::Recovery) => return redirect("/login"),
        _ => {}
    }
    if path == "/app" || path.starts_with("/app/") {
        // Half signed-in: back to the step they are at (the session stays).
        match stage {
            Some(Stage::Mfa) => return redirect("/login/mfa"),
            Some(Stage::Enrol) => return redirect("/login/enrol"),
            Some(Stage::Recovery) => return redirect("/login/recovery-codes"),
            _ => {}
        }
        let Some(live) = live.filter(|l| l.stage == Stage::Active) else {
            return ended();
        };
        let principal = match session::principal(&s.db, &live).await {
            Ok(Some((p, _, _))) => p,
            Ok(None) => return ended(),
            Err(e) => {
                let _ = crate::auth::internal(e);
                return (StatusCode::SERVICE_UNAVAILABLE, "Dossier cannot reach its database right now.")
                    .into_response();
            }
        };
        if let Some(perm) = required_permission(&path)
            && !principal.can(perm)
        {
            // To the "no access" page by its own address, so that the page the browser
            // hydrates is the page the server rendered (rendering it in place under the
            // asked-for address made the browser hydrate the forbidden page's own view,
            // which panicked and called the server functions it may not call). A file
            // (`/app/audit/export.csv`) is not a page: a plain 403.
            if path.rsplit('/').next().is_some_and(|last| last.contains('.')) {
                return (StatusCode::FORBIDDEN, "You don't have permission to do that.").into_response();
            }
            return redirect("/app/forbidden");
        }
        if path == "/app/forbidden" {
            let mut res = next.run(req).await;
            *res.status_mut() = StatusCode::FORBIDDEN;
            return res;
        }
    }
    next.run(req).await
}

/// A request body limit for form posts and server functions (uploads get their own).
pub const BODY_LIMIT: usize = 64 * 1024;

pub fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Body::from("Not found")).into_response()
}
