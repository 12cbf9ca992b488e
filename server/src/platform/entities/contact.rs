//! Entity for the `contact` table (schema in `migrations/`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contact")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub practice_id: String,
    pub name: String,
    pub organisation: Option<String>,
    pub kind: String,
    pub email: Option<String>,
    pub phone_e164: Option<String>,
    pub search_key: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The contact's kind, typed: the one place `kind` is read (an unknown one reads as Other).
    pub fn contact_kind(&self) -> app::domain::records::ContactKind {
        app::domain::records::ContactKind::from_key(&self.kind).unwrap_or(app::domain::records::ContactKind::Other)
    }
}
