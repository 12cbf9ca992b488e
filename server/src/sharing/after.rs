//! After sharing: the Shared tab and a document's sharing history, the actions on a share
//! (revoke one or all, extend, resend the link, unlock), the sender's notifications, and
//! the background sweep that expires shares and reminds senders.
//!
//! Every action checks the share permission and access to the share's client on the
//! server, changes the share with a conditional update (safe with several instances),
//! ends the recipient's portal sessions where access is taken away, and is audited.
use app::{
    domain::{
        Permission,
        sharing::{Delivery, DeliveryIssue, NotificationRow, ShareFilter, ShareRow, ShareStatus, check_expiry},
    },
    dto::{LIST_PAGE, Page},
    error::AppError,
    ports::StaffPrincipal,
};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, sea_query::Expr,
};
use serde_json::json;
use std::collections::HashMap;

use crate::{
    delivery::mail,
    delivery::templates::{TemplateValues, expires_label, load_settings, render_email},
    platform::audit::{self, Actor, Origin},
    platform::crypto,
    platform::entities::{
        OutboxStatus, client, client_contact, notification, notification::NotificationKind, outbox_email, share,
        share_code, share_document, staff,
    },
    platform::error::ServerError,
    records::access::find_visible,
    records::access::find_visible_document,
    state::Services,
    web::caller::current_origin,
    web::session::end_portal_sessions,
};

const LIVE: [ShareStatus; 4] = [ShareStatus::Queued, ShareStatus::Sent, ShareStatus::Opened, ShareStatus::Locked];

