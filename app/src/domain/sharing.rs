//! Sharing: the practice's sharing settings, and the vocabulary of a share (verification
//! method, delivery, purpose). Validation lives here so the browser and the server agree.
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How a recipient proves who they are before reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum VerifyMethod {
    /// Email + a 6-digit code by text message.
    Sms,
    /// Email + a 6-digit code by voice call.
    Voice,
    /// Email + a secret passcode staff pass on another way.
    Passcode,
    /// Email + the client's date of birth (clients only).
    DateOfBirth,
    /// The link alone ("magic link").
    LinkOnly,
}

impl VerifyMethod {
    pub const ALL: [VerifyMethod; 5] = [
        VerifyMethod::Sms,
        VerifyMethod::Voice,
        VerifyMethod::Passcode,
        VerifyMethod::DateOfBirth,
        VerifyMethod::LinkOnly,
    ];

    pub fn key(self) -> &'static str {
        match self {
            VerifyMethod::Sms => "sms",
            VerifyMethod::Voice => "voice",
            VerifyMethod::Passcode => "passcode",
            VerifyMethod::DateOfBirth => "date_of_birth",
            VerifyMethod::LinkOnly => "link_only",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        VerifyMethod::ALL.into_iter().find(|m| m.key() == k)
    }

    pub fn label(self) -> &'static str {
        match self {
            VerifyMethod::Sms => "Email + code by text message",
            VerifyMethod::Voice => "Email + code by phone call",
            VerifyMethod::Passcode => "Email + secret passcode",
            VerifyMethod::DateOfBirth => "Email + date of birth",
            VerifyMethod::LinkOnly => "Link only",
        }
    }

    pub fn needs_phone(self) -> bool {
        matches!(self, VerifyMethod::Sms | VerifyMethod::Voice)
    }
}

/// What the practice allows and how its emails look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharingSettings {
    /// The practice's name as recipients see it (kept on the practice itself, not in
    /// the stored settings).
    #[serde(default)]
    pub practice_name: String,
    /// The logo's address, for display (kept in its own table, uploaded separately).
    #[serde(default)]
    pub logo_url: Option<String>,
    /// The practice's time zone, an IANA name (`Europe/London`): staff see times in it
    /// and the portal names it (kept on the practice itself, checked by the server).
    #[serde(default)]
    pub time_zone: String,
    pub enabled: bool,
    pub client_methods: Vec<VerifyMethod>,
    pub third_party_methods: Vec<VerifyMethod>,
    pub attachments_allowed: bool,
    /// At most [`MAX_EXPIRY_DAYS`].
    pub max_expiry_days: u32,
    /// A still-valid link older than this is replaced by a fresh one when opened.
    pub link_ageing_hours: u32,
    pub free_typed_recipients: bool,
    pub from: FromAddresses,
    pub template: EmailTemplate,
    pub contact_phone: String,
    pub contact_email: String,
    pub contact_address: String,
}

pub const MAX_EXPIRY_DAYS: u32 = 14;
pub const DEFAULT_EXPIRY_DAYS: u32 = 7;

/// Outgoing addresses: `general` for everything else and for mixed kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FromAddresses {
    pub general: String,
    pub invoices: String,
    pub consultation_notes: String,
    pub prescriptions: String,
    pub letters: String,
    pub labs: String,
}

/// The share email: subject and body with `{{ placeholders }}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailTemplate {
    pub subject: String,
    pub body: String,
}

/// Placeholders a template may use.
pub const TEMPLATE_PLACEHOLDERS: [(&str, &str); 6] = [
    ("recipient_name", "the recipient's name"),
    ("practice_name", "your practice's name"),
    ("sender_name", "the name of the person sharing"),
    ("expires", "the expiry date, e.g. 30 November 2026"),
    ("link", "the secure link (required)"),
    ("message", "the personal message, if any"),
];

/// The share email rendered with example values (settings preview).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailPreview {
    pub from: String,
    pub subject: String,
    pub text: String,
}

