//! Transactional outbox for text messages and voice calls (verification codes). Same
//! pattern as `outbox_email`: written in the caller's transaction, claimed atomically by
//! workers on any instance, the payload (number and text, which carries a code) sealed and
//! erased once delivered. `to_hint` keeps only the number's last two digits.
use sea_orm_migration::{prelude::*, schema::*};

use crate::Practice;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxSms {
    Table,
    Id,
    PracticeId,
    ShareId,
    Purpose,
    /// `sms` or `voice`.
    Channel,
    ToHint,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    LastError,
    /// The provider's id for the message or call (Twilio `sid`).
    ProviderRef,
    SentAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboxSms::Table)
                    .col(string(OutboxSms::Id).primary_key())
                    .col(string(OutboxSms::PracticeId))
                    .col(string_null(OutboxSms::ShareId))
                    .col(string(OutboxSms::Purpose))
                    .col(string(OutboxSms::Channel))
                    .col(string(OutboxSms::ToHint))
                    .col(text_null(OutboxSms::Payload))
                    .col(string(OutboxSms::Status))
                    .col(integer(OutboxSms::Attempts).default(0))
                    .col(timestamp_with_time_zone(OutboxSms::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(OutboxSms::ClaimedUntil))
                    .col(text_null(OutboxSms::LastError))
                    .col(string_null(OutboxSms::ProviderRef))
                    .col(timestamp_with_time_zone_null(OutboxSms::SentAt))
                    .col(timestamp_with_time_zone(OutboxSms::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OutboxSms::Table, OutboxSms::PracticeId)
                            .to(Practice::Table, Practice::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_sms_due")
                    .table(OutboxSms::Table)
                    .col(OutboxSms::Status)
                    .col(OutboxSms::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(OutboxSms::Table).to_owned()).await
    }
}
