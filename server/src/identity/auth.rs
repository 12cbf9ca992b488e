//! Sign-in, enrolment, invitations and password reset as plain form posts (they work
//! before hydration and without JavaScript). Each handler answers browsers with a 303
//! redirect (Post/Redirect/Get; failures go back with server-signed feedback in `?e=`)
//! and API clients (no `text/html` in `Accept`) with a JSON body and a 4xx status.
//!
//! Unknown accounts and wrong passwords get the same message, status and timing (a dummy
//! argon2 verification). Failures are counted per account and per client network in the
//! database, so every instance enforces the same limits.
use app::{
    domain::{DisplayName, EmailAddress, NewPassword, SecondFactorCode},
    error::AppError,
};
use axum::extract::Form;
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, TransactionTrait,
};
use serde_json::json;

use crate::{
    delivery::mail,
    platform::audit::{self, Actor, Origin},
    platform::crypto::{random_token, token_hash},
    platform::entities::{
        action_token, action_token::TokenKind, practice, recovery_code, role, staff, staff::StaffStatus,
    },
    platform::error::{ServerError, boundary},
    platform::throttle,
    platform::totp,
    state::AppState,
    web::caller::{Caller, redirect, with_cookie},
    web::session::{self, LiveSession, Stage},
};

/// The forms as posted: typed, every field optional (an absent field is empty, and each
/// handler's parser says what is missing). No `Debug`: they carry passwords and codes.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct SetupForm {
    practice_name: String,
    name: String,
    email: String,
    password: String,
    /// The browser's IANA zone, filled in by the page.
    time_zone: String,
    /// `on` to add demo data.
    demo: String,
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct SignInForm {
    email: String,
    password: String,
}

/// The second step: a TOTP code or a recovery code.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

/// A new password (accepting an invitation, resetting).
#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    password: String,
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

const ALREADY_SET_UP: &str = "This Dossier is already set up. Sign in instead.";
const BAD_CREDENTIALS: &str = "Email or password is incorrect.";
const BAD_CODE: &str = "That code is not correct. Check your authenticator app and try again.";

pub async fn practice_exists(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(practice::Entity::find().count(db).await? > 0)
}

/// Audits something a staff member did to their own account during sign-in flows.
async fn audit_self<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    st: &staff::Model,
    action: &str,
    c: &Caller,
    detail: serde_json::Value,
) -> Result<(), ServerError> {
    audit::append(db, &st.practice_id, &Actor::Staff(st.id.clone()), action, Some(&st.id), &c.origin(), detail)
        .await
        .map_err(ServerError::from)
}

// ---------------------------------------------------------------------------------------
// First run

/// Creates a practice, its built-in roles and its first admin in one transaction.
pub async fn create_practice<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    hasher: &crate::platform::passwords::Hasher,
    practice_name: &DisplayName,
    admin_name: &DisplayName,
    email: &EmailAddress,
    password: &NewPassword,
    origin: &Origin,
) -> Result<(practice::Model, staff::Model), AppError> {
    boundary(create_practice_with(db, hasher, practice_name, admin_name, email, password, origin, false, "UTC")).await
}

