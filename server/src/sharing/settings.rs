//! Sharing (implements `app::ports::SharingPort`): the practice's sharing settings, the
//! share wizard's context and recipient search, the misdirection guard, and sending.
//!
//! Sending writes, in one transaction: one share per recipient (its own 256-bit link
//! token, stored as a SHA-256 hash; its own second factor; its own data key), a snapshot
//! of every document as that recipient may see it (internal sections removed; for the
//! client, only the chosen sections) sealed under the share's key, the email in the
//! outbox, and the audit events. The mail worker sends the email and marks the share
//! `sent` (or `failed`). Later edits to a document never change what was shared.
use app::{
    domain::{
        DisplayName, EmailAddress, Permission,
        documents::DocumentKind,
        records::PhoneNumber,
        sharing::{
            DEFAULT_EXPIRY_DAYS, Delivery, EmailPreview, EmailTemplate, FREE_MAIL, NotificationRow, RecipientDraft,
            RecipientKind, RecipientOption, RecipientWarning, ShareContext, ShareDetails, ShareFilter, ShareOutcome,
            ShareRequest, ShareRow, ShareStatus, SharingSettings, VerifyMethod,
        },
    },
    dto::Page,
    error::AppError,
    ports::{SharingPort, StaffPrincipal},
};
use async_trait::async_trait;
use chrono::{NaiveTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, LikeExpr},
};
use serde_json::json;
use std::collections::BTreeSet;

use crate::{
    delivery::mail::{self, OutgoingEmail},
    delivery::sms,
    delivery::templates::{
        TemplateValues, check_template, expires_label, from_for, load_settings, render_attachment_email, render_email,
    },
    platform::audit,
    platform::crypto,
    platform::entities::{
        client, client_contact, contact, document, document_file, document_kind, practice, practice_settings,
        previous_recipient, share, share_document, staff,
    },
    platform::error::{ServerError, boundary},
    platform::vault::decrypt_body,
    records::access::find_visible,
    state::Services,
    web::caller::current_origin,
};

pub const MAX_RECIPIENTS: usize = 20;
pub use app::domain::sharing::MAX_DOCUMENTS;
/// Attachments per email, before encoding (mail servers commonly refuse 20–25 MB).
pub const MAX_ATTACHMENT_BYTES: usize = 15 * 1024 * 1024;

/// The method stored with a share: attachments travel without a second factor.
fn method_key(delivery: Delivery, m: VerifyMethod) -> &'static str {
    match delivery {
        Delivery::Link => m.key(),
        Delivery::Attachment => "none",
    }
}

/// A title made safe as a file name.
fn file_name(title: &str) -> String {
    let s: String = title.chars().map(|c| if c.is_alphanumeric() || " .-_".contains(c) { c } else { '_' }).collect();
    let s = s.trim().to_owned();
    if s.is_empty() { "document".into() } else { s.chars().take(80).collect() }
}

