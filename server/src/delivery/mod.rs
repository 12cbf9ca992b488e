//! Getting messages out, whatever area asks: the durable outbox (claim, lease, retry with
//! backoff), email over SMTP (lettre), text messages and calls (a Twilio-compatible
//! provider or a file), and the content of the emails staff receive.
pub mod emails;
pub mod mail;
pub mod outbox;
pub mod sms;
