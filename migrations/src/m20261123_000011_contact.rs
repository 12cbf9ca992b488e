//! The practice's contact book: external people and organisations.
use sea_orm_migration::{prelude::*, schema::*};

use crate::Practice;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contact {
    Table,
    Id,
    PracticeId,
    Name,
    Organisation,
    Kind,
    Email,
    PhoneE164,
    SearchKey,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contact::Table)
                    .col(string(Contact::Id).primary_key())
                    .col(string(Contact::PracticeId))
                    .col(string(Contact::Name))
                    .col(string_null(Contact::Organisation))
                    .col(string(Contact::Kind))
                    .col(string_null(Contact::Email))
                    .col(string_null(Contact::PhoneE164))
                    .col(string(Contact::SearchKey))
                    .col(timestamp_with_time_zone(Contact::CreatedAt))
                    .col(timestamp_with_time_zone(Contact::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Contact::Table, Contact::PracticeId)
                            .to(Practice::Table, Practice::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contact_practice_search")
                    .table(Contact::Table)
                    .col(Contact::PracticeId)
                    .col(Contact::SearchKey)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Contact::Table).to_owned()).await
    }
}
