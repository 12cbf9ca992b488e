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

impl Model {
    /// The shared document (copied from the document when it was shared)'s kind, typed: the one place `kind` is read. A kind this version does not
    /// know reads as an uploaded file, shown and downloaded as it was stored.
    pub fn document_kind(&self) -> app::domain::documents::DocumentKind {
        app::domain::documents::DocumentKind::from_key(&self.kind)
            .unwrap_or(app::domain::documents::DocumentKind::OtherFile)
    }
}
