//! One-time TOTP recovery codes, stored as argon2id hashes (80-bit codes are below the
//! 112 bits that ASVS 5.0 6.5.2 allows to be stored as a plain hash).
use sea_orm_migration::{prelude::*, schema::*};

use crate::Staff;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RecoveryCode {
    Table,
    Id,
    PracticeId,
    StaffId,
    CodeHash,
    UsedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCode::Table)
                    .col(string(RecoveryCode::Id).primary_key())
                    .col(string(RecoveryCode::PracticeId))
                    .col(string(RecoveryCode::StaffId))
                    .col(text(RecoveryCode::CodeHash))
                    .col(timestamp_with_time_zone_null(RecoveryCode::UsedAt))
                    .col(timestamp_with_time_zone(RecoveryCode::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RecoveryCode::Table, RecoveryCode::StaffId)
                            .to(Staff::Table, Staff::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_recovery_code_staff")
                    .table(RecoveryCode::Table)
                    .col(RecoveryCode::StaffId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RecoveryCode::Table).to_owned()).await
    }
}