/// The share `id` if `p` may act on it: the share permission and access to its client.
/// Anything else is "not found", exactly like a share that does not exist.
async fn find_share<C: ConnectionTrait>(db: &C, p: &StaffPrincipal, id: &str) -> Result<share::Model, ServerError> {
    p.require(Permission::ShareDocuments)?;
    let sh = share::Entity::find_by_id(id.to_owned())
        .filter(share::Column::PracticeId.eq(p.practice_id()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    find_visible(db, p, &sh.client_id).await?;
    Ok(sh)
}

fn status_of(sh: &share::Model) -> ShareStatus {
    sh.effective_status(Utc::now())
}

/// Rows for staff: documents' titles, the sender's name, labels.
async fn rows<C: ConnectionTrait>(
    db: &C,
    p: &StaffPrincipal,
    shares: Vec<share::Model>,
) -> Result<Vec<ShareRow>, ServerError> {
    let can_act = p.can(Permission::ShareDocuments);
    let tz = crate::platform::zone::of_practice(db, p.practice_id()).await?;
    let ids: Vec<String> = shares.iter().map(|s| s.id.clone()).collect();
    let mut titles: HashMap<String, Vec<String>> = HashMap::new();
    // Only the titles: never the sealed snapshots.
    let docs: Vec<(String, String)> = share_document::Entity::find()
        .select_only()
        .column(share_document::Column::ShareId)
        .column(share_document::Column::Title)
        .filter(share_document::Column::ShareId.is_in(ids))
        .order_by_asc(share_document::Column::Position)
        .into_tuple()
        .all(db)
        .await?;
    for (share_id, title) in docs {
        titles.entry(share_id).or_default().push(title);
    }
    // The callers read only shares of clients the reader may see (of one practice).
    let practice = shares.first().map(|s| s.practice_id.clone()).unwrap_or_default();
    let clients =
        crate::records::access::client_names(db, &practice, shares.iter().map(|s| s.client_id.clone())).await?;
    let senders: Vec<String> = shares.iter().map(|s| s.sender_id.clone()).collect();
    let names = staff::display_names(db, staff::Column::Id.is_in(senders)).await?;
    let relation_ids: Vec<String> =
        shares.iter().filter(|s| s.recipient_kind == "relation").filter_map(|s| s.recipient_ref.clone()).collect();
    let relations: HashMap<String, String> = client_contact::Entity::find()
        .filter(client_contact::Column::Id.is_in(relation_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.relationship))
        .collect();
    // The link emails that did not go through at once (retrying or given up). Only shares
    // still queued or failed can have one, and only the columns that tell are read (never
    // the sealed message).
    let pending: Vec<String> = shares
        .iter()
        .filter(|s| matches!(status_of(s), ShareStatus::Queued | ShareStatus::Failed))
        .map(|s| s.id.clone())
        .collect();
    let mut issues: HashMap<String, DeliveryIssue> = HashMap::new();
    if !pending.is_empty() {
        let emails: Vec<(Option<String>, OutboxStatus, i32, chrono::DateTime<Utc>)> = outbox_email::Entity::find()
            .select_only()
            .columns([
                outbox_email::Column::ShareId,
                outbox_email::Column::Status,
                outbox_email::Column::Attempts,
                outbox_email::Column::NextAttemptAt,
            ])
            .filter(outbox_email::Column::ShareId.is_in(pending))
            .order_by_asc(outbox_email::Column::CreatedAt)
            .into_tuple()
            .all(db)
            .await?;
        for (share_id, status, tries, next) in emails {
            let Some(share_id) = share_id else { continue };
            // The newest email of the share (a resend replaces the first) is the one that counts.
            match status {
                OutboxStatus::Failed => issues.insert(share_id, DeliveryIssue::GivenUp { tries }),
                OutboxStatus::Queued if tries > 0 => issues.insert(
                    share_id,
                    DeliveryIssue::Delayed { tries, next_try_at: crate::platform::zone::rfc3339(next, tz) },
                ),
                _ => issues.remove(&share_id),
            };
        }
    }
    Ok(shares
        .into_iter()
        .map(|s| {
            let status = status_of(&s);
            let delivery_issue = issues.remove(&s.id);
            let kind = match s.recipient_kind.as_str() {
                "client" => "The client".to_owned(),
                "relation" => s
                    .recipient_ref
                    .as_ref()
                    .and_then(|r| relations.get(r).cloned())
                    .unwrap_or_else(|| "Client's contact".into()),
                "contact" => "Contact book".to_owned(),
                _ => "Typed in".to_owned(),
            };
            let method = match (s.delivered_by(), s.verify_method()) {
                (Delivery::Attachment, _) => "None (attachment)".to_owned(),
                (Delivery::Link, Some(m)) => m.label().to_owned(),
                (Delivery::Link, None) => s.method.clone(),
            };
            let purpose = app::domain::sharing::Purpose::from_key(&s.purpose).map(|p| p.label()).unwrap_or("Other");
            ShareRow {
                delivery: s.delivered_by().label().to_owned(),
                documents: titles.remove(&s.id).unwrap_or_default(),
                recipient_name: s.recipient_name,
                recipient_email: s.recipient_email,
                recipient_kind: kind,
                method,
                purpose: if s.purpose_text.is_empty() {
                    purpose.to_owned()
                } else {
                    format!("{purpose}: {}", s.purpose_text)
                },
                sender: names.get(&s.sender_id).cloned().unwrap_or_default(),
                sent_at: crate::platform::zone::rfc3339(s.created_at, tz),
                expires_on: s.expires_at.date_naive().format("%Y-%m-%d").to_string(),
                status,
                views: s.view_count,
                last_viewed_at: s.last_viewed_at.map(|t| crate::platform::zone::rfc3339(t, tz)),
                failed_attempts: s.failed_attempts,
                delivery_issue,
                can_act,
                client_name: clients.get(&s.client_id).cloned().unwrap_or_default(),
                client_id: s.client_id,
                id: s.id,
            }
        })
        .collect())
}

pub async fn list_client_shares(
    svc: &Services,
    p: &StaffPrincipal,
    client_id: &str,
    status: Option<ShareStatus>,
) -> Result<Vec<ShareRow>, ServerError> {
    let db = &svc.s.db;
    let c = find_visible(db, p, client_id).await?;
    let shares = share::Entity::find()
        .filter(share::Column::PracticeId.eq(p.practice_id()))
        .filter(share::Column::ClientId.eq(&c.id))
        .order_by_desc(share::Column::CreatedAt)
        .limit(1000)
        .all(db)
        .await?;
    let mut out = rows(db, p, shares).await?;
    if let Some(want) = status {
        out.retain(|r| r.status == want);
    }
    Ok(out)
}

/// The condition for shares that show `status` now (the stored status, with live shares
/// past their expiry counting as expired).
fn status_is(status: ShareStatus, now: DateTime<Utc>) -> Condition {
    let live_now = |key: &str| {
        Condition::all().add(share::Column::Status.eq(key.to_owned())).add(share::Column::ExpiresAt.gt(now))
    };
    match status {
        ShareStatus::Queued | ShareStatus::Sent | ShareStatus::Opened | ShareStatus::Locked => live_now(status.key()),
        ShareStatus::Expired => Condition::any().add(share::Column::Status.eq(ShareStatus::Expired.key())).add(
            Condition::all()
                .add(share::Column::Status.is_in(LIVE.map(ShareStatus::key)))
                .add(share::Column::ExpiresAt.lte(now)),
        ),
        ShareStatus::Revoked | ShareStatus::Failed => Condition::all().add(share::Column::Status.eq(status.key())),
    }
}

/// What needs someone: locked shares, deliveries given up (both while the share would
/// still run), and shares not opened yet that expire within a day.
fn needs_attention(now: DateTime<Utc>) -> Condition {
    Condition::all().add(share::Column::ExpiresAt.gt(now)).add(
        Condition::any().add(share::Column::Status.is_in([ShareStatus::Locked.key(), ShareStatus::Failed.key()])).add(
            Condition::all()
                .add(share::Column::Status.is_in([ShareStatus::Queued.key(), ShareStatus::Sent.key()]))
                .add(share::Column::ExpiresAt.lte(now + chrono::Duration::days(1))),
        ),
    )
}

fn day(field: &str, raw: &str) -> Result<Option<NaiveDate>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| AppError::invalid(field, "Enter a date like 2026-10-20."))
}