/// [`create_practice`]; with `first_run`, only while no practice exists: the check and the
/// insert run under one lock, so parallel first-run setups create exactly one practice.
#[allow(clippy::too_many_arguments)]
async fn create_practice_with<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    hasher: &crate::platform::passwords::Hasher,
    practice_name: &DisplayName,
    admin_name: &DisplayName,
    email: &EmailAddress,
    password: &NewPassword,
    origin: &Origin,
    first_run: bool,
    time_zone: &str,
) -> Result<(practice::Model, staff::Model), ServerError> {
    let hash = hasher.hash(password.expose()).await;
    let txn = crate::platform::db::begin_write(db).await?;
    crate::platform::db::lock_key(&txn, "practice:create").await?;
    if first_run && practice::Entity::find().count(&txn).await? > 0 {
        return Err(AppError::Conflict(ALREADY_SET_UP.into()).into());
    }
    if staff::Entity::find().filter(staff::Column::Email.eq(email.as_str())).count(&txn).await? > 0 {
        return Err(AppError::invalid("email", "That email address already has an account.").into());
    }
    let now = Utc::now();
    let p = practice::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        name: Set(practice_name.as_str().to_owned()),
        created_at: Set(now),
        time_zone: Set(time_zone.to_owned()),
    }
    .insert(&txn)
    .await?;
    let mut admin_role = None;
    for (name, is_admin, perms) in app::domain::builtin_roles() {
        let r = role::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            practice_id: Set(p.id.clone()),
            name: Set(name.to_owned()),
            is_admin: Set(is_admin),
            is_builtin: Set(true),
            permissions: Set(app::domain::Permission::join_list(&perms)),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        if is_admin {
            admin_role = Some(r);
        }
    }
    let admin_role = admin_role.expect("builtin roles include Admin");
    let st = staff::ActiveModel::new_account(
        &p.id,
        email.as_str(),
        admin_name.as_str(),
        &admin_role.id,
        StaffStatus::Active,
        Some(hash),
        now,
    )
    .insert(&txn)
    .await?;
    let actor = Actor::Staff(st.id.clone());
    for (action, target, detail) in
        [("practice.created", &p.id, json!({ "name": p.name })), ("staff.created", &st.id, json!({ "role": "Admin" }))]
    {
        audit::append(&txn, &p.id, &actor, action, Some(target), origin, detail).await?;
    }
    txn.commit().await?;
    Ok((p, st))
}

pub async fn setup(State(s): State<AppState>, c: Caller, Form(f): Form<SetupForm>) -> Response {
    match practice_exists(&s.db).await {
        Ok(true) => {
            return c.fail(&s, "/login", AppError::Conflict(ALREADY_SET_UP.into()));
        }
        Ok(false) => {}
        Err(e) => return c.fail(&s, "/setup", ServerError::from(e).into()),
    }
    let parsed = (|| {
        Ok::<_, AppError>((
            DisplayName::parse("practice_name", "your practice's name", &f.practice_name)?,
            DisplayName::parse("name", "your name", &f.name)?,
            EmailAddress::parse("email", &f.email)?,
            NewPassword::parse("password", &f.password)?,
        ))
    })();
    let (pname, name, email, password) = match parsed {
        Ok(v) => v,
        Err(e) => return c.fail(&s, "/setup", e),
    };
    // The zone of the browser that sets the practice up (the page fills it in); UTC when
    // the browser did not say or said something that is not a zone.
    let zone = crate::platform::zone::parse(&f.time_zone).map_or("UTC", |z| z.name());
    let origin = c.origin();
    let created = create_practice_with(&s.db, &s.hasher, &pname, &name, &email, &password, &origin, true, zone);
    let p = match boundary(created).await {
        Ok((p, _)) => p,
        Err(e @ AppError::Conflict(_)) => return c.fail(&s, "/login", e),
        Err(e) => return c.fail(&s, "/setup", e),
    };
    if f.demo != "on" {
        return c.done("/login?m=setup_done");
    }
    // Demo data for the new (empty) practice; its accounts are shown once, in this answer.
    let report = match crate::demo::seed(&s, &crate::demo::demo_password()).await {
        Ok(r) => r,
        Err(e) => return c.fail(&s, "/login", ServerError::fault(e).into()),
    };
    if !c.html {
        return (StatusCode::OK, Json(json!({ "next": "/login?m=setup_done", "demo_accounts": report.accounts })))
            .into_response();
    }
    let accounts = report.accounts;
    let html = app::pages::portal::render_document("Demo data added", move || {
        leptos::prelude::view! { <app::pages::auth::DemoAccountsPage practice=p.name accounts/> }
    });
    axum::response::Html(html).into_response()
}

