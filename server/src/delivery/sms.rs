//! Text messages and voice calls (verification codes), through the same transactional
//! outbox as email ([`crate::delivery::outbox`]).
//!
//! `enqueue` seals the number and text in the caller's transaction; the worker hands each
//! message to an [`SmsProvider`]: [`TwilioProvider`] speaks Twilio's REST API (Messages,
//! and Calls with TwiML `<Say>` for voice), which several providers and test doubles
//! imitate; [`FileSink`] appends to a file for the embedded default, so a newcomer can read
//! the codes. Codes are never logged: log lines carry the outbox id only.
use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};
use std::{path::PathBuf, sync::Arc};

use crate::{
    config::{Config, Secret, SmsProviderKind},
    delivery::outbox::{self, Attempt, Queue},
    platform::crypto::Keys,
    platform::entities::{OutboxStatus, outbox_sms},
};

pub use crate::platform::entities::Channel;

/// What is stored (sealed) in the outbox row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutgoingSms {
    pub channel: Channel,
    /// E.164, e.g. `+447700900123`.
    pub to: String,
    /// The text sent, or spoken on a call.
    pub text: String,
}

/// The message that carries a verification code. On a call the digits are read one by
/// one, twice.
pub fn code_message(channel: Channel, practice_name: &str, code: &str) -> String {
    match channel {
        Channel::Sms => {
            format!("{code} is your code to view the documents from {practice_name}. It expires in 10 minutes.")
        }
        Channel::Voice => {
            let spoken = code.chars().map(String::from).collect::<Vec<_>>().join(", ");
            format!("Hello. This is {practice_name}. Your code is: {spoken}. Again, your code is: {spoken}. Goodbye.")
        }
    }
}

/// The last two digits, for records and for showing the recipient which phone.
pub fn hint(number: &str) -> String {
    format!("••{}", app::domain::records::last_two_digits(number))
}

/// Queues a text or call in the caller's transaction; returns the outbox id.
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    keys: &Keys,
    practice_id: &str,
    share_id: Option<&str>,
    purpose: &str,
    msg: &OutgoingSms,
) -> Result<String, DbErr> {
    let (id, payload) = outbox::seal_new(keys, Queue::Sms, msg);
    let now = Utc::now();
    outbox_sms::Entity::insert(outbox_sms::ActiveModel {
        id: Set(id.clone()),
        practice_id: Set(practice_id.to_owned()),
        share_id: Set(share_id.map(str::to_owned)),
        purpose: Set(purpose.to_owned()),
        channel: Set(msg.channel),
        to_hint: Set(hint(&msg.to)),
        payload: Set(Some(payload)),
        status: Set(OutboxStatus::Queued),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(None),
        provider_ref: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
    })
    .exec(db)
    .await?;
    metrics::counter!("dossier_sms_queued_total", "channel" => msg.channel.key()).increment(1);
    Ok(id)
}

/// Delivers one message. Errors say what went wrong without repeating the text.
#[async_trait]
pub trait SmsProvider: Send + Sync {
    async fn deliver(&self, msg: &OutgoingSms) -> Attempt;
}

/// Twilio's REST API: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json` (To, From,
/// Body) and `…/Calls.json` (To, From, Twiml), HTTP basic auth with the account SID and
/// auth token. 4xx answers (an unknown or unreachable number) are permanent; 429, 5xx and
/// network errors are retried.
pub struct TwilioProvider {
    http: reqwest::Client,
    base_url: String,
    account_sid: String,
    auth_token: Secret,
    from: String,
}

impl TwilioProvider {
    pub fn new(base_url: &str, account_sid: &str, auth_token: Secret, from: &str) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("sms http client: {e}"))?;
        Ok(TwilioProvider {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token,
            from: from.to_owned(),
        })
    }
}

/// TwiML for a call that speaks `text`.
pub fn twiml_say(text: &str) -> String {
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!("<Response><Say>{escaped}</Say></Response>")
}

#[derive(Deserialize)]
struct TwilioAnswer {
    sid: Option<String>,
    message: Option<String>,
    code: Option<i64>,
}

