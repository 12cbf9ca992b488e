//! Data sent between the server and the browser. No secrets beyond what the signed-in
//! person is entitled to see about themselves.
use serde::{Deserialize, Serialize};

use crate::domain::Permission;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub staff_id: String,
    pub name: String,
    pub email: String,
    pub role_name: String,
    pub is_admin: bool,
    pub permissions: Vec<Permission>,
    pub practice_name: String,
    /// The practice's time zone (IANA name): the times staff see are in it.
    pub time_zone: String,
}

impl Me {
    pub fn can(&self, p: Permission) -> bool {
        self.is_admin || self.permissions.contains(&p)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role_name: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleRow {
    pub id: String,
    pub name: String,
    pub is_admin: bool,
    pub is_builtin: bool,
    pub permissions: Vec<Permission>,
}

/// What the TOTP enrolment page shows: the QR code (SVG data URL) and the manual key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrolment {
    pub qr_svg_data_url: String,
    pub secret_base32: String,
    pub account_label: String,
}

/// A client as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientRow {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub owner_name: String,
    pub archived: bool,
}

/// A relationship or emergency contact of a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientContactRow {
    pub id: String,
    pub kind: crate::domain::records::ClientContactKind,
    pub name: String,
    pub relationship: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffRef {
    pub id: String,
    pub name: String,
}

/// Who may open a client's file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientAccessInfo {
    pub owner: StaffRef,
    pub mode: crate::domain::records::AccessMode,
    pub selected: Vec<StaffRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientDetail {
    pub client: ClientRow,
    pub contacts: Vec<ClientContactRow>,
    pub access: ClientAccessInfo,
    /// Whether the caller may change owner and access (owner, admin, "all clients").
    pub can_manage_access: bool,
    /// Whether the caller may share this client's documents (the share permission).
    pub can_share: bool,
}

/// How many rows a page of a practice-wide list (Documents, Shared) holds.
pub const LIST_PAGE: u64 = 50;

/// How many rows a page of a numbered list (clients, contacts, a client's documents,
/// the intake inbox) holds.
pub const PAGE_SIZE: u64 = 50;

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

/// An entry of the practice's contact book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRow {
    pub id: String,
    pub name: String,
    pub organisation: Option<String>,
    pub kind: crate::domain::records::ContactKind,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A document as listed (no content).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRow {
    pub id: String,
    pub client_id: String,
    pub kind: crate::domain::documents::DocumentKind,
    pub title: String,
    pub date: String,
    pub author_name: String,
    pub is_psychotherapy: bool,
    pub has_file: bool,
}

/// Which documents the practice-wide Documents list shows (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentFilter {
    #[serde(default)]
    pub kind: Option<crate::domain::documents::DocumentKind>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub author_id: Option<String>,
    /// Title, client name or date.
    #[serde(default)]
    pub query: String,
    /// Dated on or after (`YYYY-MM-DD`, empty for any).
    #[serde(default)]
    pub from: String,
    /// Dated on or before.
    #[serde(default)]
    pub to: String,
    /// The page after this cursor ([`DocumentListItem::cursor`] of the last row).
    #[serde(default)]
    pub after: Option<String>,
}

/// A document in the practice-wide list: its row, its client, and where the next page
/// starts if it is the last of this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentListItem {
    pub row: DocumentRow,
    pub client_name: String,
    pub cursor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileInfo {
    pub media_type: String,
    pub file_name: String,
    pub size_bytes: i64,
}

/// A document with its decrypted content, for someone allowed to read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentView {
    pub row: DocumentRow,
    pub client_name: String,
    pub body: crate::domain::documents::DocumentBody,
    pub file: Option<FileInfo>,
    /// Whether the caller may share it (the share permission).
    pub can_share: bool,
}

/// What a form sends to create or edit a structured document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentDraft {
    pub kind: crate::domain::documents::DocumentKind,
    pub title: String,
    pub date: String,
    pub is_psychotherapy: bool,
    pub body: crate::domain::documents::DocumentBody,
}