impl Default for SharingSettings {
    fn default() -> Self {
        SharingSettings {
            practice_name: String::new(),
            logo_url: None,
            time_zone: String::new(),
            enabled: true,
            client_methods: vec![VerifyMethod::Sms, VerifyMethod::Voice, VerifyMethod::Passcode, VerifyMethod::DateOfBirth],
            third_party_methods: vec![VerifyMethod::Sms, VerifyMethod::Voice, VerifyMethod::Passcode],
            attachments_allowed: false,
            max_expiry_days: MAX_EXPIRY_DAYS,
            link_ageing_hours: 24,
            free_typed_recipients: true,
            from: FromAddresses::default(),
            template: EmailTemplate {
                subject: "{{ practice_name }} has shared documents with you".into(),
                body: "Hello {{ recipient_name }},\n\n{{ sender_name }} at {{ practice_name }} has shared documents with you. \
                       Open them with this secure link before {{ expires }}:\n\n{{ link }}\n\n{{ message }}\n\n\
                       You will be asked to confirm who you are before you can read them. \
                       If you were not expecting this email, you can ignore it."
                    .into(),
            },
            contact_phone: String::new(),
            contact_email: String::new(),
            contact_address: String::new(),
        }
    }
}

impl SharingSettings {
    /// Checks settings an admin saves (the template is checked by the server's template
    /// engine, `server::sharing::settings::check_template`).
    pub fn validate(&mut self) -> Result<(), AppError> {
        self.practice_name =
            crate::domain::DisplayName::parse("practice_name", "your practice's name", &self.practice_name)?
                .as_str()
                .to_owned();
        if self.max_expiry_days == 0 || self.max_expiry_days > MAX_EXPIRY_DAYS {
            return Err(AppError::invalid("max_expiry_days", format!("Choose between 1 and {MAX_EXPIRY_DAYS} days.")));
        }
        if self.link_ageing_hours == 0 || self.link_ageing_hours > 24 * MAX_EXPIRY_DAYS {
            return Err(AppError::invalid("link_ageing_hours", "Choose between 1 and 336 hours."));
        }
        self.client_methods.sort();
        self.client_methods.dedup();
        self.third_party_methods.sort();
        self.third_party_methods.dedup();
        self.third_party_methods.retain(|m| *m != VerifyMethod::DateOfBirth);
        if self.client_methods.is_empty() {
            return Err(AppError::invalid("client_methods", "Allow at least one verification method for clients."));
        }
        if self.third_party_methods.is_empty() {
            return Err(AppError::invalid(
                "third_party_methods",
                "Allow at least one verification method for third parties.",
            ));
        }
        let from = &mut self.from;
        for (field, v) in [
            ("from_general", &mut from.general),
            ("from_invoices", &mut from.invoices),
            ("from_consultation_notes", &mut from.consultation_notes),
            ("from_prescriptions", &mut from.prescriptions),
            ("from_letters", &mut from.letters),
            ("from_labs", &mut from.labs),
        ] {
            *v = v.trim().to_lowercase();
            if !v.is_empty() {
                crate::domain::EmailAddress::parse(field, v)?;
            }
        }
        self.template.subject = self.template.subject.trim().to_owned();
        if self.template.subject.is_empty() || self.template.subject.chars().count() > 200 {
            return Err(AppError::invalid("subject", "Enter a subject of up to 200 characters."));
        }
        if self.template.body.chars().count() > 5000 {
            return Err(AppError::invalid("body", "Keep the email under 5,000 characters."));
        }
        self.contact_email = self.contact_email.trim().to_lowercase();
        if !self.contact_email.is_empty() {
            crate::domain::EmailAddress::parse("contact_email", &self.contact_email)?;
        }
        for (field, v, max) in
            [("contact_phone", &mut self.contact_phone, 40), ("contact_address", &mut self.contact_address, 300)]
        {
            *v = v.trim().to_owned();
            if v.chars().count() > max {
                return Err(AppError::invalid(field, format!("Keep this under {max} characters.")));
            }
        }
        Ok(())
    }

