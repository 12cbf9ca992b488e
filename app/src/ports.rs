//! Ports: what the server functions in this crate need from the server, declared here and
//! implemented in `server/` (hexagonal architecture; provided through Leptos context).
//! `app` never sees the database, argon2 or lettre.
use async_trait::async_trait;
use std::sync::Arc;

use crate::domain::{DisplayName, EmailAddress, Permission};
use crate::dto::{Enrolment, Me, RoleRow, StaffRow};
use crate::error::AppError;

/// Proof that the current request carries a live, fully signed-in staff session.
///
/// Every port method that acts for staff takes `&StaffPrincipal`, so forgetting to
/// authenticate does not compile. Only the server's session layer constructs it (an
/// architecture test in `server/tests` fails if any other file calls the constructor).
#[derive(Debug, Clone)]
pub struct StaffPrincipal {
    staff_id: String,
    practice_id: String,
    session_id: String,
    is_admin: bool,
    permissions: Vec<Permission>,
}

impl StaffPrincipal {
    /// For the server's session layer only (see the type's documentation).
    #[doc(hidden)]
    pub fn __from_verified_session(
        staff_id: String,
        practice_id: String,
        session_id: String,
        is_admin: bool,
        permissions: Vec<Permission>,
    ) -> Self {
        StaffPrincipal { staff_id, practice_id, session_id, is_admin, permissions }
    }

    pub fn staff_id(&self) -> &str {
        &self.staff_id
    }

    /// The tenant every query made for this principal is confined to.
    pub fn practice_id(&self) -> &str {
        &self.practice_id
    }

    /// The hashed session id (not the cookie value).
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    pub fn is_admin(&self) -> bool {
        self.is_admin
    }

    pub fn can(&self, p: Permission) -> bool {
        self.is_admin || self.permissions.contains(&p)
    }

    /// `Err(Forbidden)` unless the principal holds `p`.
    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.can(p) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}

/// Staff-facing services. Implemented in `server::identity::staff`.
#[async_trait]
pub trait StaffPort: Send + Sync {
    /// Resolves the current request's session cookie to a principal, or `Unauthenticated`.
    async fn authenticate(&self) -> Result<StaffPrincipal, AppError>;
    async fn me(&self, p: &StaffPrincipal) -> Result<Me, AppError>;
    async fn list_staff(&self, p: &StaffPrincipal) -> Result<Vec<StaffRow>, AppError>;
    async fn list_roles(&self, p: &StaffPrincipal) -> Result<Vec<RoleRow>, AppError>;
    async fn invite_staff(
        &self,
        p: &StaffPrincipal,
        name: DisplayName,
        email: EmailAddress,
        role_id: String,
    ) -> Result<(), AppError>;
    async fn create_role(
        &self,
        p: &StaffPrincipal,
        name: DisplayName,
        permissions: Vec<Permission>,
    ) -> Result<RoleRow, AppError>;
}

/// Services used by the sign-in pages, before a full session exists.
#[async_trait]
pub trait AuthPort: Send + Sync {
    /// The pending TOTP enrolment of the half-signed-in caller.
    async fn enrolment(&self) -> Result<Enrolment, AppError>;
    /// Recovery codes just generated for the caller, shown exactly once.
    async fn fresh_recovery_codes(&self) -> Result<Vec<String>, AppError>;
    /// Verifies and decodes a signed form-feedback token produced by the server.
    fn read_flash(&self, token: &str) -> Option<(String, String)>;
}

pub type DynStaffPort = Arc<dyn StaffPort>;
pub type DynAuthPort = Arc<dyn AuthPort>;