/// Keeps a typed-in recipient for the autocomplete (newest name and phone win).
async fn remember_recipient<C: ConnectionTrait>(
    db: &C,
    practice_id: &str,
    r: &Recipient<'_>,
    now: chrono::DateTime<Utc>,
) -> Result<(), ServerError> {
    let key = app::domain::records::search_key(&[&r.name, &r.email]);
    let existing = previous_recipient::Entity::find()
        .filter(previous_recipient::Column::PracticeId.eq(practice_id))
        .filter(previous_recipient::Column::Email.eq(&r.email))
        .one(db)
        .await?;
    match existing {
        Some(row) => {
            let mut am = row.into_active_model();
            am.name = Set(r.name.clone());
            am.phone = Set(r.phone.clone());
            am.search_key = Set(key);
            am.last_shared_at = Set(now);
            am.update(db).await?;
        }
        None => {
            previous_recipient::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                practice_id: Set(practice_id.to_owned()),
                email: Set(r.email.clone()),
                name: Set(r.name.clone()),
                phone: Set(r.phone.clone()),
                search_key: Set(key),
                last_shared_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// Display names of the documents' authors.
async fn author_names<C: ConnectionTrait>(
    db: &C,
    docs: &[document::Model],
) -> Result<std::collections::HashMap<String, String>, ServerError> {
    let ids: BTreeSet<String> = docs.iter().map(|d| d.author_id.clone()).collect();
    Ok(staff::display_names(db, staff::Column::Id.is_in(ids)).await?)
}

#[async_trait]
impl SharingPort for Services {
    async fn sharing_settings(&self, p: &StaffPrincipal) -> Result<SharingSettings, AppError> {
        boundary(async move {
            p.require(Permission::ManageSettings)?;
            let mut s = load_settings(&self.s.db, p.practice_id()).await?;
            let practice = practice_and_sender(&self.s.db, p).await?.0;
            s.practice_name = practice.name;
            s.time_zone = practice.time_zone;
            s.logo_url = crate::web::brand::logo_href(&self.s.db, p.practice_id()).await?;
            Ok(s)
        })
        .await
    }

    async fn save_sharing_settings(&self, p: &StaffPrincipal, mut s: SharingSettings) -> Result<(), AppError> {
        boundary(async move {
            p.require(Permission::ManageSettings)?;
            s.validate()?;
            s.time_zone = crate::platform::zone::parse(&s.time_zone)
                .ok_or_else(|| {
                    AppError::invalid("time_zone", "Choose a time zone from the list, such as Europe/London.")
                })?
                .name()
                .to_owned();
            check_template(&s.template.subject, &s.template.body).await?;
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let (practice, _) = practice_and_sender(&txn, p).await?;
            let mut before = load_settings(&txn, p.practice_id()).await?;
            before.practice_name = practice.name.clone();
            before.time_zone = practice.time_zone.clone();
            if practice.name != s.practice_name || practice.time_zone != s.time_zone {
                let mut am = practice.into_active_model();
                am.name = Set(s.practice_name.clone());
                am.time_zone = Set(s.time_zone.clone());
                am.update(&txn).await?;
            }
            // The logo is not part of these settings (it has its own upload); keep it out of
            // the stored JSON and of the list of changes.
            before.logo_url = s.logo_url.clone();
            let json = serde_json::to_string(&SharingSettings {
                practice_name: String::new(),
                logo_url: None,
                time_zone: String::new(),
                ..s.clone()
            })?;
            match practice_settings::Entity::find_by_id(p.practice_id().to_owned()).one(&txn).await? {
                Some(row) => {
                    let mut am = row.into_active_model();
                    am.sharing = Set(json);
                    am.updated_at = Set(Utc::now());
                    am.update(&txn).await?;
                }
                None => {
                    practice_settings::ActiveModel {
                        practice_id: Set(p.practice_id().to_owned()),
                        sharing: Set(json),
                        updated_at: Set(Utc::now()),
                    }
                    .insert(&txn)
                    .await?;
                }
            }
            // Which settings changed (names only; templates are not copied into the log).
            let (a, b) = (serde_json::to_value(&before)?, serde_json::to_value(&s)?);
            let changed: Vec<&String> = b
                .as_object()
                .expect("object")
                .iter()
                .filter(|(k, v)| a.get(k.as_str()) != Some(v))
                .map(|(k, _)| k)
                .collect();
            audit::by_staff(
                &txn,
                p,
                "settings.sharing_saved",
                None,
                &current_origin(&self.s),
                json!({ "changed": changed }),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    async fn share_context(&self, p: &StaffPrincipal, client_id: &str) -> Result<ShareContext, AppError> {
        boundary(async move {
            p.require(Permission::ShareDocuments)?;
            let db = &self.s.db;
            let c = find_visible(db, p, client_id).await?;
            let settings = load_settings(db, p.practice_id()).await?;
            let relations = client_contact::Entity::find()
                .filter(client_contact::Column::ClientId.eq(&c.id))
                .filter(client_contact::Column::PracticeId.eq(p.practice_id()))
                .order_by_asc(client_contact::Column::CreatedAt)
                .all(db)
                .await?
                .into_iter()
                .map(|r| RecipientOption {
                    kind: RecipientKind::Relation,
                    ref_id: Some(r.id),
                    name: r.name,
                    email: r.email,
                    phone: r.phone_e164,
                    detail: r.relationship,
                })
                .collect();
            let name = format!("{} {}", c.first_name, c.last_name);
            Ok(ShareContext {
                client_id: c.id.clone(),
                client_name: name.clone(),
                client: RecipientOption {
                    kind: RecipientKind::Client,
                    ref_id: Some(c.id.clone()),
                    name,
                    email: c.email.clone(),
                    phone: c.mobile_e164.clone(),
                    detail: "The client".into(),
                },
                relations,
                enabled: settings.enabled,
                client_methods: settings.client_methods.clone(),
                third_party_methods: settings.third_party_methods.clone(),
                attachments_allowed: settings.attachments_allowed,
                max_expiry_days: settings.max_expiry_days,
                free_typed_recipients: settings.free_typed_recipients,
                today: Utc::now().date_naive().format("%Y-%m-%d").to_string(),
            })
        })
        .await
    }

    async fn search_recipients(&self, p: &StaffPrincipal, query: &str) -> Result<Vec<RecipientOption>, AppError> {
        boundary(async move {
            p.require(Permission::ShareDocuments)?;
            let db = &self.s.db;
            let q = query.trim().to_lowercase();
            if q.chars().count() < 2 {
                return Ok(Vec::new());
            }
            // Names starting with what was typed first (an index range), then, from three
            // characters, matches anywhere in name, organisation or email, until there are 8.
            let upper = crate::platform::search::prefix_upper(&q);
            let mut contacts = contact::Entity::find()
                .filter(contact::Column::PracticeId.eq(p.practice_id()))
                .filter(contact::Column::SearchKey.gte(q.as_str()))
                .filter(contact::Column::SearchKey.lt(upper.as_str()))
                .order_by_asc(contact::Column::SearchKey)
                .limit(8)
                .all(db)
                .await?;
            if contacts.len() < 8 && q.chars().count() >= 3 {
                let more = crate::platform::search::first_matches(db, "contact", p.practice_id(), &q, 16).await?;
                let more: Vec<String> = more.into_iter().filter(|id| !contacts.iter().any(|c| &c.id == id)).collect();
                let mut rest = contact::Entity::find()
                    .filter(contact::Column::Id.is_in(more))
                    .order_by_asc(contact::Column::Name)
                    .all(db)
                    .await?;
                rest.truncate(8 - contacts.len());
                contacts.extend(rest);
            }
            let mut out: Vec<RecipientOption> = contacts
                .into_iter()
                .map(|c| RecipientOption {
                    detail: match &c.organisation {
                        Some(o) if !o.is_empty() => format!("{} · {o}", c.contact_kind().label()),
                        _ => c.contact_kind().label().to_owned(),
                    },
                    kind: RecipientKind::Contact,
                    ref_id: Some(c.id),
                    name: c.name,
                    email: c.email,
                    phone: c.phone_e164,
                })
                .collect();
            // Previous typed-in recipients (third parties only: a client's own address is
            // offered through the client), the same way; never when the practice limits
            // recipients to clients, their contacts and the contact book.
            if !load_settings(db, p.practice_id()).await?.free_typed_recipients {
                return Ok(out);
            }
            let mut previous = previous_recipient::Entity::find()
                .filter(previous_recipient::Column::PracticeId.eq(p.practice_id()))
                .filter(previous_recipient::Column::SearchKey.gte(q.as_str()))
                .filter(previous_recipient::Column::SearchKey.lt(upper.as_str()))
                .order_by_asc(previous_recipient::Column::SearchKey)
                .limit(8)
                .all(db)
                .await?;
            if previous.len() < 8 && q.chars().count() >= 3 {
                let more =
                    crate::platform::search::first_matches(db, "previous_recipient", p.practice_id(), &q, 8).await?;
                let more: Vec<String> = more.into_iter().filter(|id| !previous.iter().any(|r| &r.id == id)).collect();
                previous.extend(
                    previous_recipient::Entity::find()
                        .filter(previous_recipient::Column::Id.is_in(more))
                        .order_by_desc(previous_recipient::Column::LastSharedAt)
                        .all(db)
                        .await?,
                );
                previous.truncate(8);
            }
            let seen: BTreeSet<String> = out.iter().filter_map(|o| o.email.clone()).collect();
            out.extend(previous.into_iter().filter(|r| !seen.contains(&r.email)).take(12 - out.len().min(12)).map(
                |r| RecipientOption {
                    kind: RecipientKind::Other,
                    ref_id: None,
                    name: r.name,
                    email: Some(r.email),
                    phone: r.phone,
                    detail: "Shared with before".into(),
                },
            ));
            Ok(out)
        })
        .await
    }

    async fn check_recipients(
        &self,
        p: &StaffPrincipal,
        req: &ShareRequest,
    ) -> Result<Vec<RecipientWarning>, AppError> {
        boundary(async move {
            p.require(Permission::ShareDocuments)?;
            let c = find_visible(&self.s.db, p, &req.client_id).await?;
            // Every recipient's own rules first (address, phone, method), exactly as sending
            // checks them, so the wizard can say at the recipients step which one is wrong.
            let settings = load_settings(&self.s.db, p.practice_id()).await?;
            self.parse_recipients(p, &c, &settings, &req.recipients, &req.document_ids, req.delivery).await?;
            warnings(&self.s.db, p, &c, &req.recipients).await
        })
        .await
    }

    async fn create_shares(&self, p: &StaffPrincipal, req: ShareRequest) -> Result<ShareOutcome, AppError> {
        boundary(async move {
            p.require(Permission::ShareDocuments)?;
            let s = &self.s;
            let db = &s.db;
            let settings = load_settings(db, p.practice_id()).await?;
            if !settings.enabled {
                return Err(AppError::invalid("client_id", "Sharing is switched off for your practice.").into());
            }
            let c = find_visible(db, p, &req.client_id).await?;
            // Documents: this client's, each once.
            let ids = req.check_documents()?;
            let docs = document::Entity::find()
                .filter(document::Column::PracticeId.eq(p.practice_id()))
                .filter(document::Column::ClientId.eq(&c.id))
                .filter(document::Column::Id.is_in(ids.clone()))
                .all(db)
                .await?;
            if docs.len() != ids.len() {
                return Err(AppError::NotFound.into());
            }
            let docs: Vec<document::Model> =
                ids.iter().filter_map(|id| docs.iter().find(|d| &d.id == id).cloned()).collect();
            let ShareDetails { expires_on, purpose_text, message, authorisation } = req.check_details(
                Utc::now().date_naive(),
                settings.max_expiry_days,
                docs.iter().any(|d| d.is_psychotherapy),
            )?;
            let expires_at = expires_on.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("valid")).and_utc();
            if req.delivery == Delivery::Attachment && !settings.attachments_allowed {
                return Err(AppError::invalid("delivery", "Your practice shares by secure link only.").into());
            }
            let recipients = self.parse_recipients(p, &c, &settings, &req.recipients, &ids, req.delivery).await?;
            let warn = warnings(db, p, &c, &req.recipients).await?;
            if !warn.is_empty() && !req.confirmed_warnings {
                return Err(AppError::Conflict(format!(
                    "Check the recipients first: {}",
                    warn.iter().map(|w| w.message.clone()).collect::<Vec<_>>().join(" ")
                ))
                .into());
            }
            // Bodies are read (and decrypted) once; each recipient gets their own snapshot.
            let mut bodies = Vec::new();
            for d in &docs {
                bodies.push(decrypt_body(&s.keys, d)?);
            }
            let mut hashes = Vec::new();
            for r in &recipients {
                hashes.push(match (r.draft.method, r.draft.passcode.is_empty()) {
                    (VerifyMethod::Passcode, false) if req.delivery == Delivery::Link => {
                        Some(s.hasher.hash(&r.draft.passcode).await)
                    }
                    _ => None,
                });
            }
            let (practice, sender) = practice_and_sender(db, p).await?;
            let kinds: Vec<DocumentKind> = docs.iter().map(|d| document_kind(&d.kind)).collect();
            let from = from_for(&settings, &kinds);
            let origin = current_origin(s);
            let batch_id = uuid::Uuid::now_v7().to_string();
            let now = Utc::now();
            let base = s.cfg.server.public_url.trim_end_matches('/').to_owned();

            let attach = req.delivery == Delivery::Attachment;
            let originals = if attach { self.original_files(&docs).await? } else { Vec::new() };
            let authors = if attach { author_names(db, &docs).await? } else { Default::default() };
            let client_name = format!("{} {}", c.first_name, c.last_name);

            let txn = crate::platform::db::begin_write(db).await?;
            let mut out = Vec::new();
            for (r, passcode_hash) in recipients.iter().zip(hashes) {
                let id = uuid::Uuid::now_v7().to_string();
                let token = crypto::random_token();
                let dek = crypto::new_data_key();
                share::ActiveModel {
                    id: Set(id.clone()),
                    practice_id: Set(p.practice_id().to_owned()),
                    client_id: Set(c.id.clone()),
                    batch_id: Set(batch_id.clone()),
                    sender_id: Set(sender.id.clone()),
                    recipient_kind: Set(r.draft.kind.key().to_owned()),
                    recipient_ref: Set(r.draft.ref_id.clone()),
                    recipient_name: Set(r.name.clone()),
                    recipient_email: Set(r.email.clone()),
                    recipient_phone: Set(r.phone.clone()),
                    method: Set(method_key(req.delivery, r.draft.method).to_owned()),
                    passcode_hash: Set(passcode_hash),
                    delivery: Set(req.delivery.key().to_owned()),
                    purpose: Set(req.purpose.key().to_owned()),
                    purpose_text: Set(purpose_text.clone()),
                    message: Set(
                        (!message.is_empty()).then(|| s.keys.seal(message.as_bytes(), &format!("share:{id}:message")))
                    ),
                    psychotherapy_authorisation: Set((!authorisation.is_empty()).then(|| authorisation.clone())),
                    wrapped_key: Set(s.keys.wrap_key(&dek, &format!("share:{id}:dek"))),
                    key_id: Set(s.keys.key_id().to_owned()),
                    token_hash: Set(crypto::token_hash(&token)),
                    link_issued_at: Set(now),
                    expires_at: Set(expires_at),
                    status: Set(ShareStatus::Queued.key().into()),
                    failed_attempts: Set(0),
                    view_count: Set(0),
                    created_at: Set(now),
                    opened_at: Set(None),
                    last_viewed_at: Set(None),
                    revoked_at: Set(None),
                    notify_on_open: Set(req.notify_on_open),
                    reminded_at: Set(None),
                }
                .insert(&txn)
                .await?;
                if r.draft.kind == RecipientKind::Other {
                    remember_recipient(&txn, p.practice_id(), r, now).await?;
                }
                let mut attachments = Vec::new();
                let mut attached_bytes = 0usize;
                for (pos, (d, body)) in docs.iter().zip(&bodies).enumerate() {
                    let keep = if r.draft.kind == RecipientKind::Client {
                        r.draft.sections.get(&d.id).map(Vec::as_slice)
                    } else {
                        None
                    };
                    let visible = body.for_recipient(keep);
                    share_document::ActiveModel {
                        share_id: Set(id.clone()),
                        document_id: Set(d.id.clone()),
                        practice_id: Set(p.practice_id().to_owned()),
                        position: Set(pos as i32),
                        kind: Set(d.kind.clone()),
                        title: Set(d.title.clone()),
                        doc_date: Set(d.doc_date.clone()),
                        snapshot: Set(crypto::seal_with(
                            &dek,
                            &serde_json::to_vec(&visible)?,
                            &format!("share:{id}:doc:{}", d.id),
                        )),
                    }
                    .insert(&txn)
                    .await?;
                    if attach {
                        let a = match originals.iter().find(|(doc, _)| doc == &d.id) {
                            Some((_, original)) => original.clone(),
                            None => {
                                let watermark = format!(
                                    "Sent to {} - share {} - {}",
                                    r.name,
                                    &id[id.len() - 12..],
                                    now.format("%Y-%m-%d %H:%M UTC")
                                );
                                let meta = crate::platform::pdf::PdfMeta {
                                    practice: &practice.name,
                                    title: &d.title,
                                    kind: document_kind(&d.kind),
                                    client_name: &client_name,
                                    date: &d.doc_date,
                                    author: authors.get(&d.author_id).map(String::as_str).unwrap_or(""),
                                    watermark: Some(&watermark),
                                };
                                let pdf = crate::platform::pdf::render(&meta, &visible).map_err(ServerError::fault)?;
                                mail::MailAttachment::new(
                                    &format!("{}.pdf", file_name(&d.title)),
                                    "application/pdf",
                                    &pdf,
                                )
                            }
                        };
                        attached_bytes += a.data.len() / 4 * 3;
                        attachments.push(a);
                    }
                }
                if attached_bytes > MAX_ATTACHMENT_BYTES {
                    return Err(AppError::invalid(
                        "delivery",
                        "These documents are too large to send as attachments (over 15 MB): share them by secure link.",
                    )
                    .into());
                }
                let link = format!("{base}/s/{token}");
                let values = TemplateValues {
                    recipient_name: &r.name,
                    practice_name: &practice.name,
                    sender_name: &sender.display_name,
                    expires: &expires_label(expires_on),
                    link: &link,
                    message: &message,
                };
                let mut mail = if attach {
                    render_attachment_email(&settings, &r.email, &values, attachments.len(), from.clone()).await?
                } else {
                    render_email(&settings, &r.email, &values, from.clone()).await?
                };
                mail.attachments = attachments;
                let outbox_id = mail::enqueue_for_share(&txn, &s.keys, p.practice_id(), &id, &mail).await?;
                audit::by_staff(
                    &txn,
                    p,
                    "share.created",
                    Some(&id),
                    &origin,
                    json!({
                        "client": c.id, "batch": batch_id, "documents": ids, "recipient_kind": r.draft.kind.key(),
                        "method": method_key(req.delivery, r.draft.method), "delivery": req.delivery.key(), "purpose": req.purpose.key(),
                        "expires_at": expires_at.to_rfc3339(),
                    }),
                )
                .await?;
                audit::by_staff(&txn, p, "email.queued", Some(&id), &origin, json!({ "outbox": outbox_id })).await?;
                out.push((id, r.name.clone()));
            }
            txn.commit().await?;
            metrics::counter!("dossier_shares_created_total").increment(out.len() as u64);
            Ok(ShareOutcome { batch_id, shares: out })
        })
        .await
    }

    async fn preview_share_email(&self, p: &StaffPrincipal, template: EmailTemplate) -> Result<EmailPreview, AppError> {
        boundary(async move {
            let mail = self.example_email(p, template).await?;
            let from = mail.from.clone().unwrap_or_else(|| self.s.cfg.mail.from.clone());
            Ok(EmailPreview { from, subject: mail.subject, text: mail.text })
        })
        .await
    }

    async fn send_test_email(&self, p: &StaffPrincipal, template: EmailTemplate) -> Result<String, AppError> {
        boundary(async move {
            let mail = self.example_email(p, template).await?;
            let to = mail.to.clone();
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let outbox_id = mail::enqueue(&txn, &self.s.keys, p.practice_id(), "test", &mail).await?;
            audit::by_staff(
                &txn,
                p,
                "settings.test_email_queued",
                None,
                &current_origin(&self.s),
                json!({ "outbox": outbox_id }),
            )
            .await?;
            txn.commit().await?;
            Ok(to)
        })
        .await
    }

    async fn send_test_sms(&self, p: &StaffPrincipal, phone: &str, voice: bool) -> Result<String, AppError> {
        boundary(async move {
            p.require(Permission::ManageSettings)?;
            let number = PhoneNumber::parse("phone", phone, &self.s.cfg.locale.phone_region)?.to_string();
            let (practice, _) = practice_and_sender(&self.s.db, p).await?;
            let channel = if voice { sms::Channel::Voice } else { sms::Channel::Sms };
            let text = format!(
                "This is a test {} from Dossier for {}. Verification codes will reach recipients like this.",
                if voice { "call" } else { "message" },
                practice.name
            );
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let msg = sms::OutgoingSms { channel, to: number.clone(), text };
            let outbox_id = sms::enqueue(&txn, &self.s.keys, p.practice_id(), None, "test", &msg).await?;
            audit::by_staff(
                &txn,
                p,
                "settings.test_sms_queued",
                None,
                &current_origin(&self.s),
                json!({ "outbox": outbox_id, "channel": channel.key(), "to": sms::hint(&number) }),
            )
            .await?;
            txn.commit().await?;
            Ok(sms::hint(&number))
        })
        .await
    }

    async fn list_client_shares(
        &self,
        p: &StaffPrincipal,
        client_id: &str,
        status: Option<ShareStatus>,
    ) -> Result<Vec<ShareRow>, AppError> {
        boundary(crate::sharing::after::list_client_shares(self, p, client_id, status)).await
    }

    async fn document_shares(&self, p: &StaffPrincipal, document_id: &str) -> Result<Vec<ShareRow>, AppError> {
        boundary(crate::sharing::after::document_shares(self, p, document_id)).await
    }

    async fn list_shares(&self, p: &StaffPrincipal, filter: &ShareFilter) -> Result<Page<ShareRow>, AppError> {
        boundary(crate::sharing::after::list_shares(self, p, filter)).await
    }

    async fn revoke_share(&self, p: &StaffPrincipal, share_id: &str) -> Result<(), AppError> {
        boundary(crate::sharing::after::revoke_share(self, p, share_id)).await
    }

    async fn revoke_shares(&self, p: &StaffPrincipal, share_ids: &[String]) -> Result<u64, AppError> {
        boundary(crate::sharing::after::revoke_shares(self, p, share_ids)).await
    }

    async fn revoke_client_shares(&self, p: &StaffPrincipal, client_id: &str) -> Result<u64, AppError> {
        boundary(crate::sharing::after::revoke_client_shares(self, p, client_id)).await
    }

    async fn extend_share(&self, p: &StaffPrincipal, share_id: &str, expires_on: &str) -> Result<(), AppError> {
        boundary(crate::sharing::after::extend_share(self, p, share_id, expires_on)).await
    }

    async fn resend_share(&self, p: &StaffPrincipal, share_id: &str) -> Result<(), AppError> {
        boundary(crate::sharing::after::resend_share(self, p, share_id)).await
    }

    async fn unlock_share(&self, p: &StaffPrincipal, share_id: &str) -> Result<(), AppError> {
        boundary(crate::sharing::after::unlock_share(self, p, share_id)).await
    }

    async fn notifications(&self, p: &StaffPrincipal) -> Result<Vec<NotificationRow>, AppError> {
        boundary(crate::sharing::after::notifications(self, p)).await
    }

    async fn mark_notifications_read(&self, p: &StaffPrincipal) -> Result<(), AppError> {
        boundary(crate::sharing::after::mark_notifications_read(self, p)).await
    }
}

/// The practice, and the staff member acting.
async fn practice_and_sender<C: ConnectionTrait>(
    db: &C,
    p: &StaffPrincipal,
) -> Result<(practice::Model, staff::Model), ServerError> {
    let practice = practice::Entity::find_by_id(p.practice_id().to_owned())
        .one(db)
        .await?
        .ok_or_else(|| ServerError::fault("practice missing"))?;
    let sender = staff::Entity::find_by_id(p.staff_id().to_owned()).one(db).await?.ok_or(AppError::Unauthenticated)?;
    Ok((practice, sender))
}

impl Services {
    /// The share email for a template being edited, with example values, addressed to
    /// the admin editing it. The template is checked as when saving.
    async fn example_email(&self, p: &StaffPrincipal, template: EmailTemplate) -> Result<OutgoingEmail, ServerError> {
        p.require(Permission::ManageSettings)?;
        check_template(&template.subject, &template.body).await?;
        let mut settings = load_settings(&self.s.db, p.practice_id()).await?;
        settings.template = template;
        let (practice, me) = practice_and_sender(&self.s.db, p).await?;
        let expires = Utc::now().date_naive() + chrono::Duration::days(i64::from(DEFAULT_EXPIRY_DAYS));
        let link = format!("{}/s/this-is-an-example-link", self.s.cfg.public_base());
        render_email(
            &settings,
            &me.email,
            &TemplateValues {
                recipient_name: &me.display_name,
                practice_name: &practice.name,
                sender_name: &me.display_name,
                expires: &expires_label(expires),
                link: &link,
                message: "(The personal message you write when sharing appears here.)",
            },
            from_for(&settings, &[]),
        )
        .await
    }
}

/// A recipient, checked.
struct Recipient<'a> {
    draft: &'a RecipientDraft,
    name: String,
    email: String,
    phone: Option<String>,
}

impl Services {
    /// Uploaded files among `docs`, decrypted, ready to attach as they are.
    async fn original_files(
        &self,
        docs: &[document::Model],
    ) -> Result<Vec<(String, mail::MailAttachment)>, ServerError> {
        let mut out = Vec::new();
        for d in docs {
            if let Some(f) = document_file::Entity::find_by_id(d.id.clone()).one(&self.s.db).await? {
                let bytes = crate::platform::vault::open_file(&self.s.keys, d, &f.ciphertext)?;
                out.push((d.id.clone(), mail::MailAttachment::new(&f.file_name, &f.media_type, &bytes)));
            }
        }
        Ok(out)
    }

    async fn parse_recipients<'a>(
        &self,
        p: &StaffPrincipal,
        c: &client::Model,
        settings: &SharingSettings,
        drafts: &'a [RecipientDraft],
        doc_ids: &[String],
        delivery: Delivery,
    ) -> Result<Vec<Recipient<'a>>, ServerError> {
        let db = &self.s.db;
        if drafts.is_empty() {
            return Err(AppError::invalid("recipients", "Add at least one recipient.").into());
        }
        if drafts.len() > MAX_RECIPIENTS {
            return Err(AppError::invalid(
                "recipients",
                format!("Share with at most {MAX_RECIPIENTS} recipients at once."),
            )
            .into());
        }
        let region = self.s.cfg.locale.phone_region.clone();
        let mut out: Vec<Recipient<'a>> = Vec::new();
        for (i, d) in drafts.iter().enumerate() {
            let n = i + 1;
            let field = |f: &str| format!("recipients.{i}.{f}");
            let name = DisplayName::parse(&field("name"), "the recipient's name", &d.name)?;
            let email = EmailAddress::parse(&field("email"), &d.email).map_err(|_| {
                AppError::invalid(
                    &field("email"),
                    format!("{}: enter an email address like name@example.com.", name.as_str()),
                )
            })?;
            let phone = if d.phone.trim().is_empty() {
                None
            } else {
                let named = |e: AppError| match e {
                    AppError::Invalid { field, message } => {
                        AppError::Invalid { field, message: format!("{}: {message}", name.as_str()) }
                    }
                    other => other,
                };
                Some(PhoneNumber::parse(&field("phone"), &d.phone, &region).map_err(named)?.to_string())
            };
            match d.kind {
                RecipientKind::Client => {
                    if d.ref_id.as_deref() != Some(c.id.as_str()) {
                        return Err(
                            AppError::invalid(&field("kind"), format!("Recipient {n} is not this client.")).into()
                        );
                    }
                }
                RecipientKind::Relation | RecipientKind::Contact => {
                    // One of this client's contacts, or an entry of the practice's contact book.
                    let relation = d.kind == RecipientKind::Relation;
                    let ok = match &d.ref_id {
                        Some(r) if relation => client_contact::Entity::find_by_id(r.clone())
                            .filter(client_contact::Column::ClientId.eq(&c.id))
                            .filter(client_contact::Column::PracticeId.eq(p.practice_id()))
                            .one(db)
                            .await?
                            .is_some(),
                        Some(r) => contact::Entity::find_by_id(r.clone())
                            .filter(contact::Column::PracticeId.eq(p.practice_id()))
                            .one(db)
                            .await?
                            .is_some(),
                        None => false,
                    };
                    if !ok {
                        let not = if relation { "one of this client's contacts" } else { "in your contact book" };
                        return Err(AppError::invalid(&field("kind"), format!("Recipient {n} is not {not}.")).into());
                    }
                }
                RecipientKind::Other => {
                    // Someone typed in (or shared with before by typing them in): only where
                    // the practice allows free-typed recipients.
                    if !settings.free_typed_recipients {
                        return Err(AppError::invalid(
                            &field("email"),
                            "Your practice shares only with clients, their contacts and the contact book.",
                        )
                        .into());
                    }
                }
            }
            let is_client = d.kind == RecipientKind::Client;
            if delivery == Delivery::Attachment {
                // No second factor: the file travels in the email.
            } else if !settings.methods_for(is_client).contains(&d.method) {
                return Err(AppError::invalid(
                    &field("method"),
                    format!(
                        "{}: your practice does not allow \"{}\" for {}.",
                        name.as_str(),
                        d.method.label(),
                        if is_client { "clients" } else { "third parties" }
                    ),
                )
                .into());
            }
            let link = delivery == Delivery::Link;
            if link && d.method.needs_phone() && phone.is_none() {
                return Err(AppError::invalid(
                    &field("phone"),
                    format!("{}: add a mobile number for the code, or choose another method.", name.as_str()),
                )
                .into());
            }
            if link && d.method == VerifyMethod::DateOfBirth && (!is_client || c.date_of_birth.is_empty()) {
                return Err(AppError::invalid(&field("method"), "Date of birth works only for the client.").into());
            }
            if link && d.method == VerifyMethod::Passcode {
                let len = d.passcode.chars().count();
                if len < 10 || len > 128 {
                    return Err(AppError::invalid(
                        &field("passcode"),
                        format!("{}: the passcode needs at least 10 characters.", name.as_str()),
                    )
                    .into());
                }
            }
            if !is_client && !d.sections.is_empty() {
                return Err(AppError::invalid(&field("sections"), "Sections can be chosen only for the client.").into());
            }
            if let Some(bad) = d.sections.keys().find(|k| !doc_ids.contains(k)) {
                return Err(AppError::invalid(
                    &field("sections"),
                    format!("Sections for a document not being shared ({bad})."),
                )
                .into());
            }
            if out.iter().any(|o| o.email == email.as_str()) {
                return Err(
                    AppError::invalid(&field("email"), format!("{} is already a recipient.", email.as_str())).into()
                );
            }
            out.push(Recipient { draft: d, name: name.as_str().to_owned(), email: email.as_str().to_owned(), phone });
        }
        Ok(out)
    }
}

/// The misdirection guard: first-time recipients, addresses one or two keystrokes from a
/// known one, and free-mail addresses for organisations.
async fn warnings<C: ConnectionTrait>(
    db: &C,
    p: &StaffPrincipal,
    c: &client::Model,
    drafts: &[RecipientDraft],
) -> Result<Vec<RecipientWarning>, ServerError> {
    let mut out = Vec::new();
    for d in drafts {
        let Ok(email) = EmailAddress::parse("email", &d.email) else { continue };
        let email = email.as_str().to_owned();
        let Some((local, domain)) = email.rsplit_once('@') else { continue };
        // Only addresses that could be one or two keystrokes away are read: those with the
        // same local part or the same domain (both sides typed wrong is not caught).
        let near = |col: sea_orm::sea_query::SimpleExpr| {
            let esc = |t: &str| t.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            sea_orm::Condition::any()
                .add(col.clone().like(LikeExpr::new(format!("{}@%", esc(local))).escape('\\')))
                .add(col.like(LikeExpr::new(format!("%@{}", esc(domain))).escape('\\')))
        };
        let prior: Vec<String> = share::Entity::find()
            .select_only()
            .column(share::Column::RecipientEmail)
            .filter(share::Column::PracticeId.eq(p.practice_id()))
            .filter(near(Expr::col(share::Column::RecipientEmail).into()))
            .distinct()
            .limit(500)
            .into_tuple()
            .all(db)
            .await?;
        let contacts: Vec<(Option<String>, Option<String>)> = contact::Entity::find()
            .select_only()
            .column(contact::Column::Email)
            .column(contact::Column::Organisation)
            .filter(contact::Column::PracticeId.eq(p.practice_id()))
            .filter(near(Expr::col(contact::Column::Email).into()))
            .limit(500)
            .into_tuple()
            .all(db)
            .await?;
        let known: BTreeSet<&str> = c
            .email
            .as_deref()
            .into_iter()
            .chain(prior.iter().map(String::as_str))
            .chain(contacts.iter().filter_map(|(e, _)| e.as_deref()))
            .collect();
        let received_before = prior.iter().any(|e| *e == email);
        let close = (!known.contains(email.as_str()))
            .then(|| known.iter().find(|k| strsim::levenshtein(k, &email) <= 2))
            .flatten();
        if let Some(close) = close {
            out.push(RecipientWarning {
                email: email.clone(),
                message: format!("{email} is very close to {close}: is it a typo?"),
            });
        } else if d.kind != RecipientKind::Client && !received_before {
            // Contact-book entries and the client's own contacts too: a first disclosure
            // to anyone but the client is worth a second look.
            out.push(RecipientWarning {
                email: email.clone(),
                message: format!("{email} has never received anything from your practice."),
            });
        }
        let organisation = d.kind == RecipientKind::Contact
            && contacts
                .iter()
                .any(|(e, o)| e.as_deref() == Some(email.as_str()) && o.as_ref().is_some_and(|o| !o.is_empty()));
        if organisation && FREE_MAIL.contains(&domain) {
            out.push(RecipientWarning {
                email: email.clone(),
                message: format!("{email} is a personal free-mail address for an organisation."),
            });
        }
    }
    Ok(out)
}
