//! Transactional outbox for email. Rows are written in the same transaction as the change
//! that causes them; workers on any instance claim them atomically. Message bodies are
//! AEAD ciphertext (they can carry single-use links) and are erased once sent.
use sea_orm_migration::{prelude::*, schema::*};

use crate::Practice;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxEmail {
    Table,
    Id,
    PracticeId,
    Purpose,
    ToAddress,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    LastError,
    SentAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboxEmail::Table)
                    .col(string(OutboxEmail::Id).primary_key())
                    .col(string(OutboxEmail::PracticeId))
                    .col(string(OutboxEmail::Purpose))
                    .col(string(OutboxEmail::ToAddress))
                    .col(text_null(OutboxEmail::Payload))
                    .col(string(OutboxEmail::Status))
                    .col(integer(OutboxEmail::Attempts).default(0))
                    .col(timestamp_with_time_zone(OutboxEmail::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(OutboxEmail::ClaimedUntil))
                    .col(text_null(OutboxEmail::LastError))
                    .col(timestamp_with_time_zone_null(OutboxEmail::SentAt))
                    .col(timestamp_with_time_zone(OutboxEmail::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OutboxEmail::Table, OutboxEmail::PracticeId)
                            .to(Practice::Table, Practice::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_email_due")
                    .table(OutboxEmail::Table)
                    .col(OutboxEmail::Status)
                    .col(OutboxEmail::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(OutboxEmail::Table).to_owned()).await
    }
}
