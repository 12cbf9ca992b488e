//! Entity for the `intake_submission` table (schema in `migrations/`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "intake_submission")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub practice_id: String,
    pub link_id: String,
    pub client_id: String,
    pub document_id: String,
    pub owner_id: String,
    pub match_client_id: Option<String>,
    pub status: SubmissionStatus,
    pub created_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What staff did with a submitted intake form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SubmissionStatus {
    /// Waiting in the inbox.
    #[sea_orm(string_value = "new")]
    New,
    /// Filed under the existing client it matched.
    #[sea_orm(string_value = "attached")]
    Attached,
    /// Kept as a new client of its own.
    #[sea_orm(string_value = "separate")]
    Separate,
}
