//! The transactional-outbox mechanics shared by email (`outbox_email`) and text/voice
//! (`outbox_sms`): claiming due rows atomically, and recording each attempt's outcome
//! with exponential backoff.
//!
//! Workers on any number of instances claim rows with one `UPDATE … RETURNING` whose
//! sub-select uses `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite serialises writers, so
//! the single statement is already atomic). A claim is a lease: a worker that dies holding
//! one leaves rows that the next pass after the lease picks up again. The sealed payload
//! is erased once the message is delivered or given up.
use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, Statement, Value};
use serde::{Serialize, de::DeserializeOwned};

use crate::platform::{crypto::Keys, db::sql};

/// Attempts before a message is given up as failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a claim lasts before another worker may take the row (`workers.lease_secs`).
pub const DEFAULT_LEASE_SECS: u64 = 120;

/// The outbox tables (a closed set: table names are never taken from input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    Email,
    Sms,
}

impl Queue {
    fn table(self) -> &'static str {
        match self {
            Queue::Email => "outbox_email",
            Queue::Sms => "outbox_sms",
        }
    }

    /// The associated data a row's payload is sealed with: it ties the payload to its row.
    pub fn payload_aad(self, id: &str) -> String {
        match self {
            Queue::Email => format!("outbox:{id}"),
            Queue::Sms => format!("outbox_sms:{id}"),
        }
    }
}

/// A new row's id, and `msg` as JSON sealed for that row.
pub fn seal_new<T: Serialize>(keys: &Keys, queue: Queue, msg: &T) -> (String, String) {
    let id = uuid::Uuid::now_v7().to_string();
    let payload = keys.seal(serde_json::to_string(msg).expect("serialisable").as_bytes(), &queue.payload_aad(&id));
    (id, payload)
}

/// The message a claimed row carries; a permanent failure when it is missing, cannot be
/// opened or cannot be read.
pub fn open<T: DeserializeOwned>(keys: &Keys, queue: Queue, row: &Claimed) -> Result<T, Attempt> {
    let bytes = row
        .payload
        .as_deref()
        .and_then(|p| keys.open(p, &queue.payload_aad(&row.id)))
        .ok_or_else(|| Attempt::Permanent("payload missing or undecryptable".into()))?;
    serde_json::from_slice(&bytes).map_err(|_| Attempt::Permanent("payload unreadable".into()))
}

/// A row this worker now holds.
#[derive(Debug, FromQueryResult)]
pub struct Claimed {
    pub id: String,
    pub payload: Option<String>,
    pub attempts: i32,
    pub share_id: Option<String>,
}

/// What one delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Delivered; the provider's reference when it gives one.
    Delivered(Option<String>),
    /// Worth trying again later (network, 5xx, rate limit).
    Transient(String),
    /// Will never succeed (malformed address, number refused): failed at once.
    Permanent(String),
}

/// The row's status after [`finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Retrying,
    Failed,
}

/// Claims up to `limit` due rows of `queue` for `lease_secs`.
pub async fn claim(db: &DatabaseConnection, queue: Queue, limit: u64, lease_secs: u64) -> Result<Vec<Claimed>, DbErr> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    let lease = now + Duration::seconds(lease_secs as i64);
    let lock = if backend == sea_orm::DbBackend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let t = queue.table();
    let q = format!(
        "UPDATE {t} SET status = 'sending', claimed_until = $1, attempts = attempts + 1
         WHERE id IN (SELECT id FROM {t}
                      WHERE ((status = 'queued' AND next_attempt_at <= $2) OR (status = 'sending' AND claimed_until < $3))
                      ORDER BY next_attempt_at LIMIT {limit} {lock})
         RETURNING id, payload, attempts, share_id"
    );
    let stmt = Statement::from_sql_and_values(backend, sql(backend, &q), [lease.into(), now.into(), now.into()]);
    Claimed::find_by_statement(stmt).all(db).await
}

/// Records an attempt on a claimed row: sent (payload erased), queued again after a
/// backoff of 5 s × 2^attempts, or failed (payload erased) when the error is permanent or
/// the attempts are used up.
pub async fn finish<C: ConnectionTrait>(
    db: &C,
    queue: Queue,
    id: &str,
    attempts: i32,
    attempt: Attempt,
) -> Result<Outcome, DbErr> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    let t = queue.table();
    let failed = |e: String| {
        (
            format!(
                "UPDATE {t} SET status = 'failed', payload = NULL, claimed_until = NULL, last_error = $1 WHERE id = $2"
            ),
            vec![Value::from(e), id.into()],
            Outcome::Failed,
        )
    };
    let (q, values, outcome): (String, Vec<Value>, Outcome) = match attempt {
        Attempt::Delivered(reference) => {
            let sent = "status = 'sent', sent_at = $1, payload = NULL, claimed_until = NULL, last_error = NULL";
            match queue {
                Queue::Sms => (
                    format!("UPDATE {t} SET {sent}, provider_ref = $2 WHERE id = $3"),
                    vec![now.into(), reference.into(), id.into()],
                    Outcome::Sent,
                ),
                Queue::Email => {
                    (format!("UPDATE {t} SET {sent} WHERE id = $2"), vec![now.into(), id.into()], Outcome::Sent)
                }
            }
        }
        Attempt::Permanent(e) => failed(e),
        Attempt::Transient(e) if attempts >= MAX_ATTEMPTS => failed(e),
        Attempt::Transient(e) => {
            let backoff = Duration::seconds(5 * 2i64.pow(attempts.clamp(0, 10) as u32));
            (
                format!(
                    "UPDATE {t} SET status = 'queued', next_attempt_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3"
                ),
                vec![(now + backoff).into(), e.into(), id.into()],
                Outcome::Retrying,
            )
        }
    };
    db.execute(Statement::from_sql_and_values(backend, sql(backend, &q), values)).await?;
    Ok(outcome)
}

/// A worker: runs `pass` until it finds nothing due, then sleeps `poll`; stops when
/// `shutdown` fires.
pub async fn work_loop<F, Fut>(
    name: &'static str,
    poll: std::time::Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    mut pass: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<usize, DbErr>>,
{
    loop {
        let busy = match pass().await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::error!(error = %e, outbox = name, "outbox pass failed");
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