    pub fn methods_for(&self, is_client: bool) -> &[VerifyMethod] {
        if is_client { &self.client_methods } else { &self.third_party_methods }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let mut s = SharingSettings { practice_name: "Harbour Therapy".into(), ..SharingSettings::default() };
        s.validate().unwrap();
        let mut bad = s.clone();
        bad.max_expiry_days = 15;
        assert!(bad.validate().unwrap_err().to_string().contains("between 1 and 14"));
        let mut bad = s.clone();
        bad.client_methods.clear();
        assert!(bad.validate().is_err());
        let mut bad = s.clone();
        bad.third_party_methods = vec![VerifyMethod::DateOfBirth];
        assert!(bad.validate().is_err(), "date of birth is for clients only");
        let mut bad = s.clone();
        bad.from.invoices = "not an address".into();
        assert!(bad.validate().is_err());
    }

    #[test]
    fn a_share_requests_own_rules() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let req = ShareRequest {
            client_id: "c".into(),
            document_ids: vec!["a".into(), "b".into(), "a".into()],
            recipients: Vec::new(),
            delivery: Delivery::Link,
            expires_on: "2026-12-20".into(),
            purpose: Purpose::Other,
            purpose_text: "  For the tribunal  ".into(),
            message: String::new(),
            psychotherapy_authorisation: String::new(),
            confirmed_warnings: false,
            notify_on_open: false,
        };
        assert_eq!(req.check_documents().unwrap(), ["a", "b"], "each once, in order");
        let field = |r: Result<ShareDetails, AppError>| r.unwrap_err().field().map(str::to_owned);
        assert_eq!(
            ShareRequest { document_ids: vec![], ..req.clone() }.check_documents().unwrap_err().field(),
            Some("document_ids")
        );
        let many = ShareRequest { document_ids: (0..51).map(|i| i.to_string()).collect(), ..req.clone() };
        assert!(many.check_documents().unwrap_err().to_string().contains("at most 50"));
        let ok = req.check_details(today, 14, false).unwrap();
        assert_eq!((ok.expires_on.to_string().as_str(), ok.purpose_text.as_str()), ("2026-12-20", "For the tribunal"));
        assert_eq!(field(req.check_details(today, 13, false)).as_deref(), Some("expires_on"), "15 days ahead");
        assert_eq!(field(req.check_details(today, 14, true)).as_deref(), Some("psychotherapy_authorisation"));
        let blank = ShareRequest { purpose_text: " ".into(), ..req.clone() };
        assert_eq!(field(blank.check_details(today, 14, false)).as_deref(), Some("purpose_text"));
        let long = ShareRequest { message: "w".repeat(MAX_MESSAGE_CHARS + 1), ..req.clone() };
        assert_eq!(field(long.check_details(today, 14, false)).as_deref(), Some("message"));
    }
}

/// How the documents travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Delivery {
    /// A secure link to the portal (revocable).
    #[default]
    Link,
    /// PDFs attached to the email (cannot be revoked once sent).
    Attachment,
}

impl Delivery {
    pub fn key(self) -> &'static str {
        match self {
            Delivery::Link => "link",
            Delivery::Attachment => "attachment",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        [Delivery::Link, Delivery::Attachment].into_iter().find(|d| d.key() == k)
    }

    /// How staff lists name it.
    pub fn label(self) -> &'static str {
        match self {
            Delivery::Link => "Secure link",
            Delivery::Attachment => "Email attachment",
        }
    }
}

/// Why the documents are disclosed (accounting of disclosures, HIPAA 164.528).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Purpose {
    #[default]
    Treatment,
    Insurance,
    PatientRequest,
    Legal,
    Other,
}

impl Purpose {
    pub const ALL: [Purpose; 5] =
        [Purpose::Treatment, Purpose::Insurance, Purpose::PatientRequest, Purpose::Legal, Purpose::Other];

    pub fn key(self) -> &'static str {
        match self {
            Purpose::Treatment => "treatment",
            Purpose::Insurance => "insurance",
            Purpose::PatientRequest => "patient_request",
            Purpose::Legal => "legal",
            Purpose::Other => "other",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        Purpose::ALL.into_iter().find(|p| p.key() == k)
    }

