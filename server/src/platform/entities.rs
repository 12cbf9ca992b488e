//! sea-orm entities, one per table. Tenant-owned tables all carry `practice_id`;
//! queries for staff go through `scoped` helpers that add it.
pub mod action_token;
pub mod audit_event;
pub mod client;
pub mod client_access;
pub mod client_contact;
pub mod contact;
pub mod document;
pub mod document_file;
pub mod intake_form;
pub mod intake_link;
pub mod intake_submission;
pub mod notification;
pub mod outbox_email;
pub mod outbox_sms;
pub mod portal_session;
pub mod practice;
pub mod practice_logo;
pub mod practice_settings;
pub mod previous_recipient;
pub mod recovery_code;
pub mod role;
pub mod share;
pub mod share_code;
pub mod share_document;
pub mod staff;
pub mod staff_session;
pub mod throttle;

use app::domain::documents::DocumentKind;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A document's kind, typed, from the key kept in `document.kind` and `share_document.kind`
/// (a shared document's is copied from the document when it is shared): the one place a
/// stored kind is read. A kind this version does not know reads as an uploaded file, shown
/// and downloaded as it was stored.
pub fn document_kind(key: &str) -> DocumentKind {
    DocumentKind::from_key(key).unwrap_or(DocumentKind::OtherFile)
}

/// How a verification code reaches the phone: a text message or a call that reads it out.
/// Stored in `share_code.channel` and `outbox_sms.channel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, EnumIter, DeriveActiveEnum)]
#[serde(rename_all = "lowercase")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Channel {
    #[sea_orm(string_value = "sms")]
    Sms,
    #[sea_orm(string_value = "voice")]
    Voice,
}

impl Channel {
    pub fn key(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Voice => "voice",
        }
    }
}

/// Where a queued email or text stands (`outbox_email.status`, `outbox_sms.status`). The
/// queue's claims and retries move rows between them in `delivery::outbox`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum OutboxStatus {
    /// Waiting for its next attempt (`next_attempt_at`).
    #[sea_orm(string_value = "queued")]
    Queued,
    /// Claimed by a worker until `claimed_until`; a crashed worker's claim runs out.
    #[sea_orm(string_value = "sending")]
    Sending,
    /// Accepted by the mail server or SMS provider.
    #[sea_orm(string_value = "sent")]
    Sent,
    /// Given up after the last attempt, or refused for good.
    #[sea_orm(string_value = "failed")]
    Failed,
}