/// Clients and the contact book. Every method confines itself to what the principal may
/// see: a client outside their access is `NotFound`, exactly like one that does not exist.
#[async_trait]
pub trait RecordsPort: Send + Sync {
    /// The practice's region for national phone numbers (ISO 3166 code, e.g. "GB").
    fn phone_region(&self) -> String;
    async fn list_clients(
        &self,
        p: &StaffPrincipal,
        query: &str,
        archived: bool,
        page: u32,
    ) -> Result<crate::dto::Page<crate::dto::ClientRow>, AppError>;
    async fn get_client(&self, p: &StaffPrincipal, id: &str) -> Result<crate::dto::ClientDetail, AppError>;
    async fn create_client(
        &self,
        p: &StaffPrincipal,
        input: crate::domain::inputs::ClientInput,
        owner_id: Option<String>,
    ) -> Result<String, AppError>;
    async fn update_client(
        &self,
        p: &StaffPrincipal,
        id: &str,
        input: crate::domain::inputs::ClientInput,
    ) -> Result<(), AppError>;
    async fn set_archived(&self, p: &StaffPrincipal, id: &str, archived: bool) -> Result<(), AppError>;
    async fn set_client_access(
        &self,
        p: &StaffPrincipal,
        id: &str,
        owner_id: &str,
        mode: crate::domain::records::AccessMode,
        selected: Vec<String>,
    ) -> Result<(), AppError>;
    async fn add_client_contact(
        &self,
        p: &StaffPrincipal,
        client_id: &str,
        input: crate::domain::inputs::ClientContactInput,
    ) -> Result<(), AppError>;
    async fn remove_client_contact(
        &self,
        p: &StaffPrincipal,
        client_id: &str,
        contact_id: &str,
    ) -> Result<(), AppError>;
    /// Active staff of the practice (names only), for owner and access pickers.
    async fn staff_options(&self, p: &StaffPrincipal) -> Result<Vec<crate::dto::StaffRef>, AppError>;
    async fn list_contacts(
        &self,
        p: &StaffPrincipal,
        query: &str,
        page: u32,
    ) -> Result<crate::dto::Page<crate::dto::ContactRow>, AppError>;
    async fn save_contact(
        &self,
        p: &StaffPrincipal,
        id: Option<String>,
        input: crate::domain::inputs::ContactInput,
    ) -> Result<String, AppError>;
}

pub type DynRecordsPort = Arc<dyn RecordsPort>;

/// Documents of clients. Access follows the client: a document of a client the caller
/// may not see is `NotFound`. Content is decrypted only inside these methods.
#[async_trait]
pub trait DocumentsPort: Send + Sync {
    async fn list_documents(
        &self,
        p: &StaffPrincipal,
        client_id: &str,
        kind: Option<crate::domain::documents::DocumentKind>,
        query: &str,
        dates: crate::domain::documents::DateRange,
        page: u32,
    ) -> Result<crate::dto::Page<crate::dto::DocumentRow>, AppError>;
    /// Every document of the practice the caller may see (the access rule applies), newest
    /// first, a page at a time.
    async fn list_practice_documents(
        &self,
        p: &StaffPrincipal,
        filter: &crate::dto::DocumentFilter,
    ) -> Result<crate::dto::Page<crate::dto::DocumentListItem>, AppError>;
    async fn get_document(&self, p: &StaffPrincipal, id: &str) -> Result<crate::dto::DocumentView, AppError>;
    async fn save_document(
        &self,
        p: &StaffPrincipal,
        client_id: &str,
        id: Option<String>,
        draft: crate::dto::DocumentDraft,
    ) -> Result<String, AppError>;
}

pub type DynDocumentsPort = Arc<dyn DocumentsPort>;

/// Public intake forms, as staff manage them.
#[async_trait]
pub trait IntakePort: Send + Sync {
    async fn intake_settings(&self, p: &StaffPrincipal) -> Result<crate::domain::intake::IntakeSettings, AppError>;
    async fn save_intake_form(
        &self,
        p: &StaffPrincipal,
        form: crate::domain::intake::IntakeForm,
    ) -> Result<(), AppError>;
    async fn list_submissions(
        &self,
        p: &StaffPrincipal,
        page: u32,
    ) -> Result<crate::dto::Page<crate::domain::intake::SubmissionRow>, AppError>;
    /// `attach`: move the intake form to the matching existing client and archive the new
    /// record; otherwise keep both clients.
    async fn resolve_submission(&self, p: &StaffPrincipal, id: &str, attach: bool) -> Result<(), AppError>;
}

pub type DynIntakePort = Arc<dyn IntakePort>;

