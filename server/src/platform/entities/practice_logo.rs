//! Entity for the `practice_logo` table (schema in `migrations/`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "practice_logo")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub practice_id: String,
    pub media_type: String,
    #[sea_orm(column_type = "Text")]
    pub data: String,
    pub hash: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
