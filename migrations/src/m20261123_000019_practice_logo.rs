//! The practice's logo, shown on the recipient portal. Small (at most 24 KB, so the
//! portal's first view stays within its 50 KB budget), PNG or JPEG, served publicly under
//! a content-hash address. Also: when a sender was reminded that a share expires
//! unopened (the expiry sweep reminds once), and `(practice_id, search_key)` indexes so
//! the wizard's recipient autocomplete finds names by prefix with an index range.
use sea_orm_migration::{prelude::*, schema::*};

use crate::Practice;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PracticeLogo {
    Table,
    PracticeId,
    MediaType,
    /// The image, base64.
    Data,
    /// First 16 hex digits of its SHA-256: the cache-busting version in its address.
    Hash,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Share {
    Table,
    RemindedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Share::Table)
                    .add_column(timestamp_with_time_zone_null(Share::RemindedAt))
                    .to_owned(),
            )
            .await?;
        for (name, table) in [("ix_contact_prefix", "contact"), ("ix_previous_recipient_prefix", "previous_recipient")]
        {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Alias::new(table))
                        .col(Alias::new("practice_id"))
                        .col(Alias::new("search_key"))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(PracticeLogo::Table)
                    .col(string(PracticeLogo::PracticeId).primary_key())
                    .col(string(PracticeLogo::MediaType))
                    .col(text(PracticeLogo::Data))
                    .col(string(PracticeLogo::Hash))
                    .col(timestamp_with_time_zone(PracticeLogo::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PracticeLogo::Table, PracticeLogo::PracticeId)
                            .to(Practice::Table, Practice::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PracticeLogo::Table).to_owned()).await?;
        for (name, table) in [("ix_contact_prefix", "contact"), ("ix_previous_recipient_prefix", "previous_recipient")]
        {
            manager.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(Share::Table).drop_column(Share::RemindedAt).to_owned()).await
    }
}