pub async fn list_shares(svc: &Services, p: &StaffPrincipal, f: &ShareFilter) -> Result<Page<ShareRow>, ServerError> {
    let db = &svc.s.db;
    let now = Utc::now();
    let mut q = share::Entity::find().filter(share::Column::PracticeId.eq(p.practice_id()));
    // The access rule: only shares of clients the caller may see.
    if let Some(visible) = crate::records::access::rows_visible_to(p, (share::Entity, share::Column::ClientId)) {
        q = q.filter(visible);
    }
    if f.mine {
        q = q.filter(share::Column::SenderId.eq(p.staff_id()));
    }
    let since = day("since", &f.since)?;
    let until = day("until", &f.until)?;
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        return Err(AppError::invalid("until", "The end date is before the start date.").into());
    }
    if let Some(d) = since {
        q = q.filter(share::Column::CreatedAt.gte(d.and_time(NaiveTime::MIN).and_utc()));
    }
    if let Some(d) = until {
        q = q.filter(share::Column::CreatedAt.lt((d + chrono::Duration::days(1)).and_time(NaiveTime::MIN).and_utc()));
    }
    if let Some(status) = f.status {
        q = q.filter(status_is(status, now));
    }
    if f.attention {
        q = q.filter(needs_attention(now));
    }
    if let Some(cursor) = &f.after {
        let bad = || AppError::invalid("after", "That page of the list is no longer valid: start again.");
        let (t, id) = cursor.split_once('|').ok_or_else(bad)?;
        let t = DateTime::parse_from_rfc3339(t).map_err(|_| bad())?.with_timezone(&Utc);
        q = q.filter(
            Condition::any()
                .add(share::Column::CreatedAt.lt(t))
                .add(Condition::all().add(share::Column::CreatedAt.eq(t)).add(share::Column::Id.lt(id.to_owned()))),
        );
    }
    // The page's ids first, from an index alone (`ix_share_practice_created`,
    // `ix_share_sender_created`, or `ix_share_status_cover` when filtering by state, which
    // finds its candidates out of order), then only those rows: sorting a thousand ids is
    // cheap, reading and sorting a thousand whole rows was not (migration 000024).
    let page = q
        .select_only()
        .column(share::Column::Id)
        .order_by_desc(share::Column::CreatedAt)
        .order_by_desc(share::Column::Id)
        .limit(LIST_PAGE + 1)
        .into_query();
    let mut shares = share::Entity::find()
        .filter(share::Column::Id.in_subquery(page))
        .order_by_desc(share::Column::CreatedAt)
        .order_by_desc(share::Column::Id)
        .all(db)
        .await?;
    let has_more = shares.len() as u64 > LIST_PAGE;
    shares.truncate(LIST_PAGE as usize);
    Ok(Page { items: rows(db, p, shares).await?, has_more })
}

