//! The recipient portal: verified sessions (one share each, idle and absolute timeouts
//! checked on every request), verification codes sent by text or call (HMAC of the code,
//! single use, newest replaces older), in-app notifications for the sender, and the
//! sender's choice to be emailed when a share is first opened.
use sea_orm_migration::{prelude::*, schema::*};

use crate::{Practice, Staff};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PortalSession {
    Table,
    /// SHA-256 of the cookie's random value.
    Id,
    ShareId,
    PracticeId,
    CreatedAt,
    LastSeenAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum ShareCode {
    Table,
    Id,
    ShareId,
    PracticeId,
    /// HMAC-SHA256 of the code under a key derived from the master key.
    CodeHash,
    Channel,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    PracticeId,
    StaffId,
    /// `share.opened`, `share.locked`, `share.expiring`.
    Kind,
    ShareId,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Share {
    Table,
    Id,
    NotifyOnOpen,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PortalSession::Table)
                    .col(string(PortalSession::Id).primary_key())
                    .col(string(PortalSession::ShareId))
                    .col(string(PortalSession::PracticeId))
                    .col(timestamp_with_time_zone(PortalSession::CreatedAt))
                    .col(timestamp_with_time_zone(PortalSession::LastSeenAt))
                    .col(timestamp_with_time_zone_null(PortalSession::EndedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PortalSession::Table, PortalSession::ShareId)
                            .to(Share::Table, Share::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_portal_session_share")
                    .table(PortalSession::Table)
                    .col(PortalSession::ShareId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ShareCode::Table)
                    .col(string(ShareCode::Id).primary_key())
                    .col(string(ShareCode::ShareId))
                    .col(string(ShareCode::PracticeId))
                    .col(string(ShareCode::CodeHash))
                    .col(string(ShareCode::Channel))
                    .col(timestamp_with_time_zone(ShareCode::CreatedAt))
                    .col(timestamp_with_time_zone(ShareCode::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ShareCode::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShareCode::Table, ShareCode::ShareId)
                            .to(Share::Table, Share::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_share_code_share_created")
                    .table(ShareCode::Table)
                    .col(ShareCode::ShareId)
                    .col(ShareCode::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .col(string(Notification::Id).primary_key())
                    .col(string(Notification::PracticeId))
                    .col(string(Notification::StaffId))
                    .col(string(Notification::Kind))
                    .col(string_null(Notification::ShareId))
                    .col(timestamp_with_time_zone(Notification::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notification::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notification::Table, Notification::PracticeId)
                            .to(Practice::Table, Practice::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notification::Table, Notification::StaffId)
                            .to(Staff::Table, Staff::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notification_staff_created")
                    .table(Notification::Table)
                    .col(Notification::StaffId)
                    .col(Notification::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Share::Table).add_column(boolean(Share::NotifyOnOpen).default(false)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Share::Table).drop_column(Share::NotifyOnOpen).to_owned()).await?;
        manager.drop_table(Table::drop().table(Notification::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ShareCode::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(PortalSession::Table).to_owned()).await
    }
}
