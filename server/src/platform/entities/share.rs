//! Entity for the `share` table (schema in `migrations/`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "share")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub practice_id: String,
    pub client_id: String,
    pub batch_id: String,
    pub sender_id: String,
    pub recipient_kind: String,
    pub recipient_ref: Option<String>,
    pub recipient_name: String,
    pub recipient_email: String,
    pub recipient_phone: Option<String>,
    pub method: String,
    pub passcode_hash: Option<String>,
    pub delivery: String,
    pub purpose: String,
    pub purpose_text: String,
    pub message: Option<String>,
    pub psychotherapy_authorisation: Option<String>,
    pub wrapped_key: String,
    pub key_id: String,
    pub token_hash: String,
    pub link_issued_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub status: String,
    pub failed_attempts: i32,
    pub view_count: i32,
    pub created_at: DateTimeUtc,
    pub opened_at: Option<DateTimeUtc>,
    pub last_viewed_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    /// The sender asked for an email when a recipient first opens the share.
    pub notify_on_open: bool,
    /// When the sender was told that the share expires within a day unopened.
    pub reminded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The status column, typed: the one place its text is read (writes use
    /// `ShareStatus::key`). A value Dossier never writes reads as `Failed`: shown to staff,
    /// sent again by no one.
    pub fn stored_status(&self) -> app::domain::sharing::ShareStatus {
        app::domain::sharing::ShareStatus::from_key(&self.status).unwrap_or(app::domain::sharing::ShareStatus::Failed)
    }

    /// How the documents travel, typed: the one place `delivery` is read. Dossier writes
    /// only `link` and `attachment`; anything else reads as a link, the revocable kind.
    pub fn delivered_by(&self) -> app::domain::sharing::Delivery {
        app::domain::sharing::Delivery::from_key(&self.delivery).unwrap_or_default()
    }

    /// How the recipient proves who they are, typed: the one place `method` is read. None
    /// for an attachment, which has no portal step (stored as `none`).
    pub fn verify_method(&self) -> Option<app::domain::sharing::VerifyMethod> {
        app::domain::sharing::VerifyMethod::from_key(&self.method)
    }

    /// What staff see: the stored status, or `Expired` once a live share's time has passed.
    pub fn effective_status(&self, now: DateTimeUtc) -> app::domain::sharing::ShareStatus {
        app::domain::sharing::effective_status(self.stored_status(), self.expires_at <= now)
    }
}
