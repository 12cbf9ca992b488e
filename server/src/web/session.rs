//! Staff sessions: random 256-bit cookie values, stored server-side by their SHA-256.
//!
//! Cookies are `__Host-` prefixed, `Secure`, `HttpOnly`, `SameSite=Strict`, `Path=/`
//! (ASVS 4.0.3 3.4.1–3.4.4). Idle (default 30 min) and absolute (12 h) timeouts are
//! enforced here on every request (NIST 800-63B AAL2), not by the browser. The id is
//! rotated at every privilege change (password → second factor → active).
//!
//! This module is the only producer of [`StaffPrincipal`].
use app::{domain::Permission, ports::StaffPrincipal};
use axum::http::{HeaderMap, HeaderValue, header};
use chrono::{Duration, Utc};
use cookie::{Cookie, SameSite};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::{
    config::Config,
    platform::crypto::{random_token, token_hash},
    platform::entities::{role, staff, staff_session},
};

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted; waiting for the TOTP or a recovery code.
    Mfa,
    /// Password accepted; TOTP must be enrolled first.
    Enrol,
    /// TOTP enrolled; recovery codes are being shown once.
    Recovery,
    Active,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Mfa => "mfa",
            Stage::Enrol => "enrol",
            Stage::Recovery => "recovery",
            Stage::Active => "active",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Some(match s {
            "mfa" => Stage::Mfa,
            "enrol" => Stage::Enrol,
            "recovery" => Stage::Recovery,
            "active" => Stage::Active,
            _ => return None,
        })
    }
}

/// Unfinished sign-ins expire quickly.
const PENDING_LIFETIME_MINUTES: i64 = 15;

pub fn session_cookie_name(cfg: &Config) -> &'static str {
    if cfg.security.insecure_dev_cookies { "dossier_session" } else { "__Host-dossier_session" }
}

pub fn flow_cookie_name(cfg: &Config) -> &'static str {
    if cfg.security.insecure_dev_cookies { "dossier_flow" } else { "__Host-dossier_flow" }
}

/// Builds a `Set-Cookie` value with our fixed attributes. `max_age` None = session cookie;
/// `Some(0)` deletes it.
pub fn set_cookie(cfg: &Config, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    set_cookie_same_site(cfg, name, value, max_age, SameSite::Strict)
}

/// [`set_cookie`] with another SameSite rule: `Lax` only for the portal's link cookie,
/// which must survive the redirect that follows a click in an email program.
pub fn set_cookie_same_site(
    cfg: &Config,
    name: &str,
    value: &str,
    max_age: Option<i64>,
    same_site: SameSite,
) -> HeaderValue {
    let mut c = Cookie::build((name.to_owned(), value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .secure(!cfg.security.insecure_dev_cookies);
    if let Some(s) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(s));
    }
    HeaderValue::from_str(&c.build().to_string()).expect("cookie is ASCII")
}

pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| Cookie::parse(kv.trim().to_owned()).ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A session row that passed its timeout checks.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub row: staff_session::Model,
    pub stage: Stage,
}

/// Creates a session and returns the cookie value (the only place it exists in clear).
pub async fn create<C: ConnectionTrait>(
    db: &C,
    cfg: &Config,
    staff: &staff::Model,
    stage: Stage,
    network: &str,
    user_agent: &str,
    pending_data: Option<String>,
) -> Result<String, DbErr> {
    let token = random_token();
    let now = Utc::now();
    let expires = if stage == Stage::Active {
        now + Duration::seconds(cfg.security.staff_absolute_timeout_secs as i64)
    } else {
        now + Duration::minutes(PENDING_LIFETIME_MINUTES)
    };
    staff_session::Entity::insert(staff_session::ActiveModel {
        id: Set(token_hash(&token)),
        practice_id: Set(staff.practice_id.clone()),
        staff_id: Set(staff.id.clone()),
        stage: Set(stage.as_str().into()),
        pending_data: Set(pending_data),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires),
        client_network: Set(network.to_owned()),
        user_agent: Set(user_agent.to_owned()),
    })
    .exec(db)
    .await?;
    Ok(token)
}