/// Spends one sign-in attempt of the account and of the caller's network, each in one
/// atomic database statement, before any hashing (NIST 800-63B §5.2.2). While either has
/// used its allowance the attempt is refused, whatever it carries; so a burst of parallel
/// attempts gets exactly the allowance checked, and no more.
async fn spend_sign_in_attempt(
    s: &AppState,
    acct: &str,
    net: &str,
    now: chrono::DateTime<Utc>,
) -> Result<(), ServerError> {
    let window = Duration::seconds(s.cfg.security.login_window_secs as i64);
    let limits = [(acct, s.cfg.security.login_max_failures), (net, s.cfg.security.network_max_failures)];
    for (i, (key, max)) in limits.iter().enumerate() {
        if let Err(minutes) = throttle::spend(&s.db, key, *max, window, now).await? {
            // Give back what this attempt already spent on the earlier limits.
            for (spent, _) in &limits[..i] {
                throttle::refund(&s.db, spent).await?;
            }
            metrics::counter!("dossier_signin_throttled_total").increment(1);
            return Err(AppError::Throttled { minutes }.into());
        }
    }
    Ok(())
}

/// Gives back the attempt of a step that succeeded. The counters are never reset: a
/// parallel failure's spend stays counted.
async fn refund_sign_in_attempt(s: &AppState, acct: &str, net: &str) -> Result<(), ServerError> {
    throttle::refund(&s.db, acct).await?;
    throttle::refund(&s.db, net).await.map_err(ServerError::from)
}

/// Records a failed sign-in step (its attempt was spent before the check) and audits it
/// when the account is known.
async fn record_sign_in_failure(
    s: &AppState,
    c: &Caller,
    account: Option<&staff::Model>,
    step: &str,
) -> Result<(), ServerError> {
    if let Some(st) = account {
        audit::append(
            &s.db,
            &st.practice_id,
            &Actor::Anonymous,
            "signin.failed",
            Some(&st.id),
            &c.origin(),
            json!({ "step": step }),
        )
        .await?;
    }
    metrics::counter!("dossier_signin_failed_total").increment(1);
    tracing::info!(network = %c.network, step, "sign-in failed");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Password step

pub async fn login(State(s): State<AppState>, c: Caller, Form(f): Form<SignInForm>) -> Response {
    match boundary(login_inner(&s, &c, &f)).await {
        Ok((to, cookie)) => with_cookie(c.done(to), cookie),
        Err(e) => c.fail(&s, "/login", e),
    }
}

async fn login_inner(s: &AppState, c: &Caller, f: &SignInForm) -> Result<(&'static str, HeaderValue), ServerError> {
    let email = EmailAddress::parse("email", &f.email)?;
    let password = &f.password;
    let now = Utc::now();
    let acct = throttle::account_key("login", email.as_str());
    let net = throttle::network_key("login", &c.network);
    spend_sign_in_attempt(s, &acct, &net, now).await?;
    let found = staff::Entity::find().filter(staff::Column::Email.eq(email.as_str())).one(&s.db).await?;
    let usable = found.as_ref().filter(|st| st.is_active());
    let ok = s.hasher.verify(usable.and_then(|st| st.password_hash.as_deref()), password).await;
    let Some(st) = usable.filter(|_| ok) else {
        record_sign_in_failure(s, c, found.as_ref(), "password").await?;
        return Err(AppError::invalid("password", BAD_CREDENTIALS).into());
    };
    refund_sign_in_attempt(s, &acct, &net).await?;
    let (stage, to) = if st.totp_secret.is_some() {
        (Stage::Mfa, "/login/mfa")
    } else {
        let secret = totp::new_secret();
        let mut am = st.clone().into_active_model();
        am.totp_pending_secret = Set(Some(s.keys.seal(&secret, &format!("staff:{}:totp", st.id))));
        am.update(&s.db).await?;
        (Stage::Enrol, "/login/enrol")
    };
    let token = session::create(&s.db, &s.cfg, st, stage, &c.network, &c.user_agent, None).await?;
    Ok((to, session::set_cookie(&s.cfg, session::session_cookie_name(&s.cfg), &token, None)))
}

// ---------------------------------------------------------------------------------------
// Second factor

async fn pending_session(s: &AppState, c: &Caller, stage: Stage) -> Result<(LiveSession, staff::Model), ServerError> {
    let live = session::load(&s.db, &s.cfg, &c.headers, false).await?;
    let Some(live) = live.filter(|l| l.stage == stage) else {
        return Err(AppError::Unauthenticated.into());
    };
    let st = staff::Entity::find_by_id(live.row.staff_id.clone())
        .filter(staff::Column::PracticeId.eq(live.row.practice_id.clone()))
        .one(&s.db)
        .await?
        .filter(|st| st.is_active())
        .ok_or(AppError::Unauthenticated)?;
    Ok((live, st))
}

fn session_ended(c: &Caller) -> Response {
    if c.html {
        redirect("/login?m=session_ended")
    } else {
        let e = AppError::Unauthenticated;
        (StatusCode::UNAUTHORIZED, Json(json!({ "error": e, "message": e.to_string() }))).into_response()
    }
}

/// The pending session at `stage` and its staff member, or the answer instead: the sign-in
/// page when the session has ended, `page` with the error otherwise.
async fn pending_or_answer(
    s: &AppState,
    c: &Caller,
    stage: Stage,
    page: &str,
) -> Result<(LiveSession, staff::Model), Response> {
    match boundary(pending_session(s, c, stage)).await {
        Ok(v) => Ok(v),
        Err(AppError::Unauthenticated) => Err(session_ended(c)),
        Err(e) => Err(c.fail(s, page, e)),
    }
}

/// The two steps of a pending session that take a code: the second factor, and enrolling
/// an authenticator app.
#[derive(Clone, Copy)]
enum CodeStep {
    Mfa,
    Enrol,
}

/// A code posted to a step of a pending session, with the session and its staff member.
#[derive(Clone, Copy)]
struct CodeAttempt<'a> {
    s: &'a AppState,
    c: &'a Caller,
    f: &'a CodeForm,
    live: &'a LiveSession,
    st: &'a staff::Model,
}

