//! Entity for the `client_contact` table (schema in `migrations/`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "client_contact")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub practice_id: String,
    pub client_id: String,
    pub kind: String,
    pub name: String,
    pub relationship: String,
    pub email: Option<String>,
    pub phone_e164: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Who the contact is to the client, typed: the one place `kind` is read. Dossier writes
    /// only the two keys; anything else reads as a relationship.
    pub fn client_contact_kind(&self) -> app::domain::records::ClientContactKind {
        app::domain::records::ClientContactKind::from_key(&self.kind)
            .unwrap_or(app::domain::records::ClientContactKind::Relationship)
    }
}
