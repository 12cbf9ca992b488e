//! Getting messages out, whatever area asks: the durable outbox (claim, lease, retry with
//! backoff), email over SMTP (lettre), text messages and calls (a Twilio-compatible
//! provider or a file), the content of the emails staff receive, the recipients' emails
//! rendered from the practice's templates, and in-app notifications.
pub mod emails;
pub mod mail;
pub mod notifications;
pub mod outbox;
pub mod sms;
pub mod templates;
