//! Email: a transactional outbox and a worker that delivers it.
//!
//! `enqueue` writes the message (encrypted: it may carry a single-use link) in the
//! caller's transaction. Workers on any number of instances claim due rows atomically and
//! record each outcome with backoff ([`crate::delivery::outbox`]); they send with lettre. A share's
//! status follows its email: `sent`, or `failed` once retries are exhausted or the server
//! refuses the message for good.
use chrono::Utc;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Attachment, Mailbox, MultiPart, header::ContentType},
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Statement};
use serde::{Deserialize, Serialize};
use std::{path::PathBuf, sync::Arc};

use crate::{
    config::{Config, MailTransportKind, SmtpTls},
    delivery::outbox::{self, Attempt, Outcome, Queue},
    platform::crypto::Keys,
    platform::db::sql,
    platform::entities::{OutboxStatus, outbox_email},
};

/// What is stored (encrypted) in the outbox row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutgoingEmail {
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Sender address for this message (per document kind); the configured one if `None`.
    #[serde(default)]
    pub from: Option<String>,
    /// Sender's display name for this message (the practice, for share emails); the
    /// configured one if `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    /// Files attached (shares delivered as attachments). Sealed with the rest of the
    /// message and erased with it once sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<MailAttachment>,
}

/// A file attached to an email.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MailAttachment {
    pub file_name: String,
    pub media_type: String,
    /// The content, base64 (standard alphabet).
    pub data: String,
}

impl MailAttachment {
    pub fn new(file_name: &str, media_type: &str, bytes: &[u8]) -> Self {
        use base64::Engine;
        MailAttachment {
            file_name: file_name.to_owned(),
            media_type: media_type.to_owned(),
            data: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }
}

/// Queues a message in the caller's transaction.
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    keys: &Keys,
    practice_id: &str,
    purpose: &str,
    mail: &OutgoingEmail,
) -> Result<String, DbErr> {
    enqueue_with(db, keys, practice_id, purpose, None, mail).await
}

/// Queues the email that delivers a share; the worker moves the share from `queued` to
/// `sent` (or `failed`) with the email.
pub async fn enqueue_for_share<C: ConnectionTrait>(
    db: &C,
    keys: &Keys,
    practice_id: &str,
    share_id: &str,
    mail: &OutgoingEmail,
) -> Result<String, DbErr> {
    enqueue_with(db, keys, practice_id, "share", Some(share_id), mail).await
}

async fn enqueue_with<C: ConnectionTrait>(
    db: &C,
    keys: &Keys,
    practice_id: &str,
    purpose: &str,
    share_id: Option<&str>,
    mail: &OutgoingEmail,
) -> Result<String, DbErr> {
    let (id, payload) = outbox::seal_new(keys, Queue::Email, mail);
    let now = Utc::now();
    outbox_email::Entity::insert(outbox_email::ActiveModel {
        id: Set(id.clone()),
        practice_id: Set(practice_id.to_owned()),
        purpose: Set(purpose.to_owned()),
        to_address: Set(mail.to.clone()),
        payload: Set(Some(payload)),
        status: Set(OutboxStatus::Queued),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
        share_id: Set(share_id.map(str::to_owned)),
    })
    .exec(db)
    .await?;
    metrics::counter!("dossier_mail_queued_total").increment(1);
    Ok(id)
}

/// Where messages go.
#[derive(Clone)]
pub enum Transport {
    File(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_config(cfg: &Config) -> Result<Transport, String> {
        match cfg.mail.transport {
            MailTransportKind::File => {
                let dir = cfg.mail_dir();
                std::fs::create_dir_all(&dir)
                    .map_err(|e| format!("cannot create mail folder {}: {e}", dir.display()))?;
                Ok(Transport::File(dir))
            }
            MailTransportKind::Smtp => {
                let m = &cfg.mail;
                let mut b = match m.smtp_tls {
                    SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&m.smtp_host),
                    SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&m.smtp_host).tls(
                        Tls::Required(TlsParameters::new(m.smtp_host.clone()).map_err(|e| format!("mail TLS: {e}"))?),
                    ),
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&m.smtp_host).tls(
                        Tls::Wrapper(TlsParameters::new(m.smtp_host.clone()).map_err(|e| format!("mail TLS: {e}"))?),
                    ),
                };
                b = b.port(m.smtp_port).timeout(Some(std::time::Duration::from_secs(20)));
                if let (Some(u), Some(p)) = (&m.smtp_username, &m.smtp_password) {
                    b = b.credentials(Credentials::new(u.clone(), p.expose().to_owned()));
                }
                Ok(Transport::Smtp(b.build()))
            }
        }
    }

    async fn send(&self, msg: Message, id: &str) -> Attempt {
        match self {
            Transport::File(dir) => {
                // The outbox id (UUIDv7) sorts by time, so the names list in sending order.
                let name = format!("{}-{id}.eml", Utc::now().format("%Y%m%dT%H%M%S"));
                match tokio::fs::write(dir.join(name), msg.formatted()).await {
                    Ok(()) => Attempt::Delivered(None),
                    Err(e) => Attempt::Transient(format!("write failed: {e}")),
                }
            }
            // lettre errors name the server's reply, never the message content.
            Transport::Smtp(t) => match t.send(msg).await {
                Ok(_) => Attempt::Delivered(None),
                Err(e) if e.is_permanent() => Attempt::Permanent(format!("smtp: {e}")),
                Err(e) => Attempt::Transient(format!("smtp: {e}")),
            },
        }
    }
}

