//! Entity for the `staff` table (schema in `migrations/`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub practice_id: String,
    pub email: String,
    pub display_name: String,
    pub role_id: String,
    pub status: StaffStatus,
    #[sea_orm(column_type = "Text", nullable)]
    pub password_hash: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub totp_secret: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub totp_pending_secret: Option<String>,
    pub totp_last_step: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Where a staff account stands. Only an active account signs in, is offered as an owner,
/// or receives a practice's notices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum StaffStatus {
    /// Invited by email: no password or two-step verification yet.
    #[sea_orm(string_value = "invited")]
    Invited,
    /// Signed in at least once, with a password and two-step verification.
    #[sea_orm(string_value = "active")]
    Active,
}

impl Model {
    pub fn is_active(&self) -> bool {
        self.status == StaffStatus::Active
    }
}