/// Runs a code step: its pending session, then the step itself; on success the step's new
/// session cookie goes with the page that comes next, on failure the caller goes back to the
/// step's page.
async fn code_step(s: &AppState, c: &Caller, f: &CodeForm, step: CodeStep) -> Response {
    let (stage, page, next) = match step {
        CodeStep::Mfa => (Stage::Mfa, "/login/mfa", "/app"),
        CodeStep::Enrol => (Stage::Enrol, "/login/enrol", "/login/recovery-codes"),
    };
    let (live, st) = match pending_or_answer(s, c, stage, page).await {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    let attempt = CodeAttempt { s, c, f, live: &live, st: &st };
    let done = match step {
        CodeStep::Mfa => boundary(mfa_inner(attempt)).await,
        CodeStep::Enrol => boundary(enrol_inner(attempt)).await,
    };
    match done {
        Ok(cookie) => with_cookie(c.done(next), cookie),
        Err(e) => c.fail(s, page, e),
    }
}

pub async fn mfa(State(s): State<AppState>, c: Caller, Form(f): Form<CodeForm>) -> Response {
    code_step(&s, &c, &f, CodeStep::Mfa).await
}

async fn mfa_inner(attempt: CodeAttempt<'_>) -> Result<HeaderValue, ServerError> {
    let CodeAttempt { s, c, f, live, st } = attempt;
    let now = Utc::now();
    let acct = throttle::account_key("login", &st.email);
    let net = throttle::network_key("login", &c.network);
    let code = SecondFactorCode::parse("code", &f.code)?;
    spend_sign_in_attempt(s, &acct, &net, now).await?;
    let accepted = match &code {
        SecondFactorCode::Totp(code) => {
            let secret = st
                .totp_secret
                .as_deref()
                .and_then(|sealed| s.keys.open(sealed, &format!("staff:{}:totp", st.id)))
                .ok_or_else(|| ServerError::fault("TOTP secret missing or undecryptable"))?;
            match totp::matching_step(&secret, code, now.timestamp() as u64) {
                // Replay protection: accept a step only if it is newer than the last one used.
                Some(step) => {
                    staff::Entity::update_many()
                        .col_expr(staff::Column::TotpLastStep, sea_orm::sea_query::Expr::value(step))
                        .filter(staff::Column::Id.eq(st.id.clone()))
                        .filter(staff::Column::TotpLastStep.lt(step))
                        .exec(&s.db)
                        .await?
                        .rows_affected
                        == 1
                }
                None => false,
            }
        }
        SecondFactorCode::Recovery(code) => use_recovery_code(s, st, code).await?,
    };
    if !accepted {
        record_sign_in_failure(s, c, Some(st), "second_factor").await?;
        return Err(AppError::invalid("code", BAD_CODE).into());
    }
    refund_sign_in_attempt(s, &acct, &net).await?;
    let method = if matches!(code, SecondFactorCode::Totp(_)) { "totp" } else { "recovery_code" };
    audit_self(&s.db, st, "signin.succeeded", c, json!({ "method": method })).await?;
    metrics::counter!("dossier_signin_succeeded_total").increment(1);
    let token = session::rotate(&s.db, &s.cfg, live, st, Stage::Active, None).await?;
    Ok(session::set_cookie(&s.cfg, session::session_cookie_name(&s.cfg), &token, None))
}

async fn use_recovery_code(s: &AppState, st: &staff::Model, code: &str) -> Result<bool, ServerError> {
    let unused = recovery_code::Entity::find()
        .filter(recovery_code::Column::StaffId.eq(st.id.clone()))
        .filter(recovery_code::Column::PracticeId.eq(st.practice_id.clone()))
        .filter(recovery_code::Column::UsedAt.is_null())
        .all(&s.db)
        .await?;
    for rc in unused {
        if s.hasher.verify(Some(&rc.code_hash), code).await {
            let n = recovery_code::Entity::update_many()
                .col_expr(recovery_code::Column::UsedAt, sea_orm::sea_query::Expr::value(Utc::now()))
                .filter(recovery_code::Column::Id.eq(rc.id))
                .filter(recovery_code::Column::UsedAt.is_null())
                .exec(&s.db)
                .await?
                .rows_affected;
            return Ok(n == 1);
        }
    }
    Ok(false)
}

pub async fn enrol(State(s): State<AppState>, c: Caller, Form(f): Form<CodeForm>) -> Response {
    code_step(&s, &c, &f, CodeStep::Enrol).await
}

async fn enrol_inner(attempt: CodeAttempt<'_>) -> Result<HeaderValue, ServerError> {
    let CodeAttempt { s, c, f, live, st } = attempt;
    let aad = format!("staff:{}:totp", st.id);
    let secret = st
        .totp_pending_secret
        .as_deref()
        .and_then(|sealed| s.keys.open(sealed, &aad))
        .ok_or(AppError::Unauthenticated)?;
    let code = match SecondFactorCode::parse("code", &f.code)? {
        SecondFactorCode::Totp(c) => c,
        SecondFactorCode::Recovery(_) => {
            return Err(AppError::invalid("code", "Enter the 6-digit code your authenticator app shows.").into());
        }
    };
    let Some(step) = totp::matching_step(&secret, &code, Utc::now().timestamp() as u64) else {
        return Err(AppError::invalid(
            "code",
            "That code is not correct. Check that your phone's clock is right and try the next code.",
        )
        .into());
    };
    let codes = totp::new_recovery_codes();
    let mut hashes = Vec::with_capacity(codes.len());
    for code in &codes {
        hashes.push(s.hasher.hash(code).await);
    }
    let txn = crate::platform::db::begin_write(&s.db).await?;
    let mut am = st.clone().into_active_model();
    am.totp_secret = Set(Some(s.keys.seal(&secret, &aad)));
    am.totp_pending_secret = Set(None);
    am.totp_last_step = Set(step);
    am.updated_at = Set(Utc::now());
    am.update(&txn).await?;
    recovery_code::Entity::delete_many().filter(recovery_code::Column::StaffId.eq(st.id.clone())).exec(&txn).await?;
    let now = Utc::now();
    for h in hashes {
        recovery_code::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            practice_id: Set(st.practice_id.clone()),
            staff_id: Set(st.id.clone()),
            code_hash: Set(h),
            used_at: Set(None),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    audit_self(&txn, st, "totp.enrolled", c, json!({})).await?;
    let shown =
        serde_json::to_string(&codes.iter().map(|c| totp::format_recovery_code(c)).collect::<Vec<_>>()).expect("json");
    let pending = s.keys.seal(shown.as_bytes(), &format!("recovery:{}", st.id));
    let token = session::rotate(&txn, &s.cfg, live, st, Stage::Recovery, Some(pending)).await?;
    txn.commit().await?;
    Ok(session::set_cookie(&s.cfg, session::session_cookie_name(&s.cfg), &token, None))
}

pub async fn recovery_ack(State(s): State<AppState>, c: Caller) -> Response {
    let (live, st) = match pending_or_answer(&s, &c, Stage::Recovery, "/login/recovery-codes").await {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    let r = boundary(async {
        audit_self(&s.db, &st, "signin.succeeded", &c, json!({ "method": "totp_enrolment" })).await?;
        session::rotate(&s.db, &s.cfg, &live, &st, Stage::Active, None).await.map_err(ServerError::from)
    })
    .await;
    match r {
        Ok(token) => {
            with_cookie(c.done("/app"), session::set_cookie(&s.cfg, session::session_cookie_name(&s.cfg), &token, None))
        }
        Err(e) => c.fail(&s, "/login/recovery-codes", e),
    }
}

pub async fn logout(State(s): State<AppState>, c: Caller) -> Response {
    if let Ok(Some(live)) = session::load(&s.db, &s.cfg, &c.headers, false).await {
        if live.stage == Stage::Active {
            let _ = audit::append(
                &s.db,
                &live.row.practice_id,
                &Actor::Staff(live.row.staff_id.clone()),
                "signout",
                Some(&live.row.staff_id),
                &c.origin(),
                json!({}),
            )
            .await;
        }
        let _ = crate::platform::entities::staff_session::Entity::delete_by_id(live.row.id).exec(&s.db).await;
    }
    with_cookie(
        c.done("/login?m=signed_out"),
        session::set_cookie(&s.cfg, session::session_cookie_name(&s.cfg), "", Some(0)),
    )
}

// ---------------------------------------------------------------------------------------
// Emailed single-use links (invitations, password resets)

pub const INVITE_HOURS: i64 = 72;
pub const RESET_MINUTES: i64 = 60;

/// Creates a token row and returns the clear token for the link.
pub async fn issue_token<C: ConnectionTrait>(
    db: &C,
    st: &staff::Model,
    kind: TokenKind,
    lifetime: Duration,
) -> Result<String, sea_orm::DbErr> {
    let token = random_token();
    let now = Utc::now();
    action_token::ActiveModel {
        id: Set(token_hash(&token)),
        practice_id: Set(st.practice_id.clone()),
        staff_id: Set(st.id.clone()),
        kind: Set(kind),
        expires_at: Set(now + lifetime),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

async fn valid_token(
    db: &DatabaseConnection,
    token: &str,
    kind: TokenKind,
) -> Result<Option<(action_token::Model, staff::Model)>, sea_orm::DbErr> {
    if token.len() > 100 {
        return Ok(None);
    }
    let Some(t) = action_token::Entity::find_by_id(token_hash(token)).one(db).await? else {
        return Ok(None);
    };
    if t.kind != kind || t.used_at.is_some() || t.expires_at <= Utc::now() {
        return Ok(None);
    }
    let st = staff::Entity::find_by_id(t.staff_id.clone())
        .filter(staff::Column::PracticeId.eq(t.practice_id.clone()))
        .one(db)
        .await?;
    Ok(st.map(|st| (t, st)))
}

/// GET of an emailed link: never changes state. A valid token is moved into a short-lived
/// cookie and the browser is sent to a URL without it (no token in history or Referer).
async fn open_link(s: &AppState, token: &str, kind: TokenKind, page: &str) -> Response {
    match valid_token(&s.db, token, kind).await {
        Ok(Some(_)) => with_cookie(
            redirect(page),
            session::set_cookie(&s.cfg, session::flow_cookie_name(&s.cfg), token, Some(30 * 60)),
        ),
        Ok(None) => redirect(&format!("{page}?m={}_invalid", kind.key())),
        Err(e) => {
            let _ = AppError::from(ServerError::from(e));
            redirect(&format!("{page}?m={}_invalid", kind.key()))
        }
    }
}

pub async fn open_invite(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    open_link(&s, &token, TokenKind::Invite, "/invite").await
}

pub async fn open_reset(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    open_link(&s, &token, TokenKind::Reset, "/reset-password").await
}

/// Marks the flow token used (exactly once, even under concurrency).
async fn spend_token<C: ConnectionTrait>(db: &C, t: &action_token::Model) -> Result<bool, sea_orm::DbErr> {
    Ok(action_token::Entity::update_many()
        .col_expr(action_token::Column::UsedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(action_token::Column::Id.eq(t.id.clone()))
        .filter(action_token::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

fn clear_flow(s: &AppState, r: Response) -> Response {
    with_cookie(r, session::set_cookie(&s.cfg, session::flow_cookie_name(&s.cfg), "", Some(0)))
}

/// The two flows an emailed link starts; each ends with a new password.
#[derive(Clone, Copy)]
enum LinkFlow {
    Invite,
    Reset,
}

/// The new password that ends an emailed link's flow: the link's token from the flow
/// cookie, the password, then the flow's changes in one transaction that spends the token.
/// A link that is not (or no longer) valid goes back to the flow's page saying so; the flow
/// cookie is cleared once the token is spent or found invalid.
async fn new_password_step(s: &AppState, c: &Caller, f: &PasswordForm, flow: LinkFlow) -> Response {
    let (kind, page) = match flow {
        LinkFlow::Invite => (TokenKind::Invite, "/invite"),
        LinkFlow::Reset => (TokenKind::Reset, "/reset-password"),
    };
    let invalid = format!("{page}?m={}_invalid", kind.key());
    let token = session::read_cookie(&c.headers, session::flow_cookie_name(&s.cfg)).unwrap_or_default();
    let (t, st) = match valid_token(&s.db, &token, kind).await {
        Ok(Some(v)) => v,
        Ok(None) => return clear_flow(s, c.done(&invalid)),
        Err(e) => return c.fail(s, page, ServerError::from(e).into()),
    };
    let password = match NewPassword::parse("password", &f.password) {
        Ok(p) => p,
        Err(e) => return c.fail(s, page, e),
    };
    let r = boundary(async {
        let hash = s.hasher.hash(password.expose()).await;
        let txn = crate::platform::db::begin_write(&s.db).await?;
        if !spend_token(&txn, &t).await? {
            return Err(AppError::NotFound.into());
        }
        let mut am = st.clone().into_active_model();
        am.password_hash = Set(Some(hash));
        am.updated_at = Set(Utc::now());
        let answer = match flow {
            LinkFlow::Invite => {
                let secret = totp::new_secret();
                am.status = Set(StaffStatus::Active);
                am.totp_secret = Set(None);
                am.totp_pending_secret = Set(Some(s.keys.seal(&secret, &format!("staff:{}:totp", st.id))));
                let st = am.update(&txn).await?;
                audit_self(&txn, &st, "staff.invite_accepted", c, json!({})).await?;
                let token = session::create(&txn, &s.cfg, &st, Stage::Enrol, &c.network, &c.user_agent, None).await?;
                let cookie = session::set_cookie(&s.cfg, session::session_cookie_name(&s.cfg), &token, None);
                with_cookie(c.done("/login/enrol"), cookie)
            }
            LinkFlow::Reset => {
                am.update(&txn).await?;
                // A reset ends every session of the account, wherever it is.
                session::end_all_for_staff(&txn, &st.id).await?;
                throttle::clear(&txn, &throttle::account_key("login", &st.email)).await?;
                audit_self(&txn, &st, "password.reset", c, json!({})).await?;
                c.done("/login?m=password_changed")
            }
        };
        txn.commit().await?;
        Ok(answer)
    })
    .await;
    match r {
        Ok(answer) => clear_flow(s, answer),
        Err(AppError::NotFound) => clear_flow(s, c.done(&invalid)),
        Err(e) => c.fail(s, page, e),
    }
}

pub async fn accept_invite(State(s): State<AppState>, c: Caller, Form(f): Form<PasswordForm>) -> Response {
    new_password_step(&s, &c, &f, LinkFlow::Invite).await
}

pub async fn forgot(State(s): State<AppState>, c: Caller, Form(f): Form<EmailForm>) -> Response {
    let email = match EmailAddress::parse("email", &f.email) {
        Ok(e) => e,
        Err(e) => return c.fail(&s, "/forgot-password", e),
    };
    if let Err(e) = boundary(forgot_inner(&s, &c, &email)).await {
        return c.fail(&s, "/forgot-password", e);
    }
    // The same answer whether or not the account exists.
    if c.html {
        redirect("/forgot-password?m=reset_sent")
    } else {
        (StatusCode::ACCEPTED, Json(json!({ "status": "sent_if_exists" }))).into_response()
    }
}

/// Spends the network's allowance, then answers at once: whether the account exists is
/// looked up and acted on in a task of its own, so the answer takes the same time for
/// known and unknown addresses (ASVS 5.0 6.3.8). A crash before that task commits loses
/// one reset email; the person asks again.
async fn forgot_inner(s: &AppState, c: &Caller, email: &EmailAddress) -> Result<(), ServerError> {
    let now = Utc::now();
    let window = Duration::seconds(s.cfg.security.login_window_secs as i64);
    let net = throttle::network_key("reset", &c.network);
    if let Err(minutes) = throttle::spend(&s.db, &net, s.cfg.security.network_max_failures, window, now).await? {
        return Err(AppError::Throttled { minutes }.into());
    }
    let (s, origin, email) = (s.clone(), c.origin(), email.clone());
    tokio::spawn(async move {
        if let Err(e) = boundary(send_reset(&s, &origin, &email)).await {
            tracing::warn!(error = %e, "password reset request failed");
        }
    });
    Ok(())
}

/// The part of "forgot password" that depends on the account.
async fn send_reset(s: &AppState, origin: &Origin, email: &EmailAddress) -> Result<(), ServerError> {
    let now = Utc::now();
    let window = Duration::seconds(s.cfg.security.login_window_secs as i64);
    // Per account: quietly stop sending after 3 requests a window (no hint either way).
    let acct = throttle::account_key("reset", email.as_str());
    if throttle::spend(&s.db, &acct, 3, window, now).await?.is_err() {
        return Ok(());
    }
    let Some(st) = staff::Entity::find()
        .filter(staff::Column::Email.eq(email.as_str()))
        .filter(staff::Column::Status.eq(StaffStatus::Active))
        .one(&s.db)
        .await?
    else {
        return Ok(());
    };
    let practice = practice::Entity::find_by_id(st.practice_id.clone())
        .one(&s.db)
        .await?
        .ok_or_else(|| ServerError::fault("practice missing"))?;
    let txn = crate::platform::db::begin_write(&s.db).await?;
    let token = issue_token(&txn, &st, TokenKind::Reset, Duration::minutes(RESET_MINUTES)).await?;
    let link = format!("{}/reset/{}", s.cfg.public_base(), token);
    let mail = crate::delivery::emails::password_reset(&st, &practice, &link);
    mail::enqueue(&txn, &s.keys, &st.practice_id, "password_reset", &mail).await?;
    audit::append(
        &txn,
        &st.practice_id,
        &Actor::Anonymous,
        "password.reset_requested",
        Some(&st.id),
        origin,
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn reset(State(s): State<AppState>, c: Caller, Form(f): Form<PasswordForm>) -> Response {
    new_password_step(&s, &c, &f, LinkFlow::Reset).await
}
