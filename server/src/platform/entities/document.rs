//! Entity for the `document` table (schema in `migrations/`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "document")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub practice_id: String,
    pub client_id: String,
    pub kind: String,
    pub title: String,
    pub doc_date: String,
    pub author_id: String,
    pub is_psychotherapy: bool,
    pub key_id: String,
    #[sea_orm(column_type = "Text")]
    pub wrapped_key: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
