//! The page guard: GET requests for pages go where the caller's session stage and role
//! allow — signed out to sign-in, half signed in to their step, a role without the
//! permission to the no-access page (a 403 under its own address).
use app::domain::Permission;
use axum::{
    extract::{Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    state::AppState,
    web::caller::redirect,
    web::session::{self, Stage},
};

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
        let has_practice = crate::identity::auth::practice_exists(&s.db).await?;
        let live = session::load(&s.db, &s.cfg, &headers, path.starts_with("/app")).await?;
        let stage = live.as_ref().map(|l| l.stage);
        Ok::<_, sea_orm::DbErr>((has_practice, live, stage))
    }
    .await;
    let (has_practice, live, stage) = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = app::error::AppError::from(crate::platform::error::ServerError::from(e));
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
                let _ = app::error::AppError::from(crate::platform::error::ServerError::from(e));
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
