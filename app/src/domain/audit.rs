//! The audit log as staff read it, and the accounting of disclosures (HIPAA 164.528).
use serde::{Deserialize, Serialize};

/// Filters of the audit log page and its CSV export. Dates are `YYYY-MM-DD` (UTC days).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub client_id: Option<String>,
    pub staff_id: Option<String>,
    /// An event kind (`share.revoked`), or a family ending in a dot (`portal.`).
    pub action: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl AuditFilter {
    /// As URL query parameters (for the CSV link).
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("client", &self.client_id),
            ("staff", &self.staff_id),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                let safe: String = v.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.:".contains(*c)).collect();
                parts.push(format!("{k}={safe}"));
            }
        }
        parts.join("&")
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// "Anna Byrne", "Recipient: Dr Gail Green", "System", "Someone not signed in".
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub network: Option<String>,
    pub user_agent: Option<String>,
    /// The event's details (JSON; never secrets or document text).
    pub detail: String,
}

/// The result of recomputing the hash chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainCheck {
    pub events: u64,
    /// The sequence number of the first row whose hash does not match, if any.
    pub first_broken: Option<i64>,
}

/// Event kinds offered by the filter.
pub const AUDIT_ACTIONS: [(&str, &str); 12] = [
    ("signin.", "Sign-ins"),
    ("share.created", "Shares created"),
    ("share.revoked", "Shares revoked"),
    ("share.", "Every share event"),
    ("email.", "Emails"),
    ("portal.verified", "Recipients verified"),
    ("portal.verify_failed", "Failed verifications"),
    ("portal.viewed", "Documents viewed"),
    ("portal.downloaded", "Documents downloaded"),
    ("portal.", "Every portal event"),
    ("settings.", "Settings"),
    ("document.", "Documents"),
];

/// One disclosure of a client's documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disclosure {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub recipient_name: String,
    pub recipient_address: String,
    pub documents: Vec<String>,
    pub purpose: String,
    pub delivery: String,
    pub status: String,
}

/// The accounting of disclosures of one client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accounting {
    pub client_name: String,
    pub practice_name: String,
    pub generated_at: String,
    pub disclosures: Vec<Disclosure>,
}