pub async fn document_shares(
    svc: &Services,
    p: &StaffPrincipal,
    document_id: &str,
) -> Result<Vec<ShareRow>, ServerError> {
    let db = &svc.s.db;
    let d = find_visible_document(db, p, document_id).await?;
    let ids: Vec<String> = share_document::Entity::find()
        .select_only()
        .column(share_document::Column::ShareId)
        .filter(share_document::Column::DocumentId.eq(&d.id))
        .into_tuple()
        .all(db)
        .await?;
    let shares = share::Entity::find()
        .filter(share::Column::Id.is_in(ids))
        .filter(share::Column::PracticeId.eq(p.practice_id()))
        .order_by_desc(share::Column::CreatedAt)
        .all(db)
        .await?;
    rows(db, p, shares).await
}

/// Marks one share revoked and ends its sessions (in the caller's transaction).
async fn revoke_one<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    p: &StaffPrincipal,
    id: &str,
    origin: &Origin,
    bulk: bool,
) -> Result<bool, ServerError> {
    let now = Utc::now();
    let done = share::Entity::update_many()
        .col_expr(share::Column::Status, Expr::value(ShareStatus::Revoked.key()))
        .col_expr(share::Column::RevokedAt, Expr::value(now))
        .filter(share::Column::Id.eq(id))
        .filter(share::Column::Status.ne(ShareStatus::Revoked.key()))
        .exec(db)
        .await?
        .rows_affected
        == 1;
    if done {
        end_portal_sessions(db, id).await?;
        audit::by_staff(db, p, "share.revoked", Some(id), origin, json!({ "all_of_client": bulk })).await?;
    }
    Ok(done)
}

pub async fn revoke_share(svc: &Services, p: &StaffPrincipal, id: &str) -> Result<(), ServerError> {
    let sh = find_share(&svc.s.db, p, id).await?;
    if sh.stored_status() == ShareStatus::Revoked {
        return Err(AppError::invalid("share_id", "This share is already revoked.").into());
    }
    let txn = crate::platform::db::begin_write(&svc.s.db).await?;
    revoke_one(&txn, p, &sh.id, &current_origin(&svc.s), false).await?;
    txn.commit().await?;
    Ok(())
}

/// At most this many shares in one bulk revoke (two pages of the list).
const MAX_BULK: usize = 100;

pub async fn revoke_shares(svc: &Services, p: &StaffPrincipal, ids: &[String]) -> Result<u64, ServerError> {
    p.require(Permission::ShareDocuments)?;
    if ids.is_empty() {
        return Err(AppError::invalid("share_ids", "Choose the shares to revoke.").into());
    }
    if ids.len() > MAX_BULK {
        return Err(AppError::invalid("share_ids", format!("Revoke at most {MAX_BULK} shares at once.")).into());
    }
    let origin = current_origin(&svc.s);
    let txn = crate::platform::db::begin_write(&svc.s.db).await?;
    // Each is checked (permission, access to its client): one the caller may not act on
    // stops the whole request, and nothing is revoked.
    let mut n = 0;
    for id in ids {
        let sh = find_share(&txn, p, id).await?;
        if sh.stored_status() != ShareStatus::Revoked && revoke_one(&txn, p, &sh.id, &origin, false).await? {
            n += 1;
        }
    }
    txn.commit().await?;
    Ok(n)
}

pub async fn revoke_client_shares(svc: &Services, p: &StaffPrincipal, client_id: &str) -> Result<u64, ServerError> {
    p.require(Permission::ShareDocuments)?;
    let db = &svc.s.db;
    let c = find_visible(db, p, client_id).await?;
    let origin = current_origin(&svc.s);
    let txn = crate::platform::db::begin_write(db).await?;
    let ids: Vec<String> = share::Entity::find()
        .select_only()
        .column(share::Column::Id)
        .filter(share::Column::PracticeId.eq(p.practice_id()))
        .filter(share::Column::ClientId.eq(&c.id))
        .filter(share::Column::Status.is_in(LIVE.map(ShareStatus::key)))
        .into_tuple()
        .all(&txn)
        .await?;
    let mut n = 0;
    for id in &ids {
        if revoke_one(&txn, p, id, &origin, true).await? {
            n += 1;
        }
    }
    audit::by_staff(&txn, p, "share.revoked_all", Some(&c.id), &origin, json!({ "revoked": n })).await?;
    txn.commit().await?;
    Ok(n)
}