    pub fn label(self) -> &'static str {
        match self {
            Purpose::Treatment => "Treatment or care coordination",
            Purpose::Insurance => "Insurance claim",
            Purpose::PatientRequest => "The client's own request",
            Purpose::Legal => "Legal requirement",
            Purpose::Other => "Other",
        }
    }
}

/// Who a recipient is, relative to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecipientKind {
    Client,
    /// A relationship or emergency contact of the client.
    Relation,
    /// From the practice's contact book.
    Contact,
    /// Typed in (or a previous recipient).
    Other,
}

impl RecipientKind {
    pub fn key(self) -> &'static str {
        match self {
            RecipientKind::Client => "client",
            RecipientKind::Relation => "relation",
            RecipientKind::Contact => "contact",
            RecipientKind::Other => "other",
        }
    }
}

/// A recipient the wizard offers (autocomplete, or the client's own people).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipientOption {
    pub kind: RecipientKind,
    pub ref_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// "Mother", "Insurer · Acme Health", "Shared with before".
    pub detail: String,
}

/// One recipient as the wizard sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipientDraft {
    pub kind: RecipientKind,
    pub ref_id: Option<String>,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub method: VerifyMethod,
    /// For [`VerifyMethod::Passcode`]; never emailed, stored as an argon2id hash.
    pub passcode: String,
    /// For the client: the sections kept per note (document id → section indexes).
    /// Third parties always get whole notes minus internal sections.
    #[serde(default)]
    pub sections: std::collections::BTreeMap<String, Vec<usize>>,
}

/// Everything the wizard sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareRequest {
    pub client_id: String,
    pub document_ids: Vec<String>,
    pub recipients: Vec<RecipientDraft>,
    pub delivery: Delivery,
    /// The last day the share can be opened (`YYYY-MM-DD`, practice time = UTC).
    pub expires_on: String,
    pub purpose: Purpose,
    pub purpose_text: String,
    pub message: String,
    /// Required when a psychotherapy note is shared: how the client authorised it.
    pub psychotherapy_authorisation: String,
    /// The sender saw the misdirection warnings and confirmed.
    pub confirmed_warnings: bool,
    /// Email the sender when a recipient first opens the share.
    #[serde(default)]
    pub notify_on_open: bool,
}

/// What the wizard needs about the client and the practice's rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareContext {
    pub client_id: String,
    pub client_name: String,
    pub client: RecipientOption,
    pub relations: Vec<RecipientOption>,
    pub enabled: bool,
    pub client_methods: Vec<VerifyMethod>,
    pub third_party_methods: Vec<VerifyMethod>,
    pub attachments_allowed: bool,
    pub max_expiry_days: u32,
    pub free_typed_recipients: bool,
    /// Today (UTC), so the browser validates the expiry with the server's calendar.
    pub today: String,
}

/// The result of sending: one share per recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareOutcome {
    pub batch_id: String,
    pub shares: Vec<(String, String)>,
}

/// Misdirection guard: something about a recipient to confirm before sending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipientWarning {
    pub email: String,
    pub message: String,
}

/// Checks the expiry date: after today, at most `max_days` ahead.
pub fn check_expiry(expires_on: &str, today: chrono::NaiveDate, max_days: u32) -> Result<chrono::NaiveDate, AppError> {
    let d = chrono::NaiveDate::parse_from_str(expires_on.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid("expires_on", "Choose an expiry date."))?;
    if d <= today {
        return Err(AppError::invalid("expires_on", "The expiry date must be after today."));
    }
    if d > today + chrono::Duration::days(i64::from(max_days)) {
        return Err(AppError::invalid(
            "expires_on",
            format!(
                "Shares expire within {max_days} days: choose {} or earlier.",
                today + chrono::Duration::days(i64::from(max_days))
            ),
        ));
    }
    Ok(d)
}

/// Most documents one share may carry.
pub const MAX_DOCUMENTS: usize = 50;

/// The longest personal message a share may carry.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// A share request's details once checked: trimmed, the expiry a date.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareDetails {
    pub expires_on: chrono::NaiveDate,
    pub purpose_text: String,
    pub message: String,
    pub authorisation: String,
}

