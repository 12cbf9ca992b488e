//! Entity for the `share_document` table (schema in `migrations/`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "share_document")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub share_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub document_id: String,
    pub practice_id: String,
    pub position: i32,
    pub kind: String,
    pub title: String,
    pub doc_date: String,
    pub snapshot: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
