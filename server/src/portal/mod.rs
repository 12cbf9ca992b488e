//! The recipient portal: opening a share's link, the second factor, the verified
//! session, and reading and downloading the shared documents. Pages are server-rendered
//! HTML (`app::pages::portal`) whose forms post normally; the portal island enhances them.
//!
//! Rules (issue: the recipient portal):
//! - `GET /s/<token>` looks the share up by the token's SHA-256, puts the share id and
//!   that hash in a sealed, short-lived cookie and redirects to `/portal`, so the token is
//!   in no later URL. No GET before verification changes anything: mail scanners that open
//!   links (or even follow redirects) cannot send a code, spend an attempt, lock the share
//!   or mark it opened. An unknown token costs the same one indexed lookup.
//! - Codes: 6 digits from the OS generator, HMAC-stored, valid 10 minutes, single use
//!   (an atomic `UPDATE … WHERE used_at IS NULL`), the newest replaces older ones; 3 sends
//!   per 15 minutes and 10 per share.
//! - Failures are counted on the share in the database (so every instance sees them):
//!   10 across all methods, 5 for date of birth, then the share locks and the sender is
//!   told. Failures are also throttled per client network.
//! - The verified session is bound to one share, lives in the database (idle 15 minutes,
//!   absolute 1 hour) and every request re-reads the share, so a revoke or expiry takes
//!   effect on the next request on every instance.
use app::{
    domain::{
        documents::DocumentBody,
        sharing::{Delivery, ShareStatus, SharingSettings, VerifyMethod},
    },
    error::AppError,
    pages::portal::{
        AgedLinkPage, Brand, Closed, ClosedPage, DocumentViewPage, DocumentsPage, LinkInvalidPage, LinkRenewedPage,
        PortalBusyPage, PortalDoc, PortalErrorPage, SessionClock, SessionEndedPage, SignedOutPage, VerifyData,
        VerifyPage, VerifyStep, render_portal_document,
    },
};
use axum::{
    extract::{Form, Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use chrono::{DateTime, Duration, Utc};
use cookie::SameSite;
use leptos::prelude::*;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    delivery::emails::{self, ShareEvent},
    delivery::mail,
    delivery::sms,
    delivery::templates::{TemplateValues, expires_label, load_settings, render_email},
    platform::audit::{self, Actor},
    platform::crypto,
    platform::entities::{
        client, document, document_file, document_kind, notification::NotificationKind, portal_session, practice,
        share, share_code, share_document, staff,
    },
    platform::error::ServerError,
    platform::throttle,
    state::AppState,
    web::caller::Caller,
    web::session,
};

pub const CODE_MINUTES: i64 = 10;
pub const MAX_FAILURES: i32 = 10;
pub const MAX_FAILURES_DATE_OF_BIRTH: i32 = 5;
pub const CODES_PER_WINDOW: usize = 3;
pub const CODE_WINDOW_MINUTES: i64 = 15;
pub const CODES_PER_SHARE: usize = 10;
/// Codes sent to one phone number per hour, across shares.
pub const CODES_PER_PHONE_PER_HOUR: u32 = 10;
/// Codes requested from one client network (IPv4 address, IPv6 /64) per hour.
pub const CODES_PER_NETWORK_PER_HOUR: u32 = 30;
pub const IDLE_MINUTES: i64 = 15;
pub const ABSOLUTE_MINUTES: i64 = 60;
/// Failed verifications per client network (IPv4 address, IPv6 /64) per 15 minutes.
pub const NETWORK_FAILURES: u32 = 20;
const LINK_COOKIE_SECONDS: i64 = 60 * 60;

fn link_cookie(s: &AppState) -> &'static str {
    if s.cfg.security.insecure_dev_cookies { "dossier_link" } else { "__Host-dossier_link" }
}

fn portal_cookie(s: &AppState) -> &'static str {
    if s.cfg.security.insecure_dev_cookies { "dossier_portal" } else { "__Host-dossier_portal" }
}

/// What the link cookie holds (sealed under the master key).
#[derive(Serialize, Deserialize)]
pub(crate) struct LinkClaim {
    pub(crate) share: String,
    /// The token's hash when the link was opened: a newer link retires this cookie.
    pub(crate) token_hash: String,
}

fn page<V: IntoView + 'static>(status: StatusCode, title: &str, body: impl FnOnce() -> V) -> Response {
    (status, Html(render_portal_document(title, body))).into_response()
}

fn with_cookies(mut r: Response, cookies: Vec<HeaderValue>) -> Response {
    for c in cookies {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

fn invalid() -> Response {
    page(StatusCode::NOT_FOUND, "This link is not valid", || view! { <LinkInvalidPage/> })
}

fn failure(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = e.to_string();
    page(status, "Something went wrong", move || view! { <PortalErrorPage message/> })
}

/// A portal handler's failure: the portal's error page, with the error's status. What the
/// recipient sees is the public [`AppError`]; the cause was logged on the way (see
/// [`ServerError`]).
pub struct Failure(AppError);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        failure(self.0)
    }
}

impl From<ServerError> for Failure {
    fn from(e: ServerError) -> Self {
        Failure(e.into())
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure(e)
    }
}

impl From<sea_orm::DbErr> for Failure {
    fn from(e: sea_orm::DbErr) -> Self {
        Failure(ServerError::from(e).into())
    }
}

/// What a portal handler answers: its page, or the error page.
type Reply = Result<Response, Failure>;

fn redirect(to: &str) -> Response {
    crate::web::caller::redirect(to)
}

/// A share, its practice and the practice's sharing settings.
struct Ctx {
    share: share::Model,
    practice: practice::Model,
    settings: SharingSettings,
    logo: Option<String>,
}