/// The request's own rules, written once: the wizard checks them at each step and the
/// server again when it sends (the server then checks what only it knows: that the
/// documents are the client's, the practice's settings, each recipient's address, phone
/// number and method).
impl ShareRequest {
    /// The documents: at least one, at most [`MAX_DOCUMENTS`]; the ids in order, each once.
    pub fn check_documents(&self) -> Result<Vec<String>, AppError> {
        let mut ids: Vec<String> = Vec::new();
        for id in &self.document_ids {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        if ids.is_empty() {
            return Err(AppError::invalid("document_ids", "Choose at least one document."));
        }
        if ids.len() > MAX_DOCUMENTS {
            return Err(AppError::invalid("document_ids", format!("Share at most {MAX_DOCUMENTS} documents at once.")));
        }
        Ok(ids)
    }

    /// The details: the expiry (after `today`, at most `max_days` ahead), the purpose, the
    /// message, and how the client authorised it when a psychotherapy note is included.
    pub fn check_details(
        &self,
        today: chrono::NaiveDate,
        max_days: u32,
        includes_psychotherapy: bool,
    ) -> Result<ShareDetails, AppError> {
        let expires_on = check_expiry(&self.expires_on, today, max_days)?;
        let purpose_text = self.purpose_text.trim().to_owned();
        if self.purpose == Purpose::Other && purpose_text.is_empty() {
            return Err(AppError::invalid("purpose_text", "Describe the purpose of this disclosure."));
        }
        if purpose_text.chars().count() > 300 {
            return Err(AppError::invalid("purpose_text", "Keep the purpose under 300 characters."));
        }
        let message = self.message.trim().to_owned();
        if message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(AppError::invalid("message", "Keep the message under 2,000 characters."));
        }
        let authorisation = self.psychotherapy_authorisation.trim().to_owned();
        if includes_psychotherapy && authorisation.is_empty() {
            return Err(AppError::invalid(
                "psychotherapy_authorisation",
                "A psychotherapy note is included: record how the client authorised this disclosure.",
            ));
        }
        if authorisation.chars().count() > 300 {
            return Err(AppError::invalid(
                "psychotherapy_authorisation",
                "Keep the authorisation under 300 characters.",
            ));
        }
        Ok(ShareDetails { expires_on, purpose_text, message, authorisation })
    }
}

/// Free-mail domains: fine for people, suspicious for an organisation.
pub const FREE_MAIL: [&str; 12] = [
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.com",
    "proton.me",
    "protonmail.com",
];

/// A share as staff see it after sending (the Shared tab, a document's history).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareRow {
    pub id: String,
    pub client_id: String,
    /// "First Last" of the client whose documents were shared.
    pub client_name: String,
    pub documents: Vec<String>,
    pub recipient_name: String,
    pub recipient_email: String,
    /// "The client", "Mother", "Contact", "Typed in".
    pub recipient_kind: String,
    pub method: String,
    pub delivery: String,
    pub purpose: String,
    pub sender: String,
    /// RFC 3339, UTC.
    pub sent_at: String,
    /// `YYYY-MM-DD`, the last day it opens.
    pub expires_on: String,
    pub status: ShareStatus,
    pub views: i32,
    pub last_viewed_at: Option<String>,
    pub failed_attempts: i32,
    /// How delivery of the link's email is going when it is not plainly done: tries so far
    /// and when the next one is due (retrying), or that it was given up (failed).
    pub delivery_issue: Option<DeliveryIssue>,
    /// Whether the caller may act on it (revoke, extend, resend, unlock: the share
    /// permission); without it the list shows no action it would refuse.
    pub can_act: bool,
}

/// Which shares the practice-wide Shared list shows (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareFilter {
    #[serde(default)]
    pub status: Option<ShareStatus>,
    /// Only what needs someone: locked shares, deliveries given up, and shares not yet
    /// opened that expire within a day.
    #[serde(default)]
    pub attention: bool,
    /// Only shares the caller sent.
    #[serde(default)]
    pub mine: bool,
    /// Sent on or after this day (`YYYY-MM-DD`, empty for any).
    #[serde(default)]
    pub since: String,
    /// Sent on or before this day (`YYYY-MM-DD`, empty for any).
    #[serde(default)]
    pub until: String,
    /// The page after this cursor ([`ShareRow::cursor`] of the last row), newest first.
    #[serde(default)]
    pub after: Option<String>,
}