fn build_message(from: &str, mail: &OutgoingEmail) -> Result<Message, String> {
    let mut from: Mailbox = from.parse().map_err(|e| format!("bad from address: {e}"))?;
    if let Some(addr) = &mail.from {
        from = Mailbox::new(from.name.clone(), addr.parse().map_err(|e| format!("bad from address: {e}"))?);
    }
    if let Some(name) = mail.from_name.as_deref().map(|n| n.replace(['\r', '\n'], " ")).filter(|n| !n.trim().is_empty())
    {
        from = Mailbox::new(Some(name), from.email);
    }
    // The display name is passed as data, never spliced into a header string.
    let to = Mailbox::new(
        mail.to_name.clone().filter(|n| !n.trim().is_empty()),
        mail.to.parse().map_err(|e| format!("bad recipient address: {e}"))?,
    );
    let body = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
    let body = if mail.attachments.is_empty() {
        body
    } else {
        use base64::Engine;
        let mut mixed = MultiPart::mixed().multipart(body);
        for a in &mail.attachments {
            let bytes =
                base64::engine::general_purpose::STANDARD.decode(&a.data).map_err(|_| "attachment unreadable")?;
            let ct = ContentType::parse(&a.media_type).map_err(|_| "attachment type unreadable")?;
            mixed = mixed.singlepart(Attachment::new(a.file_name.clone()).body(bytes, ct));
        }
        mixed
    };
    Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .multipart(body)
        .map_err(|e| format!("cannot build message: {e}"))
}

/// A share follows its email: `sent`, or `failed` once the email is given up.
async fn follow_share<C: ConnectionTrait>(db: &C, share_id: &str, outcome: Outcome) -> Result<(), DbErr> {
    use app::domain::sharing::ShareStatus;
    let status = match outcome {
        Outcome::Sent => ShareStatus::Sent,
        Outcome::Failed => ShareStatus::Failed,
        Outcome::Retrying => return Ok(()),
    };
    let backend = db.get_database_backend();
    db.execute(Statement::from_sql_and_values(
        backend,
        sql(backend, "UPDATE share SET status = $1 WHERE status = $2 AND id = $3"),
        [status.key().into(), ShareStatus::Queued.key().into(), share_id.into()],
    ))
    .await?;
    Ok(())
}

/// How many due emails one pass claims, and how many of them are sent at once. A crash
/// can send at most the claimed, unfinished ones twice (each is retried after its lease).
pub const MAIL_BATCH: u64 = 64;
pub const MAIL_CONCURRENCY: usize = 16;

/// One pass: claim due messages and try each once. Returns how many were attempted.
pub async fn run_once(db: &DatabaseConnection, keys: &Keys, transport: &Transport, from: &str) -> Result<usize, DbErr> {
    run_once_with(db, keys, transport, from, outbox::DEFAULT_LEASE_SECS).await
}

/// [`run_once`] with the claim's lease.
pub async fn run_once_with(
    db: &DatabaseConnection,
    keys: &Keys,
    transport: &Transport,
    from: &str,
    lease_secs: u64,
) -> Result<usize, DbErr> {
    use futures::StreamExt;
    let batch = outbox::claim(db, Queue::Email, MAIL_BATCH, lease_secs).await?;
    let n = batch.len();
    // Up to MAIL_CONCURRENCY messages on the wire at once (the SMTP transport keeps a pool
    // of connections); each outcome is written as soon as it is known. One at a time, a
    // mail server that takes 40 ms a message capped delivery near 20 a second.
    let mut sends = futures::stream::iter(batch.into_iter().map(|row| async move {
        let attempt = match outbox::open::<OutgoingEmail>(keys, Queue::Email, &row) {
            Err(failed) => failed,
            Ok(mail) => match build_message(from, &mail) {
                Err(e) => Attempt::Permanent(e),
                Ok(msg) => transport.send(msg, &row.id).await,
            },
        };
        (row, attempt)
    }))
    .buffer_unordered(MAIL_CONCURRENCY);
    while let Some((row, attempt)) = sends.next().await {
        match &attempt {
            Attempt::Delivered(_) => {
                metrics::counter!("dossier_mail_sent_total").increment(1);
                tracing::info!(outbox_id = %row.id, "email sent");
            }
            Attempt::Transient(e) | Attempt::Permanent(e) => {
                metrics::counter!("dossier_mail_failed_attempts_total").increment(1);
                tracing::warn!(outbox_id = %row.id, attempt = row.attempts, error = %e, "email delivery failed");
            }
        }
        // The outcome and the share's status change together: a crash between them would
        // leave a delivered email whose share still says queued.
        let txn = crate::platform::db::begin_write(db).await?;
        let outcome = outbox::finish(&txn, Queue::Email, &row.id, row.attempts, attempt).await?;
        if let Some(share_id) = &row.share_id {
            follow_share(&txn, share_id, outcome).await?;
        }
        txn.commit().await?;
    }
    Ok(n)
}

/// The worker; stops when `shutdown` fires.
pub async fn worker(
    db: DatabaseConnection,
    keys: Keys,
    transport: Arc<Transport>,
    from: String,
    poll: std::time::Duration,
    lease_secs: u64,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    outbox::work_loop("email", poll, shutdown, || run_once_with(&db, &keys, &transport, &from, lease_secs)).await
}
