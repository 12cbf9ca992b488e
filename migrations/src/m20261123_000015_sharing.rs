//! Sharing: the practice's sharing settings, shares (one per recipient, each with its own
//! link token and second factor), and the snapshot of each shared document.
use sea_orm_migration::{prelude::*, schema::*};

use crate::{Practice, Staff};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PracticeSettings {
    Table,
    PracticeId,
    /// JSON `SharingSettings`: no client data.
    Sharing,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Share {
    Table,
    Id,
    PracticeId,
    ClientId,
    /// Shares sent together in one wizard run.
    BatchId,
    SenderId,
    /// `client`, `relation`, `contact` or `other` (typed in).
    RecipientKind,
    RecipientRef,
    RecipientName,
    RecipientEmail,
    RecipientPhone,
    Method,
    PasscodeHash,
    Delivery,
    Purpose,
    PurposeText,
    /// Sealed under the master key.
    Message,
    PsychotherapyAuthorisation,
    /// The share's data key (snapshots are sealed under it), wrapped by the master key.
    WrappedKey,
    KeyId,
    /// SHA-256 of the current link token; the token itself is never stored.
    TokenHash,
    LinkIssuedAt,
    ExpiresAt,
    Status,
    FailedAttempts,
    ViewCount,
    CreatedAt,
    OpenedAt,
    LastViewedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ShareDocument {
    Table,
    ShareId,
    DocumentId,
    PracticeId,
    Position,
    Kind,
    Title,
    DocDate,
    /// What the recipient sees (sections applied), sealed under the share's data key.
    Snapshot,
}

#[derive(DeriveIden)]
enum OutboxEmail {
    Table,
    ShareId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PracticeSettings::Table)
                    .col(string(PracticeSettings::PracticeId).primary_key())
                    .col(text(PracticeSettings::Sharing))
                    .col(timestamp_with_time_zone(PracticeSettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PracticeSettings::Table, PracticeSettings::PracticeId)
                            .to(Practice::Table, Practice::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Share::Table)
                    .col(string(Share::Id).primary_key())
                    .col(string(Share::PracticeId))
                    .col(string(Share::ClientId))
                    .col(string(Share::BatchId))
                    .col(string(Share::SenderId))
                    .col(string(Share::RecipientKind))
                    .col(string_null(Share::RecipientRef))
                    .col(string(Share::RecipientName))
                    .col(string(Share::RecipientEmail))
                    .col(string_null(Share::RecipientPhone))
                    .col(string(Share::Method))
                    .col(string_null(Share::PasscodeHash))
                    .col(string(Share::Delivery))
                    .col(string(Share::Purpose))
                    .col(string(Share::PurposeText))
                    .col(text_null(Share::Message))
                    .col(string_null(Share::PsychotherapyAuthorisation))
                    .col(string(Share::WrappedKey))
                    .col(string(Share::KeyId))
                    .col(string(Share::TokenHash))
                    .col(timestamp_with_time_zone(Share::LinkIssuedAt))
                    .col(timestamp_with_time_zone(Share::ExpiresAt))
                    .col(string(Share::Status))
                    .col(integer(Share::FailedAttempts).default(0))
                    .col(integer(Share::ViewCount).default(0))
                    .col(timestamp_with_time_zone(Share::CreatedAt))
                    .col(timestamp_with_time_zone_null(Share::OpenedAt))
                    .col(timestamp_with_time_zone_null(Share::LastViewedAt))
                    .col(timestamp_with_time_zone_null(Share::RevokedAt))
                    .foreign_key(
                        ForeignKey::create().from(Share::Table, Share::PracticeId).to(Practice::Table, Practice::Id),
                    )
                    .foreign_key(ForeignKey::create().from(Share::Table, Share::SenderId).to(Staff::Table, Staff::Id))
                    .to_owned(),
            )
            .await?;
        for idx in [
            Index::create().name("ux_share_token").table(Share::Table).col(Share::TokenHash).unique().to_owned(),
            Index::create()
                .name("ix_share_client")
                .table(Share::Table)
                .col(Share::PracticeId)
                .col(Share::ClientId)
                .col(Share::CreatedAt)
                .to_owned(),
            Index::create()
                .name("ix_share_recipient")
                .table(Share::Table)
                .col(Share::PracticeId)
                .col(Share::RecipientEmail)
                .to_owned(),
            Index::create()
                .name("ix_share_status_expiry")
                .table(Share::Table)
                .col(Share::Status)
                .col(Share::ExpiresAt)
                .to_owned(),
        ] {
            manager.create_index(idx).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ShareDocument::Table)
                    .col(string(ShareDocument::ShareId))
                    .col(string(ShareDocument::DocumentId))
                    .col(string(ShareDocument::PracticeId))
                    .col(integer(ShareDocument::Position))
                    .col(string(ShareDocument::Kind))
                    .col(string(ShareDocument::Title))
                    .col(string(ShareDocument::DocDate))
                    .col(text(ShareDocument::Snapshot))
                    .primary_key(Index::create().col(ShareDocument::ShareId).col(ShareDocument::DocumentId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShareDocument::Table, ShareDocument::ShareId)
                            .to(Share::Table, Share::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_share_document_document")
                    .table(ShareDocument::Table)
                    .col(ShareDocument::DocumentId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(OutboxEmail::Table).add_column(string_null(OutboxEmail::ShareId)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(OutboxEmail::Table).drop_column(OutboxEmail::ShareId).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(ShareDocument::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Share::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(PracticeSettings::Table).to_owned()).await
    }
}