/// Replaces a session by a fresh one at `stage` (session fixation defence).
pub async fn rotate<C: ConnectionTrait>(
    db: &C,
    cfg: &Config,
    old: &LiveSession,
    staff: &staff::Model,
    stage: Stage,
    pending_data: Option<String>,
) -> Result<String, DbErr> {
    staff_session::Entity::delete_by_id(old.row.id.clone()).exec(db).await?;
    create(db, cfg, staff, stage, &old.row.client_network, &old.row.user_agent, pending_data).await
}

/// Looks the cookie up and enforces the timeouts; an expired session is deleted.
/// `touch` records activity (idle timeout) when the session is active.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    cfg: &Config,
    headers: &HeaderMap,
    touch: bool,
) -> Result<Option<LiveSession>, DbErr> {
    let Some(token) = read_cookie(headers, session_cookie_name(cfg)) else {
        return Ok(None);
    };
    if token.len() > 100 {
        return Ok(None);
    }
    let id = token_hash(&token);
    let Some(row) = staff_session::Entity::find_by_id(id.clone()).one(db).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    let Some(stage) = Stage::parse(&row.stage) else {
        return Ok(None);
    };
    let idle_expired = stage == Stage::Active
        && now - row.last_seen_at > Duration::seconds(cfg.security.staff_idle_timeout_secs as i64);
    if now >= row.expires_at || idle_expired {
        staff_session::Entity::delete_by_id(id).exec(db).await?;
        return Ok(None);
    }
    if touch && stage == Stage::Active && now - row.last_seen_at > Duration::seconds(5) {
        staff_session::Entity::update_many()
            .col_expr(staff_session::Column::LastSeenAt, sea_orm::sea_query::Expr::value(now))
            .filter(staff_session::Column::Id.eq(id))
            .exec(db)
            .await?;
    }
    Ok(Some(LiveSession { row, stage }))
}

/// Whether the request carries any session cookie at all (to tell "ended" from "never").
pub fn has_session_cookie(cfg: &Config, headers: &HeaderMap) -> bool {
    read_cookie(headers, session_cookie_name(cfg)).is_some()
}

/// The principal for an active session whose account is still active.
pub async fn principal<C: ConnectionTrait>(
    db: &C,
    s: &LiveSession,
) -> Result<Option<(StaffPrincipal, staff::Model, role::Model)>, DbErr> {
    if s.stage != Stage::Active {
        return Ok(None);
    }
    let Some(st) = staff::Entity::find_by_id(s.row.staff_id.clone())
        .filter(staff::Column::PracticeId.eq(s.row.practice_id.clone()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !st.is_active() {
        return Ok(None);
    }
    let Some(r) = role::Entity::find_by_id(st.role_id.clone())
        .filter(role::Column::PracticeId.eq(st.practice_id.clone()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let p = StaffPrincipal::__from_verified_session(
        st.id.clone(),
        st.practice_id.clone(),
        s.row.id.clone(),
        r.is_admin,
        Permission::parse_list(&r.permissions),
    );
    Ok(Some((p, st, r)))
}

pub async fn end_all_for_staff<C: ConnectionTrait>(db: &C, staff_id: &str) -> Result<(), DbErr> {
    staff_session::Entity::delete_many().filter(staff_session::Column::StaffId.eq(staff_id)).exec(db).await?;
    Ok(())
}

/// The principal of an active session carried by `headers` (for plain axum routes such as
/// downloads and uploads), or `Unauthenticated`.
pub async fn principal_from_headers(
    db: &sea_orm::DatabaseConnection,
    cfg: &Config,
    headers: &HeaderMap,
) -> Result<StaffPrincipal, app::error::AppError> {
    crate::platform::error::boundary(async {
        let Some(live) = load(db, cfg, headers, true).await? else {
            return Err(app::error::AppError::Unauthenticated.into());
        };
        match principal(db, &live).await? {
            Some((p, _, _)) => Ok(p),
            None => Err(app::error::AppError::Unauthenticated.into()),
        }
    })
    .await
}

/// Ends every portal session of a share (a recipient's sessions: when the share is revoked
/// or expires, their next request finds no session).
pub async fn end_portal_sessions<C: sea_orm::ConnectionTrait>(db: &C, share_id: &str) -> Result<(), sea_orm::DbErr> {
    use crate::platform::entities::portal_session;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    portal_session::Entity::update_many()
        .col_expr(portal_session::Column::EndedAt, Expr::value(Utc::now()))
        .filter(portal_session::Column::ShareId.eq(share_id))
        .filter(portal_session::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
