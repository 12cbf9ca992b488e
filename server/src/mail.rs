//! Email: a transactional outbox and a worker that delivers it.
//!
//! `enqueue` writes the message (encrypted: it may carry a single-use link) in the
//! caller's transaction. Workers on any number of instances claim due rows atomically
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL; a single claiming UPDATE on SQLite, whose
//! writers are serialised), send with lettre, and record the outcome with exponential
//! backoff. A claim expires, so a crashed worker's rows are retried; the body is erased
//! once sent.
use chrono::{Duration, Utc};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use std::{path::PathBuf, sync::Arc};

use crate::{
    config::{Config, MailTransportKind, SmtpTls},
    crypto::Keys,
    db::sql,
    entities::outbox_email,
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
}

pub const MAX_ATTEMPTS: i32 = 8;

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
    let id = uuid::Uuid::now_v7().to_string();
    let payload = keys.seal(serde_json::to_string(mail).expect("serialisable").as_bytes(), &format!("outbox:{id}"));
    let now = Utc::now();
    outbox_email::Entity::insert(outbox_email::ActiveModel {
        id: Set(id.clone()),
        practice_id: Set(practice_id.to_owned()),
        purpose: Set(purpose.to_owned()),
        to_address: Set(mail.to.clone()),
        payload: Set(Some(payload)),
        status: Set("queued".into()),
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

    async fn send(&self, msg: Message, id: &str) -> Result<(), String> {
        match self {
            Transport::File(dir) => {
                let name = format!("{}-{}.eml", Utc::now().format("%Y%m%dT%H%M%S"), &id[id.len() - 12..]);
                tokio::fs::write(dir.join(name), msg.formatted()).await.map_err(|e| format!("write failed: {e}"))
            }
            Transport::Smtp(t) => t.send(msg).await.map(|_| ()).map_err(|e| {
                // lettre errors name the server's reply, never the message content.
                format!("smtp: {e}")
            }),
        }
    }
}

fn build_message(from: &str, mail: &OutgoingEmail) -> Result<Message, String> {
    let mut from: Mailbox = from.parse().map_err(|e| format!("bad from address: {e}"))?;
    if let Some(addr) = &mail.from {
        from = Mailbox::new(from.name.clone(), addr.parse().map_err(|e| format!("bad from address: {e}"))?);
    }
    // The display name is passed as data, never spliced into a header string.
    let to = Mailbox::new(
        mail.to_name.clone().filter(|n| !n.trim().is_empty()),
        mail.to.parse().map_err(|e| format!("bad recipient address: {e}"))?,
    );
    Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
        .map_err(|e| format!("cannot build message: {e}"))
}

#[derive(Debug, FromQueryResult)]
struct Claimed {
    id: String,
    payload: Option<String>,
    attempts: i32,
    share_id: Option<String>,
}

/// Claims up to `limit` due messages for this worker.
async fn claim(db: &DatabaseConnection, limit: u64) -> Result<Vec<Claimed>, DbErr> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    let lease = now + Duration::seconds(120);
    let lock = if backend == sea_orm::DbBackend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let q = format!(
        "UPDATE outbox_email SET status = 'sending', claimed_until = $1, attempts = attempts + 1
         WHERE id IN (SELECT id FROM outbox_email
                      WHERE ((status = 'queued' AND next_attempt_at <= $2) OR (status = 'sending' AND claimed_until < $3))
                      ORDER BY next_attempt_at LIMIT {limit} {lock})
         RETURNING id, payload, attempts, share_id"
    );
    let stmt = Statement::from_sql_and_values(backend, sql(backend, &q), [lease.into(), now.into(), now.into()]);
    Claimed::find_by_statement(stmt).all(db).await
}

async fn finish(
    db: &DatabaseConnection,
    id: &str,
    share_id: Option<&str>,
    result: Result<(), String>,
    attempts: i32,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    let stmt = match result.clone() {
        Ok(()) => Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "UPDATE outbox_email SET status = 'sent', sent_at = $1, payload = NULL, claimed_until = NULL, last_error = NULL WHERE id = $2",
            ),
            [now.into(), id.into()],
        ),
        Err(e) if attempts >= MAX_ATTEMPTS => Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "UPDATE outbox_email SET status = 'failed', payload = NULL, claimed_until = NULL, last_error = $1 WHERE id = $2",
            ),
            [e.into(), id.into()],
        ),
        Err(e) => {
            let backoff = Duration::seconds(5 * 2i64.pow(attempts.clamp(0, 10) as u32));
            Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "UPDATE outbox_email SET status = 'queued', next_attempt_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3",
                ),
                [(now + backoff).into(), e.into(), id.into()],
            )
        }
    };
    db.execute(stmt).await?;
    // A share follows its email: sent, or failed once retries are exhausted.
    let share_status = match &result {
        Ok(()) => Some("sent"),
        Err(_) if attempts >= MAX_ATTEMPTS => Some("failed"),
        Err(_) => None,
    };
    if let (Some(share_id), Some(status)) = (share_id, share_status) {
        db.execute(Statement::from_sql_and_values(
            backend,
            sql(backend, "UPDATE share SET status = $1 WHERE status = 'queued' AND id = $2"),
            [status.into(), share_id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// One pass: claim due messages and try each once. Returns how many were attempted.
pub async fn run_once(db: &DatabaseConnection, keys: &Keys, transport: &Transport, from: &str) -> Result<usize, DbErr> {
    let batch = claim(db, 10).await?;
    let n = batch.len();
    for row in batch {
        let result = match row.payload.as_deref().and_then(|p| keys.open(p, &format!("outbox:{}", row.id))) {
            None => Err("payload missing or undecryptable".to_string()),
            Some(bytes) => match serde_json::from_slice::<OutgoingEmail>(&bytes) {
                Err(_) => Err("payload unreadable".to_string()),
                Ok(mail) => match build_message(from, &mail) {
                    Err(e) => Err(e),
                    Ok(msg) => transport.send(msg, &row.id).await,
                },
            },
        };
        match &result {
            Ok(()) => {
                metrics::counter!("dossier_mail_sent_total").increment(1);
                tracing::info!(outbox_id = %row.id, "email sent");
            }
            Err(e) => {
                metrics::counter!("dossier_mail_failed_attempts_total").increment(1);
                tracing::warn!(outbox_id = %row.id, attempt = row.attempts, error = %e, "email delivery failed");
            }
        }
        finish(db, &row.id, row.share_id.as_deref(), result, row.attempts).await?;
    }
    Ok(n)
}

/// The worker loop; stops when `shutdown` fires.
pub async fn worker(
    db: DatabaseConnection,
    keys: Keys,
    transport: Arc<Transport>,
    from: String,
    poll: std::time::Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let busy = match run_once(&db, &keys, &transport, &from).await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::error!(error = %e, "mail outbox pass failed");
                false
            }
        };
        if !busy {
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        if *shutdown.borrow() {
            break;
        }
    }
}
