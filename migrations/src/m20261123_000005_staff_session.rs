//! Server-side staff sessions. The primary key is the SHA-256 of the cookie value, so a
//! database leak does not hand out live sessions. `stage` walks
//! password → (enrol →  recovery codes) → active; only `active` reaches the app.
use sea_orm_migration::{prelude::*, schema::*};

use crate::Staff;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StaffSession {
    Table,
    Id,
    PracticeId,
    StaffId,
    Stage,
    PendingData,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    ClientNetwork,
    UserAgent,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StaffSession::Table)
                    .col(string(StaffSession::Id).primary_key())
                    .col(string(StaffSession::PracticeId))
                    .col(string(StaffSession::StaffId))
                    .col(string(StaffSession::Stage))
                    .col(text_null(StaffSession::PendingData))
                    .col(timestamp_with_time_zone(StaffSession::CreatedAt))
                    .col(timestamp_with_time_zone(StaffSession::LastSeenAt))
                    .col(timestamp_with_time_zone(StaffSession::ExpiresAt))
                    .col(string(StaffSession::ClientNetwork))
                    .col(string(StaffSession::UserAgent))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffSession::Table, StaffSession::StaffId)
                            .to(Staff::Table, Staff::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_staff_session_staff")
                    .table(StaffSession::Table)
                    .col(StaffSession::StaffId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StaffSession::Table).to_owned()).await
    }
}