#[async_trait]
impl SmsProvider for TwilioProvider {
    async fn deliver(&self, msg: &OutgoingSms) -> Attempt {
        let (resource, content_field, content) = match msg.channel {
            Channel::Sms => ("Messages", "Body", msg.text.clone()),
            Channel::Voice => ("Calls", "Twiml", twiml_say(&msg.text)),
        };
        let url = format!("{}/2010-04-01/Accounts/{}/{resource}.json", self.base_url, self.account_sid);
        let r = self
            .http
            .post(url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .form(&[("To", msg.to.as_str()), ("From", self.from.as_str()), (content_field, content.as_str())])
            .send()
            .await;
        let r = match r {
            Ok(r) => r,
            // reqwest's error names the URL, which holds no secret (the SID is an account id).
            Err(e) => return Attempt::Transient(format!("sms provider unreachable: {}", e.without_url())),
        };
        let status = r.status();
        let answer: Option<TwilioAnswer> = r.json().await.ok();
        if status.is_success() {
            return Attempt::Delivered(answer.and_then(|a| a.sid));
        }
        let detail = answer
            .map(|a| format!("{} {}", a.code.map(|c| c.to_string()).unwrap_or_default(), a.message.unwrap_or_default()))
            .unwrap_or_default();
        let e = format!("sms provider answered {status}: {}", detail.trim());
        if status.is_client_error() && status != reqwest::StatusCode::TOO_MANY_REQUESTS {
            Attempt::Permanent(e)
        } else {
            Attempt::Transient(e)
        }
    }
}

/// The embedded default: one JSON line per message in a file under the data folder.
pub struct FileSink {
    path: PathBuf,
    lock: tokio::sync::Mutex<()>,
}

impl FileSink {
    pub fn new(path: PathBuf) -> Result<Self, String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        Ok(FileSink { path, lock: tokio::sync::Mutex::new(()) })
    }
}

#[async_trait]
impl SmsProvider for FileSink {
    async fn deliver(&self, msg: &OutgoingSms) -> Attempt {
        use tokio::io::AsyncWriteExt;
        let line = serde_json::json!({
            "at": Utc::now().to_rfc3339(), "channel": msg.channel, "to": msg.to, "text": msg.text,
        })
        .to_string()
            + "\n";
        let _guard = self.lock.lock().await;
        let file = tokio::fs::OpenOptions::new().create(true).append(true).open(&self.path).await;
        match file {
            // `flush` waits for the write tokio hands to its blocking pool: without it the
            // text was marked delivered before it was in the file, and a failed write was lost.
            Ok(mut f) => match async {
                f.write_all(line.as_bytes()).await?;
                f.flush().await
            }
            .await
            {
                Ok(()) => Attempt::Delivered(None),
                Err(e) => Attempt::Transient(format!("write failed: {e}")),
            },
            Err(e) => Attempt::Transient(format!("cannot open the sms file: {e}")),
        }
    }
}

/// The provider the configuration names.
pub fn provider_from_config(cfg: &Config) -> Result<Arc<dyn SmsProvider>, String> {
    let s = &cfg.sms;
    Ok(match s.provider {
        SmsProviderKind::File => Arc::new(FileSink::new(cfg.sms_file())?),
        SmsProviderKind::Twilio => Arc::new(TwilioProvider::new(
            &s.twilio_base_url,
            &s.account_sid,
            s.auth_token.clone().unwrap_or_else(|| Secret::new("")),
            &s.from,
        )?),
    })
}

/// One pass: claim due messages and try each once. Returns how many were attempted.
pub async fn run_once(db: &DatabaseConnection, keys: &Keys, provider: &dyn SmsProvider) -> Result<usize, DbErr> {
    run_once_with(db, keys, provider, outbox::DEFAULT_LEASE_SECS).await
}

/// [`run_once`] with the claim's lease.
pub async fn run_once_with(
    db: &DatabaseConnection,
    keys: &Keys,
    provider: &dyn SmsProvider,
    lease_secs: u64,
) -> Result<usize, DbErr> {
    let batch = outbox::claim(db, Queue::Sms, 10, lease_secs).await?;
    let n = batch.len();
    for row in batch {
        let attempt = match outbox::open::<OutgoingSms>(keys, Queue::Sms, &row) {
            Err(failed) => failed,
            Ok(msg) => provider.deliver(&msg).await,
        };
        match &attempt {
            Attempt::Delivered(_) => {
                metrics::counter!("dossier_sms_sent_total").increment(1);
                tracing::info!(outbox_id = %row.id, "text or call delivered to the provider");
            }
            Attempt::Transient(e) | Attempt::Permanent(e) => {
                metrics::counter!("dossier_sms_failed_attempts_total").increment(1);
                tracing::warn!(outbox_id = %row.id, attempt = row.attempts, error = %e, "text or call failed");
            }
        }
        outbox::finish(db, Queue::Sms, &row.id, row.attempts, attempt).await?;
    }
    Ok(n)
}

/// The worker; stops when `shutdown` fires.
pub async fn worker(
    db: DatabaseConnection,
    keys: Keys,
    provider: Arc<dyn SmsProvider>,
    poll: std::time::Duration,
    lease_secs: u64,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    outbox::work_loop("sms", poll, shutdown, || run_once_with(&db, &keys, provider.as_ref(), lease_secs)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_spoken_digit_by_digit_and_hints_keep_two_digits() {
        assert!(code_message(Channel::Voice, "Harbour", "123456").contains("1, 2, 3, 4, 5, 6"));
        assert!(code_message(Channel::Sms, "Harbour", "123456").starts_with("123456 is your code"));
        assert_eq!(hint("+44 7700 900123"), "••23");
        assert_eq!(twiml_say("A & <B>"), "<Response><Say>A &amp; &lt;B&gt;</Say></Response>");
    }
}
