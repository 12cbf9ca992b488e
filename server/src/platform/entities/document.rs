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

impl Model {
    /// The document's kind, typed: the one place `kind` is read. A kind this version does not
    /// know reads as an uploaded file, shown and downloaded as it was stored.
    pub fn document_kind(&self) -> app::domain::documents::DocumentKind {
        app::domain::documents::DocumentKind::from_key(&self.kind)
            .unwrap_or(app::domain::documents::DocumentKind::OtherFile)
    }
}