impl Ctx {
    fn brand(&self) -> Brand {
        Brand {
            practice: self.practice.name.clone(),
            phone: self.settings.contact_phone.clone(),
            email: self.settings.contact_email.clone(),
            address: self.settings.contact_address.clone(),
            logo: self.logo.clone(),
        }
    }

    fn method(&self) -> Option<VerifyMethod> {
        self.share.verify_method()
    }

    fn actor(&self) -> Actor {
        Actor::Recipient(self.share.id.clone())
    }

    /// Appends an event about this share, by its recipient, from the caller's network.
    async fn audit<C: ConnectionTrait + sea_orm::TransactionTrait>(
        &self,
        db: &C,
        c: &Caller,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<(), ServerError> {
        audit::append(db, &self.share.practice_id, &self.actor(), action, Some(&self.share.id), &c.origin(), detail)
            .await
            .map_err(ServerError::from)
    }
}

async fn load_ctx(s: &AppState, share: share::Model) -> Result<Ctx, ServerError> {
    let practice = practice::Entity::find_by_id(share.practice_id.clone())
        .one(&s.db)
        .await?
        .ok_or_else(|| ServerError::fault("practice missing"))?;
    let settings = load_settings(&s.db, &share.practice_id).await?;
    let logo = crate::web::brand::logo_href(&s.db, &share.practice_id).await?;
    Ok(Ctx { share, practice, settings, logo })
}

/// Why the share can no longer be opened, if it cannot.
fn closed(share: &share::Model, now: DateTime<Utc>) -> Option<Closed> {
    match share.stored_status() {
        ShareStatus::Revoked => Some(Closed::Withdrawn),
        ShareStatus::Locked => Some(Closed::Locked),
        _ if share.revoked_at.is_some() => Some(Closed::Withdrawn),
        s if s == ShareStatus::Expired || share.expires_at <= now => Some(Closed::Expired),
        _ => None,
    }
}

fn closed_page(ctx: &Ctx, why: Closed) -> Response {
    let brand = ctx.brand();
    let status = if why == Closed::Locked { StatusCode::FORBIDDEN } else { StatusCode::GONE };
    page(status, "Link closed", move || view! { <ClosedPage brand why/> })
}

/// Whether the current link has aged: older than the practice's link-ageing setting and
/// never used to verify. Once a recipient has verified with a link it stays valid until
/// the share itself expires (the seeds: "once clicked, the link remains valid"); a link
/// replaced by a resend or a renewal starts unused again.
async fn aged(s: &AppState, ctx: &Ctx, now: DateTime<Utc>) -> Result<bool, ServerError> {
    if now - ctx.share.link_issued_at <= Duration::hours(i64::from(ctx.settings.link_ageing_hours)) {
        return Ok(false);
    }
    let used = portal_session::Entity::find()
        .filter(portal_session::Column::ShareId.eq(&ctx.share.id))
        .filter(portal_session::Column::CreatedAt.gte(ctx.share.link_issued_at))
        .count(&s.db)
        .await?
        > 0;
    Ok(!used)
}

/// The share named by the link cookie, if the cookie is ours and its link is current.
async fn from_link(s: &AppState, headers: &HeaderMap) -> Result<Option<Ctx>, ServerError> {
    let Some(raw) = session::read_cookie(headers, link_cookie(s)) else { return Ok(None) };
    let Some(claim) = s.keys.open(&raw, "portal-link").and_then(|b| serde_json::from_slice::<LinkClaim>(&b).ok())
    else {
        return Ok(None);
    };
    let Some(share) = share::Entity::find_by_id(claim.share).one(&s.db).await? else {
        return Ok(None);
    };
    if !crypto::ct_eq(share.token_hash.as_bytes(), claim.token_hash.as_bytes()) {
        return Ok(None);
    }
    Ok(Some(load_ctx(s, share).await?))
}

enum Verified {
    /// A live session, and how long it has left.
    Live(Ctx, SessionClock),
    Closed(Ctx, Closed),
    /// A portal cookie whose session timed out, was signed out or is unknown.
    Ended,
    None,
}

/// The verified session named by the portal cookie. Checks its timeouts and re-reads
/// the share (no cache); ends the session when the share has closed.
async fn verified(s: &AppState, headers: &HeaderMap) -> Result<Verified, ServerError> {
    let Some(raw) = session::read_cookie(headers, portal_cookie(s)) else { return Ok(Verified::None) };
    let id = crypto::token_hash(&raw);
    let Some(sess) = portal_session::Entity::find_by_id(id).one(&s.db).await? else {
        return Ok(Verified::Ended);
    };
    let now = Utc::now();
    let Some(share) = share::Entity::find_by_id(sess.share_id.clone()).one(&s.db).await? else {
        return Ok(Verified::Ended);
    };
    let ctx = load_ctx(s, share).await?;
    // A closed share says why, even when closing it already ended the session.
    if let Some(why) = closed(&ctx.share, now) {
        end_session(&s.db, &sess.id).await?;
        return Ok(Verified::Closed(ctx, why));
    }
    if sess.ended_at.is_some() {
        return Ok(Verified::Ended);
    }
    if now - sess.created_at > Duration::minutes(ABSOLUTE_MINUTES)
        || now - sess.last_seen_at > Duration::minutes(IDLE_MINUTES)
    {
        end_session(&s.db, &sess.id).await?;
        return Ok(Verified::Ended);
    }
    portal_session::Entity::update_many()
        .col_expr(portal_session::Column::LastSeenAt, Expr::value(now))
        .filter(portal_session::Column::Id.eq(&sess.id))
        .exec(&s.db)
        .await?;
    let clock = SessionClock {
        idle: IDLE_MINUTES * 60,
        left: (sess.created_at + Duration::minutes(ABSOLUTE_MINUTES) - now).num_seconds().max(0),
    };
    Ok(Verified::Live(ctx, clock))
}

async fn end_session<C: ConnectionTrait>(db: &C, id: &str) -> Result<(), ServerError> {
    portal_session::Entity::update_many()
        .col_expr(portal_session::Column::EndedAt, Expr::value(Utc::now()))
        .filter(portal_session::Column::Id.eq(id))
        .filter(portal_session::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// `GET /s/{token}`: swaps the token for a cookie and leaves the URL. Changes nothing.
pub async fn open_link(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    let hash = crypto::token_hash(&token);
    let found = share::Entity::find()
        .filter(share::Column::TokenHash.eq(&hash))
        .filter(share::Column::Delivery.eq(Delivery::Link.key()))
        .one(&s.db)
        .await;
    match found {
        Ok(Some(sh)) => {
            let claim = serde_json::to_vec(&LinkClaim { share: sh.id, token_hash: hash }).expect("serialisable");
            let value = s.keys.seal(&claim, "portal-link");
            let cookie = session::set_cookie_same_site(
                &s.cfg,
                link_cookie(&s),
                &value,
                Some(LINK_COOKIE_SECONDS),
                SameSite::Lax,
            );
            with_cookies(redirect("/portal"), vec![cookie])
        }
        Ok(None) => with_cookies(
            redirect("/portal/link-invalid"),
            vec![session::set_cookie(&s.cfg, link_cookie(&s), "", Some(0))],
        ),
        Err(e) => Failure::from(e).into_response(),
    }
}

/// `GET /portal/link-invalid`.
pub async fn link_invalid() -> Response {
    invalid()
}

/// `GET /portal`: the documents (verified), or what the link needs next. Changes nothing
/// before verification.
pub async fn home(State(state): State<AppState>, caller: Caller) -> Reply {
    let (s, c) = (&state, &caller);
    let ended = match verified(s, &c.headers).await? {
        Verified::Live(ctx, clock) => return documents_list(s, &ctx, clock).await,
        Verified::Closed(ctx, why) => {
            return Ok(with_cookies(
                closed_page(&ctx, why),
                vec![session::set_cookie(&s.cfg, portal_cookie(s), "", Some(0))],
            ));
        }
        Verified::Ended => true,
        Verified::None => false,
    };
    let Some(ctx) = from_link(s, &c.headers).await? else {
        if ended {
            return Ok(with_cookies(
                page(StatusCode::OK, "Session ended", || view! { <SessionEndedPage/> }),
                vec![session::set_cookie(&s.cfg, portal_cookie(s), "", Some(0))],
            ));
        }
        return Ok(invalid());
    };
    let now = Utc::now();
    if let Some(why) = closed(&ctx.share, now) {
        return Ok(closed_page(&ctx, why));
    }
    if aged(s, &ctx, now).await? {
        let brand = ctx.brand();
        return Ok(page(StatusCode::OK, "Renew your link", move || view! { <AgedLinkPage brand/> }));
    }
    verify_page(s, &ctx, StatusCode::OK, None, None).await
}

/// The newest code of the share, if it can still be used.
async fn current_code<C: ConnectionTrait>(db: &C, share_id: &str) -> Result<Option<share_code::Model>, ServerError> {
    // The one code not yet used or replaced (each send replaces the others under the
    // share's row lock). Not "the newest by created_at": a request that read the clock
    // first but took the lock second writes an older timestamp on the newer code.
    let open = share_code::Entity::find()
        .filter(share_code::Column::ShareId.eq(share_id))
        .filter(share_code::Column::UsedAt.is_null())
        .order_by_desc(share_code::Column::CreatedAt)
        .one(db)
        .await?;
    Ok(open.filter(|c| c.expires_at > Utc::now()))
}

async fn verify_page(
    s: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Reply {
    let step = match ctx.method() {
        Some(m @ (VerifyMethod::Sms | VerifyMethod::Voice)) => {
            let code = current_code(&s.db, &ctx.share.id).await?;
            let wait_seconds = resend_wait(&s.db, &ctx.share.id).await?;
            let notice = notice.clone().or_else(|| {
                code.as_ref().map(|c| {
                    let how = if c.channel == sms::Channel::Voice {
                        "We called you with a code"
                    } else {
                        "We texted you a code"
                    };
                    // Relative, as a worried reader thinks of it; past an hour, the
                    // practice's wall clock with its zone ("at 20:06 GMT"), never bare UTC.
                    let when = match (Utc::now() - c.created_at).num_minutes() {
                        ..=0 => "just now".to_owned(),
                        1 => "a minute ago".to_owned(),
                        n @ 2..=59 => format!("{n} minutes ago"),
                        _ => {
                            let tz = crate::platform::zone::of(&ctx.practice);
                            format!("at {}", crate::platform::zone::clock(c.created_at, tz))
                        }
                    };
                    format!("{how} {when}.")
                })
            });
            return Ok(render_verify(
                ctx,
                status,
                VerifyStep::Phone {
                    hint: app::domain::records::last_two_digits(
                        ctx.share.recipient_phone.as_deref().unwrap_or_default(),
                    ),
                    code_sent: code.is_some(),
                    voice_default: m == VerifyMethod::Voice,
                    wait_seconds,
                },
                error,
                notice,
            ));
        }
        Some(VerifyMethod::Passcode) => VerifyStep::Passcode,
        Some(VerifyMethod::DateOfBirth) => VerifyStep::DateOfBirth,
        Some(VerifyMethod::LinkOnly) => VerifyStep::LinkOnly,
        None => return Ok(invalid()),
    };
    Ok(render_verify(ctx, status, step, error, notice))
}

/// Seconds until the share's send limit (`CODES_PER_WINDOW` per `CODE_WINDOW_MINUTES`)
/// allows another code; 0 when one can be sent now. What `request_code` enforces, read
/// without spending: the page's countdown shows the server's own rule. (When the share's
/// lifetime allowance is spent, pressing the button says so: no countdown would end.)
async fn resend_wait<C: ConnectionTrait>(db: &C, share_id: &str) -> Result<u32, ServerError> {
    // A share has at most `CODES_PER_SHARE` codes: read them all.
    let sent: Vec<DateTime<Utc>> = share_code::Entity::find()
        .filter(share_code::Column::ShareId.eq(share_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.created_at)
        .collect();
    let wait = window_wait(&sent, Utc::now()).map_or(0, |d| d.num_seconds().max(1));
    Ok(u32::try_from(wait).unwrap_or(u32::MAX))
}

/// The send window's rule, in one place: with `CODES_PER_WINDOW` codes sent in the last
/// `CODE_WINDOW_MINUTES`, how long until the oldest of them leaves it (`None`: a code may
/// be sent now).
fn window_wait(sent: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<Duration> {
    let window = Duration::minutes(CODE_WINDOW_MINUTES);
    let mut recent: Vec<DateTime<Utc>> = sent.iter().copied().filter(|t| now - *t < window).collect();
    if recent.len() < CODES_PER_WINDOW {
        return None;
    }
    recent.sort();
    Some(recent[recent.len() - CODES_PER_WINDOW] + window - now)
}

fn render_verify(
    ctx: &Ctx,
    status: StatusCode,
    step: VerifyStep,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let data = VerifyData { brand: ctx.brand(), step, error, notice };
    page(status, "Verify to view", move || view! { <VerifyPage data/> })
}

/// `POST /portal/code`: sends a code by text (`channel=sms`) or call (`channel=voice`).
/// `POST /portal/code`'s form: `sms` (the default) or `voice`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CodeRequestForm {
    channel: String,
}

pub async fn request_code(State(state): State<AppState>, caller: Caller, Form(form): Form<CodeRequestForm>) -> Reply {
    let (s, c, f) = (&state, &caller, &form);
    let Some(ctx) = from_link(s, &c.headers).await? else { return Ok(invalid()) };
    let now = Utc::now();
    if let Some(why) = closed(&ctx.share, now) {
        return Ok(closed_page(&ctx, why));
    }
    if aged(s, &ctx, now).await? || !ctx.method().is_some_and(VerifyMethod::needs_phone) {
        return Ok(redirect("/portal"));
    }
    let channel = if f.channel == sms::Channel::Voice.key() { sms::Channel::Voice } else { sms::Channel::Sms };
    let Some(phone) = ctx.share.recipient_phone.clone() else { return Ok(redirect("/portal")) };
    // Every send limit is checked and spent inside one write transaction that holds the
    // share's row (PostgreSQL: FOR UPDATE; SQLite: the write lock taken at BEGIN), so
    // parallel requests queue here and each sees the codes the previous one wrote.
    let txn = crate::platform::db::begin_write(&s.db).await?;
    crate::platform::db::lock_row(&txn, "share", &ctx.share.id).await?;
    // The clock is read again under the lock, so the codes' times follow their order.
    let now = Utc::now();
    let sent: Vec<share_code::Model> =
        share_code::Entity::find().filter(share_code::Column::ShareId.eq(&ctx.share.id)).all(&txn).await?;
    if sent.len() >= CODES_PER_SHARE {
        txn.rollback().await?;
        let practice = ctx.practice.name.clone();
        let msg = format!("No more codes can be sent for this link. Please contact {practice}.");
        return verify_page(s, &ctx, StatusCode::TOO_MANY_REQUESTS, Some(msg), None).await;
    }
    if let Some(wait) = window_wait(&sent.iter().map(|c| c.created_at).collect::<Vec<_>>(), now) {
        txn.rollback().await?;
        let wait = wait.num_minutes().max(1);
        let msg = format!("Several codes were sent just now. You can ask for another in {wait} minutes.");
        return verify_page(s, &ctx, StatusCode::TOO_MANY_REQUESTS, Some(msg), None).await;
    }
    // Across shares: per phone number and per client network.
    let phone_key = format!("sms:phone:{}", &crypto::token_hash(&phone)[..32]);
    let net_key = throttle::network_key("sms", &c.network);
    for (key, max) in [(&phone_key, CODES_PER_PHONE_PER_HOUR), (&net_key, CODES_PER_NETWORK_PER_HOUR)] {
        if let Err(minutes) = throttle::spend(&txn, key, max, Duration::hours(1), now).await? {
            txn.rollback().await?;
            let msg = format!("Several codes were sent just now. You can ask for another in {minutes} minutes.");
            return verify_page(s, &ctx, StatusCode::TOO_MANY_REQUESTS, Some(msg), None).await;
        }
    }
    let code = crypto::random_code();
    // The new code replaces any older one.
    share_code::Entity::update_many()
        .col_expr(share_code::Column::UsedAt, Expr::value(now))
        .filter(share_code::Column::ShareId.eq(&ctx.share.id))
        .filter(share_code::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    share_code::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        share_id: Set(ctx.share.id.clone()),
        practice_id: Set(ctx.share.practice_id.clone()),
        code_hash: Set(s.keys.code_mac(&ctx.share.id, &code)),
        channel: Set(channel),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(CODE_MINUTES)),
        used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let msg =
        sms::OutgoingSms { channel, to: phone.clone(), text: sms::code_message(channel, &ctx.practice.name, &code) };
    let outbox = sms::enqueue(&txn, &s.keys, &ctx.share.practice_id, Some(&ctx.share.id), "code", &msg).await?;
    ctx.audit(
        &txn,
        c,
        "portal.code_requested",
        json!({ "channel": channel.key(), "to": sms::hint(&phone), "outbox": outbox }),
    )
    .await?;
    txn.commit().await?;
    Ok(redirect("/portal"))
}

/// `POST /portal/verify`: checks the second factor; opens a verified session.
/// `POST /portal/verify`'s form: the field of the share's method (the others are empty).
/// No `Debug`: it carries codes, passcodes and dates of birth.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub code: String,
    pub passcode: String,
    pub date_of_birth: String,
}

/// What the recipient typed, read before anything is spent.
pub(crate) enum Given {
    Code(String),
    Passcode(String),
    DateOfBirth(chrono::NaiveDate),
    Nothing,
}

/// What the comparison said.
enum Answer {
    /// No guess was possible (the code expired or was replaced): said so, refunded.
    NotAGuess(&'static str),
    Right,
    Wrong,
}

/// Reads the form for `method`; malformed input is not a guess and spends nothing.
pub(crate) fn read_answer(method: VerifyMethod, f: &AnswerForm) -> Result<Given, &'static str> {
    match method {
        VerifyMethod::Sms | VerifyMethod::Voice => {
            let code: String = f.code.trim().chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
            if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
                Err("Enter the 6 digits of the code.")
            } else {
                Ok(Given::Code(code))
            }
        }
        VerifyMethod::Passcode => {
            let given = f.passcode.clone();
            // Oversized input is refused before hashing (SECURITY.md: argon2 as a DoS lever).
            if given.is_empty() || given.len() > 256 { Err("Enter the passcode.") } else { Ok(Given::Passcode(given)) }
        }
        VerifyMethod::DateOfBirth => parse_date(f.date_of_birth.trim())
            .map(Given::DateOfBirth)
            .ok_or("Enter your date of birth, for example 1984-03-14."),
        VerifyMethod::LinkOnly => Ok(Given::Nothing),
    }
}

/// Attempts a share allows before it locks.
fn attempt_limit(method: VerifyMethod) -> i32 {
    if method == VerifyMethod::DateOfBirth { MAX_FAILURES_DATE_OF_BIRTH } else { MAX_FAILURES }
}

/// Spends one of the share's attempts in one conditional UPDATE: refused once `limit`
/// are spent or the share has closed, so a burst gets exactly `limit` checks and a
/// request arriving after the lock is refused whatever it carries.
async fn spend_share_attempt<C: ConnectionTrait>(db: &C, share_id: &str, limit: i32) -> Result<bool, ServerError> {
    Ok(share::Entity::update_many()
        .col_expr(share::Column::FailedAttempts, Expr::col(share::Column::FailedAttempts).add(1))
        .filter(share::Column::Id.eq(share_id))
        .filter(share::Column::FailedAttempts.lt(limit))
        .filter(share::Column::Status.is_not_in(CLOSED_STATUSES.map(ShareStatus::key)))
        .filter(share::Column::RevokedAt.is_null())
        .filter(share::Column::ExpiresAt.gt(Utc::now()))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Statuses in which nothing can be verified or read.
const CLOSED_STATUSES: [ShareStatus; 3] = [ShareStatus::Locked, ShareStatus::Revoked, ShareStatus::Expired];

/// The page for a share that refused an attempt: why it is closed now.
async fn refused_page(s: &AppState, ctx: &Ctx) -> Reply {
    let now = Utc::now();
    let share = share::Entity::find_by_id(ctx.share.id.clone()).one(&s.db).await?;
    let why = share.as_ref().and_then(|sh| closed(sh, now)).unwrap_or(Closed::Locked);
    Ok(closed_page(ctx, why))
}

pub async fn verify(State(state): State<AppState>, caller: Caller, Form(form): Form<AnswerForm>) -> Reply {
    let (s, c, f) = (&state, &caller, &form);
    let Some(ctx) = from_link(s, &c.headers).await? else { return Ok(invalid()) };
    let now = Utc::now();
    if let Some(why) = closed(&ctx.share, now) {
        return Ok(closed_page(&ctx, why));
    }
    if aged(s, &ctx, now).await? {
        return Ok(redirect("/portal"));
    }
    let Some(method) = ctx.method() else { return Ok(invalid()) };
    let given = match read_answer(method, f) {
        Ok(g) => g,
        Err(msg) => return verify_page(s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Some(msg.to_owned()), None).await,
    };
    // Spend first (the network's allowance, then the share's), compare afterwards.
    let net_key = throttle::network_key("portal", &c.network);
    if let Err(minutes) = throttle::spend(&s.db, &net_key, NETWORK_FAILURES, Duration::minutes(15), now).await? {
        let brand = ctx.brand();
        return Ok(page(
            StatusCode::TOO_MANY_REQUESTS,
            "Please wait",
            move || view! { <PortalBusyPage brand minutes/> },
        ));
    }
    if !spend_share_attempt(&s.db, &ctx.share.id, attempt_limit(method)).await? {
        throttle::refund(&s.db, &net_key).await?;
        return refused_page(s, &ctx).await;
    }
    let answer = match check_answer(s, &ctx, given).await {
        Ok(a) => a,
        Err(e) => {
            // Not the recipient's failure: give both attempts back.
            refund_share_attempt(&s.db, &ctx.share.id).await?;
            throttle::refund(&s.db, &net_key).await?;
            return Err(e.into());
        }
    };
    match answer {
        Answer::NotAGuess(msg) => {
            refund_share_attempt(&s.db, &ctx.share.id).await?;
            throttle::refund(&s.db, &net_key).await?;
            verify_page(s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Some(msg.to_owned()), None).await
        }
        Answer::Right => {
            throttle::refund(&s.db, &net_key).await?;
            succeed(s, c, ctx, method).await
        }
        Answer::Wrong => fail(s, c, ctx, method).await,
    }
}

/// Compares what was given with the share's factor (after its attempt was spent).
async fn check_answer(s: &AppState, ctx: &Ctx, given: Given) -> Result<Answer, ServerError> {
    Ok(match given {
        Given::Code(code) => match current_code(&s.db, &ctx.share.id).await? {
            None => Answer::NotAGuess("That code has expired or was replaced: ask for a new one."),
            Some(current) => {
                let mac = s.keys.code_mac(&ctx.share.id, &code);
                if crypto::ct_eq(mac.as_bytes(), current.code_hash.as_bytes()) {
                    // Single use, even against two simultaneous submissions.
                    let used = share_code::Entity::update_many()
                        .col_expr(share_code::Column::UsedAt, Expr::value(Utc::now()))
                        .filter(share_code::Column::Id.eq(&current.id))
                        .filter(share_code::Column::UsedAt.is_null())
                        .exec(&s.db)
                        .await?;
                    if used.rows_affected == 1 { Answer::Right } else { Answer::Wrong }
                } else {
                    Answer::Wrong
                }
            }
        },
        Given::Passcode(given) => {
            if s.hasher.verify(ctx.share.passcode_hash.as_deref(), &given).await {
                Answer::Right
            } else {
                Answer::Wrong
            }
        }
        Given::DateOfBirth(d) => {
            let client = client::Entity::find_by_id(ctx.share.client_id.clone())
                .one(&s.db)
                .await?
                .ok_or_else(|| ServerError::fault("client missing"))?;
            let given = d.format("%Y-%m-%d").to_string();
            if ctx.share.recipient_kind == "client" && crypto::ct_eq(given.as_bytes(), client.date_of_birth.as_bytes())
            {
                Answer::Right
            } else {
                Answer::Wrong
            }
        }
        Given::Nothing => Answer::Right,
    })
}

/// Gives back a spent attempt that was not a failure.
async fn refund_share_attempt<C: ConnectionTrait>(db: &C, share_id: &str) -> Result<bool, ServerError> {
    let attempts = Expr::col(share::Column::FailedAttempts);
    let less =
        sea_orm::sea_query::CaseStatement::new().case(attempts.clone().gt(0), attempts.sub(1)).finally(Expr::value(0));
    Ok(share::Entity::update_many()
        .col_expr(share::Column::FailedAttempts, less.into())
        .filter(share::Column::Id.eq(share_id))
        .filter(share::Column::Status.is_not_in(CLOSED_STATUSES.map(ShareStatus::key)))
        .filter(share::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Accepts `YYYY-MM-DD`, and `DD/MM/YYYY` or `DD.MM.YYYY` as typed where date inputs are
/// plain text.
pub(crate) fn parse_date(v: &str) -> Option<chrono::NaiveDate> {
    ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"]
        .iter()
        .find_map(|f| chrono::NaiveDate::parse_from_str(v.trim(), f).ok())
}

/// A right answer: the share's attempt is given back and the session opened, but only
/// if the share is still open at this instant (one conditional UPDATE, the first
/// statement of the transaction): a share that locked while this answer was being
/// checked stays locked, and nothing opens it.
async fn succeed(s: &AppState, c: &Caller, ctx: Ctx, method: VerifyMethod) -> Reply {
    let now = Utc::now();
    let token = crypto::random_token();
    let txn = crate::platform::db::begin_write(&s.db).await?;
    if !refund_share_attempt(&txn, &ctx.share.id).await? {
        txn.rollback().await?;
        return refused_page(s, &ctx).await;
    }
    // The first open: marked once, even when two instances verify at the same moment.
    let first = share::Entity::update_many()
        .col_expr(share::Column::OpenedAt, Expr::value(now))
        .col_expr(share::Column::Status, Expr::value(ShareStatus::Opened.key()))
        .filter(share::Column::Id.eq(&ctx.share.id))
        .filter(share::Column::OpenedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    portal_session::ActiveModel {
        id: Set(crypto::token_hash(&token)),
        share_id: Set(ctx.share.id.clone()),
        practice_id: Set(ctx.share.practice_id.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        ended_at: Set(None),
    }
    .insert(&txn)
    .await?;
    ctx.audit(&txn, c, "portal.verified", json!({ "method": method.key() })).await?;
    if first {
        ctx.audit(&txn, c, "share.opened", json!({})).await?;
        tell_sender(s, &txn, &ctx, ShareEvent::Opened, ctx.share.notify_on_open).await?;
    }
    txn.commit().await?;
    let cookies = vec![
        session::set_cookie(&s.cfg, portal_cookie(s), &token, Some(ABSOLUTE_MINUTES * 60)),
        session::set_cookie(&s.cfg, link_cookie(s), "", Some(0)),
    ];
    Ok(with_cookies(redirect("/portal"), cookies))
}

/// A wrong answer (its attempt already spent): audited, and the share locks when the
/// spent attempts reach the limit.
async fn fail(s: &AppState, c: &Caller, ctx: Ctx, method: VerifyMethod) -> Reply {
    let limit = attempt_limit(method);
    let txn = crate::platform::db::begin_write(&s.db).await?;
    let locked = share::Entity::update_many()
        .col_expr(share::Column::Status, Expr::value(ShareStatus::Locked.key()))
        .filter(share::Column::Id.eq(&ctx.share.id))
        .filter(share::Column::FailedAttempts.gte(limit))
        .filter(share::Column::Status.is_not_in(CLOSED_STATUSES.map(ShareStatus::key)))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    let failures =
        share::Entity::find_by_id(ctx.share.id.clone()).one(&txn).await?.map(|r| r.failed_attempts).unwrap_or(i32::MAX);
    ctx.audit(&txn, c, "portal.verify_failed", json!({ "method": method.key(), "failures": failures })).await?;
    if locked {
        ctx.audit(&txn, c, "share.locked", json!({ "failures": failures })).await?;
        tell_sender(s, &txn, &ctx, ShareEvent::Locked, true).await?;
    }
    txn.commit().await?;
    if failures >= limit {
        return Ok(closed_page(&ctx, Closed::Locked));
    }
    let left = limit - failures;
    let what = match method {
        VerifyMethod::Sms | VerifyMethod::Voice => "That code is not right.",
        VerifyMethod::Passcode => "That passcode is not right.",
        VerifyMethod::DateOfBirth => "That date of birth does not match.",
        VerifyMethod::LinkOnly => "That did not work.",
    };
    let msg = format!("{what} You have {left} {} left.", if left == 1 { "attempt" } else { "attempts" });
    verify_page(s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Some(msg), None).await
}

/// An in-app notification for the sender, and an email when `email` (always for locks;
/// for the first open when the sender asked for it).
async fn tell_sender<C: ConnectionTrait>(
    s: &AppState,
    db: &C,
    ctx: &Ctx,
    event: ShareEvent,
    email: bool,
) -> Result<(), ServerError> {
    let kind = match event {
        ShareEvent::Opened => NotificationKind::ShareOpened,
        ShareEvent::Locked => NotificationKind::ShareLocked,
    };
    crate::delivery::notifications::notify_sender(db, &ctx.share, kind).await?;
    if email {
        if let Some(sender) = staff::Entity::find_by_id(ctx.share.sender_id.clone()).one(db).await? {
            let link = format!("{}/app/clients/{}/shared", s.cfg.public_base(), ctx.share.client_id);
            let mail = emails::share_event(&sender, &ctx.share.recipient_name, event, &link);
            mail::enqueue(db, &s.keys, &ctx.share.practice_id, &kind.to_value(), &mail).await?;
        }
    }
    Ok(())
}

/// `POST /portal/refresh`: emails a fresh link in place of an aged one.
pub async fn refresh_link(State(state): State<AppState>, caller: Caller) -> Reply {
    let (s, c) = (&state, &caller);
    let Some(ctx) = from_link(s, &c.headers).await? else { return Ok(invalid()) };
    let now = Utc::now();
    if let Some(why) = closed(&ctx.share, now) {
        return Ok(closed_page(&ctx, why));
    }
    if !aged(s, &ctx, now).await? {
        return Ok(redirect("/portal"));
    }
    let token = crypto::random_token();
    let sender = staff::Entity::find_by_id(ctx.share.sender_id.clone())
        .one(&s.db)
        .await?
        .map(|p| p.display_name)
        .unwrap_or_default();
    let link = format!("{}/s/{token}", s.cfg.public_base());
    let expires = expires_label(ctx.share.expires_at.date_naive());
    let mail = render_email(
        &ctx.settings,
        &ctx.share.recipient_email,
        &TemplateValues {
            recipient_name: &ctx.share.recipient_name,
            practice_name: &ctx.practice.name,
            sender_name: &sender,
            expires: &expires,
            link: &link,
            message: "",
        },
        None,
    )
    .await?;
    let txn = crate::platform::db::begin_write(&s.db).await?;
    // Only the holder of the current link can renew it, once per ageing period.
    let swapped = share::Entity::update_many()
        .col_expr(share::Column::TokenHash, Expr::value(crypto::token_hash(&token)))
        .col_expr(share::Column::LinkIssuedAt, Expr::value(now))
        .filter(share::Column::Id.eq(&ctx.share.id))
        .filter(share::Column::TokenHash.eq(&ctx.share.token_hash))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if swapped {
        let outbox = mail::enqueue(&txn, &s.keys, &ctx.share.practice_id, "share_link_renewed", &mail).await?;
        ctx.audit(&txn, c, "share.link_renewed", json!({ "outbox": outbox })).await?;
    }
    txn.commit().await?;
    let brand = ctx.brand();
    Ok(with_cookies(
        page(StatusCode::OK, "Check your email", move || view! { <LinkRenewedPage brand/> }),
        vec![session::set_cookie(&s.cfg, link_cookie(s), "", Some(0))],
    ))
}

async fn documents_list(s: &AppState, ctx: &Ctx, clock: SessionClock) -> Reply {
    let docs = share_document::Entity::find()
        .filter(share_document::Column::ShareId.eq(&ctx.share.id))
        .order_by_asc(share_document::Column::Position)
        .all(&s.db)
        .await?
        .into_iter()
        .map(|d| {
            let kind = document_kind(&d.kind);
            PortalDoc {
                id: d.document_id,
                title: d.title,
                kind: kind.label().to_owned(),
                date: d.doc_date,
                file: kind.is_file(),
            }
        })
        .collect();
    let brand = ctx.brand();
    let recipient = ctx.share.recipient_name.clone();
    let expires = expires_label(ctx.share.expires_at.date_naive());
    Ok(page(StatusCode::OK, "Your documents", move || view! { <DocumentsPage brand recipient expires docs clock/> }))
}

/// A shared document of the verified session's share, opened.
struct Opened {
    ctx: Ctx,
    clock: SessionClock,
    row: share_document::Model,
    body: DocumentBody,
}

async fn open_document(
    s: &AppState,
    c: &Caller,
    doc_id: &str,
    action: &str,
    format: &str,
) -> Result<Result<Opened, Response>, ServerError> {
    let (ctx, clock) = match verified(s, &c.headers).await? {
        Verified::Live(ctx, clock) => (ctx, clock),
        Verified::Closed(ctx, why) => return Ok(Err(closed_page(&ctx, why))),
        Verified::Ended | Verified::None => return Ok(Err(redirect("/portal"))),
    };
    let Some(row) = share_document::Entity::find_by_id((ctx.share.id.clone(), doc_id.to_owned())).one(&s.db).await?
    else {
        return Ok(Err(page(StatusCode::NOT_FOUND, "Not found", || view! { <LinkInvalidPage/> })));
    };
    let dek = s
        .keys
        .unwrap_key(&ctx.share.wrapped_key, &format!("share:{}:dek", ctx.share.id))
        .ok_or_else(|| ServerError::fault("share key does not unwrap"))?;
    let plain = crypto::open_with(&dek, &row.snapshot, &format!("share:{}:doc:{}", ctx.share.id, row.document_id))
        .ok_or_else(|| ServerError::fault("snapshot does not decrypt"))?;
    let body: DocumentBody = serde_json::from_slice(&plain)?;
    let txn = crate::platform::db::begin_write(&s.db).await?;
    share::Entity::update_many()
        .col_expr(share::Column::ViewCount, Expr::col(share::Column::ViewCount).add(1))
        .col_expr(share::Column::LastViewedAt, Expr::value(Utc::now()))
        .filter(share::Column::Id.eq(&ctx.share.id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        &ctx.share.practice_id,
        &ctx.actor(),
        action,
        Some(&ctx.share.id),
        &c.origin(),
        json!({ "document": row.document_id, "format": format }),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(Opened { ctx, clock, row, body }))
}

/// `GET /portal/d/{id}`: one document as HTML.
pub async fn view_document(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> Reply {
    let o = match open_document(&s, &c, &id, "portal.viewed", "html").await? {
        Ok(o) => o,
        Err(r) => return Ok(r),
    };
    let brand = o.ctx.brand();
    let kind = document_kind(&o.row.kind).label().to_owned();
    let (title, date, body, id) = (o.row.title.clone(), o.row.doc_date.clone(), o.body, o.row.document_id.clone());
    let (t, clock) = (title.clone(), o.clock);
    Ok(page(StatusCode::OK, &t, move || view! { <DocumentViewPage brand id title kind date body clock/> }))
}

fn download(media_type: &str, name: &str, bytes: Vec<u8>) -> Response {
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", safe.trim()))
        .unwrap_or(HeaderValue::from_static("attachment"));
    let ct = HeaderValue::from_str(media_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    ([(header::CONTENT_TYPE, ct), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

/// `GET /portal/d/{id}/pdf`: the shared document as PDF, watermarked with the recipient,
/// the share and the time.
pub async fn document_pdf(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> Reply {
    let o = match open_document(&s, &c, &id, "portal.downloaded", "pdf").await? {
        Ok(o) => o,
        Err(r) => return Ok(r),
    };
    let sh = &o.ctx.share;
    let client = client::Entity::find_by_id(sh.client_id.clone()).one(&s.db).await?;
    let client_name = client.map(|c| format!("{} {}", c.first_name, c.last_name)).unwrap_or_default();
    let author = match document::Entity::find_by_id(o.row.document_id.clone()).one(&s.db).await? {
        Some(d) => staff::Entity::find_by_id(d.author_id).one(&s.db).await?.map(|a| a.display_name),
        None => None,
    }
    .unwrap_or_default();
    let watermark = format!(
        "Shared with {} - share {} - {}",
        sh.recipient_name,
        &sh.id[sh.id.len() - 12..],
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    let meta = crate::platform::pdf::PdfMeta {
        practice: &o.ctx.practice.name,
        title: &o.row.title,
        kind: document_kind(&o.row.kind),
        client_name: &client_name,
        date: &o.row.doc_date,
        author: &author,
        watermark: Some(&watermark),
    };
    let pdf = crate::platform::pdf::render(&meta, &o.body).map_err(ServerError::fault)?;
    Ok(download("application/pdf", &format!("{}.pdf", o.row.title), pdf))
}

/// `GET /portal/d/{id}/file`: an uploaded file (lab result, other file) as it was uploaded.
pub async fn document_file(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> Reply {
    let o = match open_document(&s, &c, &id, "portal.downloaded", "original").await? {
        Ok(o) => o,
        Err(r) => return Ok(r),
    };
    let d = document::Entity::find_by_id(o.row.document_id.clone()).one(&s.db).await?.ok_or(AppError::NotFound)?;
    let f = document_file::Entity::find_by_id(d.id.clone()).one(&s.db).await?.ok_or(AppError::NotFound)?;
    let bytes = crate::platform::vault::open_file(&s.keys, &d, &f.ciphertext)?;
    Ok(download(&f.media_type, &f.file_name, bytes))
}

/// `POST /portal/keepalive`: the idle warning's "Stay signed in". Reading a live session
/// is what extends it (as any portal request does); 204 while it lives, 401 once it has
/// ended (the island then shows `/portal`, which says why).
pub async fn keepalive(State(s): State<AppState>, c: Caller) -> Reply {
    Ok(match verified(&s, &c.headers).await? {
        Verified::Live(..) => StatusCode::NO_CONTENT,
        _ => StatusCode::UNAUTHORIZED,
    }
    .into_response())
}

/// `POST /portal/signout`.
pub async fn signout(State(s): State<AppState>, c: Caller) -> Reply {
    let mut brand = None;
    if let Some(raw) = session::read_cookie(&c.headers, portal_cookie(&s)) {
        let id = crypto::token_hash(&raw);
        if let Some(sess) = portal_session::Entity::find_by_id(id.clone()).one(&s.db).await? {
            end_session(&s.db, &id).await?;
            if let Some(sh) = share::Entity::find_by_id(sess.share_id).one(&s.db).await? {
                let ctx = load_ctx(&s, sh).await?;
                ctx.audit(&s.db, &c, "portal.signed_out", json!({})).await?;
                brand = Some(ctx.brand());
            }
        }
    }
    Ok(with_cookies(
        page(StatusCode::OK, "Signed out", move || view! { <SignedOutPage brand/> }),
        vec![session::set_cookie(&s.cfg, portal_cookie(&s), "", Some(0))],
    ))
}