/// Sharing: settings, the wizard's context and recipient search, and sending.
#[async_trait]
pub trait SharingPort: Send + Sync {
    async fn sharing_settings(&self, p: &StaffPrincipal) -> Result<crate::domain::sharing::SharingSettings, AppError>;
    async fn save_sharing_settings(
        &self,
        p: &StaffPrincipal,
        s: crate::domain::sharing::SharingSettings,
    ) -> Result<(), AppError>;
    async fn share_context(
        &self,
        p: &StaffPrincipal,
        client_id: &str,
    ) -> Result<crate::domain::sharing::ShareContext, AppError>;
    async fn search_recipients(
        &self,
        p: &StaffPrincipal,
        query: &str,
    ) -> Result<Vec<crate::domain::sharing::RecipientOption>, AppError>;
    async fn check_recipients(
        &self,
        p: &StaffPrincipal,
        req: &crate::domain::sharing::ShareRequest,
    ) -> Result<Vec<crate::domain::sharing::RecipientWarning>, AppError>;
    async fn create_shares(
        &self,
        p: &StaffPrincipal,
        req: crate::domain::sharing::ShareRequest,
    ) -> Result<crate::domain::sharing::ShareOutcome, AppError>;
    /// The share email as a recipient would get it, from a template not yet saved.
    async fn preview_share_email(
        &self,
        p: &StaffPrincipal,
        template: crate::domain::sharing::EmailTemplate,
    ) -> Result<crate::domain::sharing::EmailPreview, AppError>;
    /// Sends that preview to the signed-in admin's own address; returns the address.
    async fn send_test_email(
        &self,
        p: &StaffPrincipal,
        template: crate::domain::sharing::EmailTemplate,
    ) -> Result<String, AppError>;
    /// Sends a test text or call through the configured provider; returns the masked number.
    async fn send_test_sms(&self, p: &StaffPrincipal, phone: &str, voice: bool) -> Result<String, AppError>;
    /// Every share of a client's documents, newest first (optionally one status).
    async fn list_client_shares(
        &self,
        p: &StaffPrincipal,
        client_id: &str,
        status: Option<crate::domain::sharing::ShareStatus>,
    ) -> Result<Vec<crate::domain::sharing::ShareRow>, AppError>;
    /// How, with whom and when a document was shared.
    async fn document_shares(
        &self,
        p: &StaffPrincipal,
        document_id: &str,
    ) -> Result<Vec<crate::domain::sharing::ShareRow>, AppError>;
    /// Every share of the practice whose client the caller may see, newest first, a page
    /// at a time (the Shared list and the Overview).
    async fn list_shares(
        &self,
        p: &StaffPrincipal,
        filter: &crate::domain::sharing::ShareFilter,
    ) -> Result<crate::dto::Page<crate::domain::sharing::ShareRow>, AppError>;
    async fn revoke_share(&self, p: &StaffPrincipal, share_id: &str) -> Result<(), AppError>;
    /// Revokes the chosen shares (each checked; all or none); returns how many were live.
    async fn revoke_shares(&self, p: &StaffPrincipal, share_ids: &[String]) -> Result<u64, AppError>;
    /// Revokes every live share of the client; returns how many.
    async fn revoke_client_shares(&self, p: &StaffPrincipal, client_id: &str) -> Result<u64, AppError>;
    async fn extend_share(&self, p: &StaffPrincipal, share_id: &str, expires_on: &str) -> Result<(), AppError>;
    /// A new link (new token; the old one stops working) emailed to the recipient.
    async fn resend_share(&self, p: &StaffPrincipal, share_id: &str) -> Result<(), AppError>;
    async fn unlock_share(&self, p: &StaffPrincipal, share_id: &str) -> Result<(), AppError>;
    async fn notifications(&self, p: &StaffPrincipal)
    -> Result<Vec<crate::domain::sharing::NotificationRow>, AppError>;
    async fn mark_notifications_read(&self, p: &StaffPrincipal) -> Result<(), AppError>;
}

pub type DynSharingPort = Arc<dyn SharingPort>;

/// The audit log and the accounting of disclosures.
#[async_trait]
pub trait AuditPort: Send + Sync {
    /// One page (50 events, newest first) of the practice's audit log.
    async fn list_audit(
        &self,
        p: &StaffPrincipal,
        filter: crate::domain::audit::AuditFilter,
        page: u32,
    ) -> Result<crate::dto::Page<crate::domain::audit::AuditRow>, AppError>;
    /// Recomputes the practice's hash chain.
    async fn verify_audit_chain(&self, p: &StaffPrincipal) -> Result<crate::domain::audit::ChainCheck, AppError>;
    /// Every disclosure of the client's documents.
    async fn accounting(
        &self,
        p: &StaffPrincipal,
        client_id: &str,
    ) -> Result<crate::domain::audit::Accounting, AppError>;
}

pub type DynAuditPort = Arc<dyn AuditPort>;

/// Every port, provided to each request as one context value: server functions reach them
/// through `api::support::{as_staff, ports}`, the server wires them in `router.rs`.
#[derive(Clone)]
pub struct Ports {
    pub staff: DynStaffPort,
    pub auth: DynAuthPort,
    pub records: DynRecordsPort,
    pub documents: DynDocumentsPort,
    pub intake: DynIntakePort,
    pub sharing: DynSharingPort,
    pub audit: DynAuditPort,
}