impl ShareRow {
    /// Where the next page starts (keyset paging: sent time, then id).
    pub fn cursor(&self) -> String {
        format!("{}|{}", self.sent_at, self.id)
    }
}

/// An email that did not go through at the first try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryIssue {
    /// The mail server did not take it yet; Dossier tries again by itself.
    Delayed { tries: i32, next_try_at: String },
    /// Given up after `tries`: the address was refused or the server never answered.
    GivenUp { tries: i32 },
}

impl DeliveryIssue {
    /// Plain words for the sender; times go through `when` (the viewer's format).
    pub fn describe(&self, when: impl Fn(&str) -> String) -> String {
        match self {
            DeliveryIssue::Delayed { tries, next_try_at } => {
                format!("Delivery delayed: {tries} {} so far, next try at {}.", tries_word(*tries), when(next_try_at))
            }
            DeliveryIssue::GivenUp { tries } => {
                format!("Could not deliver after {tries} {}. Check the address, then resend.", tries_word(*tries))
            }
        }
    }
}

fn tries_word(n: i32) -> &'static str {
    if n == 1 { "try" } else { "tries" }
}

/// Where a share is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum ShareStatus {
    Queued,
    Sent,
    Opened,
    Expired,
    Revoked,
    Locked,
    Failed,
}

impl ShareStatus {
    pub const ALL: [ShareStatus; 7] = [
        ShareStatus::Queued,
        ShareStatus::Sent,
        ShareStatus::Opened,
        ShareStatus::Expired,
        ShareStatus::Revoked,
        ShareStatus::Locked,
        ShareStatus::Failed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ShareStatus::Queued => "queued",
            ShareStatus::Sent => "sent",
            ShareStatus::Opened => "opened",
            ShareStatus::Expired => "expired",
            ShareStatus::Revoked => "revoked",
            ShareStatus::Locked => "locked",
            ShareStatus::Failed => "failed",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        ShareStatus::ALL.into_iter().find(|s| s.key() == k)
    }

    pub fn label(self) -> &'static str {
        match self {
            ShareStatus::Queued => "Queued",
            ShareStatus::Sent => "Sent",
            ShareStatus::Opened => "Opened",
            ShareStatus::Expired => "Expired",
            ShareStatus::Revoked => "Revoked",
            ShareStatus::Locked => "Locked",
            ShareStatus::Failed => "Delivery failed",
        }
    }

    /// Still reachable by the recipient (or about to be): revoke, extend and resend apply.
    pub fn is_live(self) -> bool {
        matches!(self, ShareStatus::Queued | ShareStatus::Sent | ShareStatus::Opened | ShareStatus::Locked)
    }
}

/// What staff see of a share: its stored status, or `Expired` once a live share's time has
/// passed (the sweeper writes that down later).
pub fn effective_status(stored: ShareStatus, expired: bool) -> ShareStatus {
    if expired && stored.is_live() { ShareStatus::Expired } else { stored }
}

/// Something a sender should know (the bell in the staff app).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationRow {
    pub id: String,
    pub text: String,
    /// Where it leads (the client's profile).
    pub href: String,
    /// When, as RFC 3339 in the practice's time zone.
    pub at: String,
    /// The same, for reading ([`DAY_TIME`]): "6 Dec 2026, 14:05". Formatted by the server, so
    /// the overview (the first view of the staff app) links no date formatting into its wasm.
    pub at_label: String,
    pub read: bool,
}

/// How the staff app shows an instant: day, month, year and wall-clock time ("6 Dec 2026,
/// 14:05"), as a chrono format. The server formats notifications with it, and the Shared
/// pages their times.
pub const DAY_TIME: &str = "%-d %b %Y, %H:%M";
