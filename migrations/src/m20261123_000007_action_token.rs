//! Single-use emailed tokens (staff invites, password resets). Only the SHA-256 of the
//! 256-bit token is stored; the row is the primary key lookup.
use sea_orm_migration::{prelude::*, schema::*};

use crate::Staff;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ActionToken {
    Table,
    Id,
    PracticeId,
    StaffId,
    Kind,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActionToken::Table)
                    .col(string(ActionToken::Id).primary_key())
                    .col(string(ActionToken::PracticeId))
                    .col(string(ActionToken::StaffId))
                    .col(string(ActionToken::Kind))
                    .col(timestamp_with_time_zone(ActionToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ActionToken::UsedAt))
                    .col(timestamp_with_time_zone(ActionToken::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActionToken::Table, ActionToken::StaffId)
                            .to(Staff::Table, Staff::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ActionToken::Table).to_owned()).await
    }
}