pub async fn extend_share(svc: &Services, p: &StaffPrincipal, id: &str, expires_on: &str) -> Result<(), ServerError> {
    let db = &svc.s.db;
    let sh = find_share(db, p, id).await?;
    if matches!(sh.stored_status(), ShareStatus::Revoked | ShareStatus::Failed) {
        return Err(
            AppError::invalid("expires_on", "A revoked or undelivered share cannot be extended: share again.").into()
        );
    }
    let settings = load_settings(db, p.practice_id()).await?;
    let day = check_expiry(expires_on, Utc::now().date_naive(), settings.max_expiry_days)?;
    let at = day.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("valid")).and_utc();
    let back_to = if sh.opened_at.is_some() { ShareStatus::Opened } else { ShareStatus::Sent }.key();
    let txn = crate::platform::db::begin_write(db).await?;
    let mut q = share::Entity::update_many()
        .col_expr(share::Column::ExpiresAt, Expr::value(at))
        .col_expr(share::Column::RemindedAt, Expr::value(Option::<chrono::DateTime<Utc>>::None))
        .filter(share::Column::Id.eq(&sh.id))
        .filter(share::Column::Status.ne(ShareStatus::Revoked.key()));
    if sh.stored_status() == ShareStatus::Expired {
        q = q.col_expr(share::Column::Status, Expr::value(back_to));
    }
    q.exec(&txn).await?;
    audit::by_staff(
        &txn,
        p,
        "share.extended",
        Some(&sh.id),
        &current_origin(&svc.s),
        json!({ "from": sh.expires_at.to_rfc3339(), "to": at.to_rfc3339() }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn resend_share(svc: &Services, p: &StaffPrincipal, id: &str) -> Result<(), ServerError> {
    let s = &svc.s;
    let sh = find_share(&s.db, p, id).await?;
    if sh.delivered_by() != Delivery::Link {
        return Err(AppError::invalid("share_id", "Attachments cannot be sent again: share again instead.").into());
    }
    match status_of(&sh) {
        ShareStatus::Revoked => {
            return Err(AppError::invalid("share_id", "This share is revoked: share again instead.").into());
        }
        ShareStatus::Expired => {
            return Err(AppError::invalid("share_id", "This share has expired: extend it first.").into());
        }
        ShareStatus::Locked => {
            return Err(AppError::invalid("share_id", "This share is locked: unlock it first.").into());
        }
        _ => {}
    }
    let settings = load_settings(&s.db, p.practice_id()).await?;
    let practice = crate::platform::entities::practice::Entity::find_by_id(sh.practice_id.clone())
        .one(&s.db)
        .await?
        .ok_or_else(|| ServerError::fault("practice missing"))?;
    let sender =
        staff::Entity::find_by_id(sh.sender_id.clone()).one(&s.db).await?.map(|x| x.display_name).unwrap_or_default();
    let message = sh
        .message
        .as_deref()
        .and_then(|m| s.keys.open(m, &format!("share:{}:message", sh.id)))
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let token = crypto::random_token();
    let link = format!("{}/s/{token}", s.cfg.public_base());
    let mail = render_email(
        &settings,
        &sh.recipient_email,
        &TemplateValues {
            recipient_name: &sh.recipient_name,
            practice_name: &practice.name,
            sender_name: &sender,
            expires: &expires_label(sh.expires_at.date_naive()),
            link: &link,
            message: &message,
        },
        None,
    )
    .await?;
    let origin = current_origin(s);
    let txn = crate::platform::db::begin_write(&s.db).await?;
    let mut q = share::Entity::update_many()
        .col_expr(share::Column::TokenHash, Expr::value(crypto::token_hash(&token)))
        .col_expr(share::Column::LinkIssuedAt, Expr::value(Utc::now()))
        .filter(share::Column::Id.eq(&sh.id))
        .filter(share::Column::TokenHash.eq(&sh.token_hash));
    if sh.stored_status() == ShareStatus::Failed {
        q = q.col_expr(share::Column::Status, Expr::value(ShareStatus::Queued.key()));
    }
    if q.exec(&txn).await?.rows_affected != 1 {
        return Err(AppError::Conflict("The share changed meanwhile: reload and try again.".into()).into());
    }
    // A new decision about the share: sessions opened with the old link end, as on revoke.
    end_portal_sessions(&txn, &sh.id).await?;
    let outbox = mail::enqueue_for_share(&txn, &s.keys, &sh.practice_id, &sh.id, &mail).await?;
    audit::by_staff(&txn, p, "share.resent", Some(&sh.id), &origin, json!({ "outbox": outbox })).await?;
    audit::by_staff(&txn, p, "email.queued", Some(&sh.id), &origin, json!({ "outbox": outbox })).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn unlock_share(svc: &Services, p: &StaffPrincipal, id: &str) -> Result<(), ServerError> {
    let db = &svc.s.db;
    let sh = find_share(db, p, id).await?;
    if sh.stored_status() != ShareStatus::Locked {
        return Err(AppError::invalid("share_id", "This share is not locked.").into());
    }
    let back_to = if sh.opened_at.is_some() { ShareStatus::Opened } else { ShareStatus::Sent }.key();
    let txn = crate::platform::db::begin_write(db).await?;
    share::Entity::update_many()
        .col_expr(share::Column::Status, Expr::value(back_to))
        .col_expr(share::Column::FailedAttempts, Expr::value(0))
        .filter(share::Column::Id.eq(&sh.id))
        .filter(share::Column::Status.eq(ShareStatus::Locked.key()))
        .exec(&txn)
        .await?;
    // Codes sent before the lock are void.
    share_code::Entity::update_many()
        .col_expr(share_code::Column::UsedAt, Expr::value(Utc::now()))
        .filter(share_code::Column::ShareId.eq(&sh.id))
        .filter(share_code::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    audit::by_staff(
        &txn,
        p,
        "share.unlocked",
        Some(&sh.id),
        &current_origin(&svc.s),
        json!({ "failures": sh.failed_attempts }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn notifications(svc: &Services, p: &StaffPrincipal) -> Result<Vec<NotificationRow>, ServerError> {
    let db = &svc.s.db;
    let tz = crate::platform::zone::of_practice(db, p.practice_id()).await?;
    let list = notification::Entity::find()
        .filter(notification::Column::StaffId.eq(p.staff_id()))
        .filter(notification::Column::PracticeId.eq(p.practice_id()))
        .order_by_desc(notification::Column::CreatedAt)
        .limit(30)
        .all(db)
        .await?;
    let ids: Vec<String> = list.iter().filter_map(|n| n.share_id.clone()).collect();
    let shares: HashMap<String, share::Model> = share::Entity::find()
        .filter(share::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    // The client (only one the reader may still see) and the documents, so the line says
    // what it is about without opening it.
    let client_ids: Vec<String> = shares.values().map(|s| s.client_id.clone()).collect();
    let clients: HashMap<String, String> = client::Entity::find()
        .filter(client::Column::Id.is_in(client_ids))
        .filter(crate::records::access::visible_to(p))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, format!("{} {}", c.first_name, c.last_name)))
        .collect();
    let mut titles: HashMap<String, Vec<String>> = HashMap::new();
    // Only the titles: never the sealed snapshots.
    let rows: Vec<(String, String)> = share_document::Entity::find()
        .select_only()
        .column(share_document::Column::ShareId)
        .column(share_document::Column::Title)
        .filter(share_document::Column::ShareId.is_in(shares.keys().cloned().collect::<Vec<_>>()))
        .filter(share_document::Column::PracticeId.eq(p.practice_id()))
        .order_by_asc(share_document::Column::Position)
        .into_tuple()
        .all(db)
        .await?;
    for (share_id, title) in rows {
        titles.entry(share_id).or_default().push(title);
    }
    Ok(list
        .into_iter()
        .map(|n| {
            let sh = n.share_id.as_ref().and_then(|id| shares.get(id));
            let who = sh.map(|s| s.recipient_name.clone()).unwrap_or_else(|| "A recipient".into());
            let what = sh.map(|s| about(&who, clients.get(&s.client_id), titles.get(&s.id))).unwrap_or_default();
            let text = match n.kind {
                NotificationKind::ShareOpened => format!("{who} opened {what}."),
                NotificationKind::ShareLocked => {
                    format!("A share with {who} ({what}) was locked after too many failed attempts.")
                }
                NotificationKind::ShareExpiring => {
                    format!("Your share with {who} ({what}) expires within a day and has not been opened.")
                }
            };
            NotificationRow {
                id: n.id,
                text,
                href: sh.map(|s| format!("/app/clients/{}/shared", s.client_id)).unwrap_or_else(|| "/app".into()),
                at: crate::platform::zone::rfc3339(n.created_at, tz),
                at_label: crate::platform::zone::day_time(n.created_at, tz),
                read: n.read_at.is_some(),
            }
        })
        .collect())
}

/// What a share was: "Amelia Thompson’s “Intake form” and 2 more documents" ("their …"
/// when the recipient is the client), or "the documents you shared" when the client is not
/// (or no longer) visible to the reader.
fn about(recipient: &str, client: Option<&String>, titles: Option<&Vec<String>>) -> String {
    let docs = match titles.map(Vec::as_slice).unwrap_or_default() {
        [] => "documents".to_owned(),
        [one] => format!("“{one}”"),
        [first, rest @ ..] => {
            format!("“{first}” and {} more document{}", rest.len(), if rest.len() == 1 { "" } else { "s" })
        }
    };
    match client {
        Some(name) if name == recipient => format!("their {docs}"),
        Some(name) => format!("{name}’s {docs}"),
        None => "the documents you shared".to_owned(),
    }
}

pub async fn mark_notifications_read(svc: &Services, p: &StaffPrincipal) -> Result<(), ServerError> {
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notification::Column::StaffId.eq(p.staff_id()))
        .filter(notification::Column::ReadAt.is_null())
        .exec(&svc.s.db)
        .await?;
    Ok(())
}

/// One pass of the sweep: expires shares past their date (ending their sessions), and
/// tells senders about shares that expire within a day unopened. Conditional updates make
/// it safe to run on every instance at once. Returns (expired, reminded).
pub async fn sweep_once(db: &DatabaseConnection) -> Result<(usize, usize), DbErr> {
    let now = Utc::now();
    let due: Vec<(String, String)> = share::Entity::find()
        .select_only()
        .column(share::Column::Id)
        .column(share::Column::PracticeId)
        .filter(share::Column::Status.is_in(LIVE.map(ShareStatus::key)))
        .filter(share::Column::ExpiresAt.lte(now))
        .limit(500)
        .into_tuple()
        .all(db)
        .await?;
    let mut expired = 0;
    for (id, practice_id) in due {
        let txn = crate::platform::db::begin_write(db).await?;
        let n = share::Entity::update_many()
            .col_expr(share::Column::Status, Expr::value(ShareStatus::Expired.key()))
            .filter(share::Column::Id.eq(&id))
            .filter(share::Column::Status.is_in(LIVE.map(ShareStatus::key)))
            .exec(&txn)
            .await?
            .rows_affected;
        if n == 1 {
            end_portal_sessions(&txn, &id).await?;
            audit::append(
                &txn,
                &practice_id,
                &Actor::System,
                "share.expired",
                Some(&id),
                &Origin::default(),
                json!({}),
            )
            .await?;
            expired += 1;
        }
        txn.commit().await?;
    }
    let soon: Vec<share::Model> = share::Entity::find()
        .filter(share::Column::Status.eq(ShareStatus::Sent.key()))
        .filter(share::Column::OpenedAt.is_null())
        .filter(share::Column::RemindedAt.is_null())
        .filter(share::Column::Delivery.eq(Delivery::Link.key()))
        .filter(share::Column::ExpiresAt.gt(now))
        .filter(share::Column::ExpiresAt.lte(now + chrono::Duration::hours(24)))
        .limit(500)
        .all(db)
        .await?;
    let mut reminded = 0;
    for sh in soon {
        let txn = crate::platform::db::begin_write(db).await?;
        let n = share::Entity::update_many()
            .col_expr(share::Column::RemindedAt, Expr::value(now))
            .filter(share::Column::Id.eq(&sh.id))
            .filter(share::Column::RemindedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        if n == 1 {
            crate::delivery::notifications::notify_sender(&txn, &sh, NotificationKind::ShareExpiring).await?;
            reminded += 1;
        }
        txn.commit().await?;
    }
    Ok((expired, reminded))
}

/// The sweep worker (every ten worker polls); stops when `shutdown` fires.
pub async fn sweeper(db: DatabaseConnection, poll: std::time::Duration, shutdown: tokio::sync::watch::Receiver<bool>) {
    let every = poll * 10;
    crate::delivery::outbox::work_loop("sweep", every, shutdown, || async { sweep_once(&db).await.map(|_| 0) }).await
}
