//! Who is calling a plain axum handler (network, user agent, whether they want HTML), and
//! the answers every form handler gives: Post/Redirect/Get for browsers (failures go back
//! with server-signed feedback in `?e=`), JSON with a 4xx status for API clients.
use app::error::AppError;
use axum::{
    Json,
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use leptos::prelude::use_context;
use serde_json::json;
use std::net::SocketAddr;

use crate::{platform::audit::Origin, state::AppState};

/// Who is calling: network, user agent, and whether they want HTML.
pub struct Caller {
    pub network: String,
    pub user_agent: String,
    pub html: bool,
    pub headers: HeaderMap,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        let html =
            parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
        Ok(Caller {
            network: crate::platform::net::client_network(peer, &parts.headers, s.cfg.server.trust_proxy),
            user_agent: crate::platform::net::user_agent(&parts.headers),
            html,
            headers: parts.headers.clone(),
        })
    }
}

/// The signed-in staff member of a plain axum route (downloads, uploads, exports), by the
/// same session rules as the server functions (which take theirs from the context).
/// Refused, when there is no live session, with the error's status and a JSON body.
pub struct Staff(pub app::ports::StaffPrincipal);

/// Why [`Staff`] could not be extracted, or why a plain staff route failed: the public
/// error as JSON with its status. Routes return `Result<Response, Refused>` and write `?` on
/// database, JSON and public errors alike (the cause is logged once, on the conversion).
pub struct Refused(pub AppError);

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused(e)
    }
}

impl From<crate::platform::error::ServerError> for Refused {
    fn from(e: crate::platform::error::ServerError) -> Self {
        Refused(e.into())
    }
}

impl From<sea_orm::DbErr> for Refused {
    fn from(e: sea_orm::DbErr) -> Self {
        Refused(crate::platform::error::ServerError::from(e).into())
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::BAD_REQUEST);
        (status, Json(json!({ "error": self.0, "message": self.0.to_string() }))).into_response()
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        crate::web::session::principal_from_headers(&s.db, &s.cfg, &parts.headers).await.map(Staff).map_err(Refused)
    }
}

impl Caller {
    pub fn origin(&self) -> Origin {
        Origin { network: Some(self.network.clone()), user_agent: Some(self.user_agent.clone()) }
    }

    /// Failure answer: back to `page` with signed feedback (browsers) or JSON + 4xx.
    pub fn fail(&self, s: &AppState, page: &str, err: AppError) -> Response {
        if self.html {
            let field = err.field().unwrap_or("").to_owned();
            let token = s.keys.sign_flash(&json!({ "f": field, "m": err.to_string() }).to_string());
            redirect(&format!("{page}?e={token}"))
        } else {
            let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
            (status, Json(json!({ "error": err, "message": err.to_string() }))).into_response()
        }
    }

    /// Success answer: redirect (browsers) or JSON with where to go next.
    pub fn done(&self, to: &str) -> Response {
        if self.html { redirect(to) } else { (StatusCode::OK, Json(json!({ "next": to }))).into_response() }
    }
}

pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, HeaderValue::from_str(to).expect("ascii path"))]).into_response()
}

pub fn with_cookie(mut r: Response, c: HeaderValue) -> Response {
    r.headers_mut().append(header::SET_COOKIE, c);
    r
}

/// Where the current request comes from, for the audit log.
pub fn current_origin(s: &AppState) -> Origin {
    use_context::<Parts>().map(|parts| origin_of(&parts, s)).unwrap_or_default()
}

pub fn origin_of(parts: &Parts, s: &AppState) -> Origin {
    let peer = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
    Origin {
        network: Some(crate::platform::net::client_network(peer, &parts.headers, s.cfg.server.trust_proxy)),
        user_agent: Some(crate::platform::net::user_agent(&parts.headers)),
    }
}
