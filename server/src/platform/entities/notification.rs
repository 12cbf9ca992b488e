//! Entity for the `notification` table (schema in `migrations/`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub practice_id: String,
    pub staff_id: String,
    pub kind: NotificationKind,
    pub share_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What happened to a share, told to the staff member who sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum NotificationKind {
    /// The recipient opened it for the first time.
    #[sea_orm(string_value = "share.opened")]
    ShareOpened,
    /// Too many wrong answers locked it.
    #[sea_orm(string_value = "share.locked")]
    ShareLocked,
    /// It expires within a day and has not been opened.
    #[sea_orm(string_value = "share.expiring")]
    ShareExpiring,
}
