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

/// Where a sign-in flow stands, for the auth pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicInfo {
    pub has_practice: bool,
    pub practice_name: Option<String>,
}
