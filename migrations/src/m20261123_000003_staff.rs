//! Staff accounts. Email is unique across the installation because sign-in starts from it.
//! `totp_secret` and `totp_pending_secret` hold AEAD ciphertext (master key), never the
//! plain secret. `totp_last_step` blocks replay of a used time-step.
use sea_orm_migration::{prelude::*, schema::*};

use crate::{Practice, Staff};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StaffCol {
    PracticeId,
    Email,
    DisplayName,
    RoleId,
    Status,
    PasswordHash,
    TotpSecret,
    TotpPendingSecret,
    TotpLastStep,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Role {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Staff::Table)
                    .col(string(Staff::Id).primary_key())
                    .col(string(StaffCol::PracticeId))
                    .col(string(StaffCol::Email))
                    .col(string(StaffCol::DisplayName))
                    .col(string(StaffCol::RoleId))
                    .col(string(StaffCol::Status))
                    .col(text_null(StaffCol::PasswordHash))
                    .col(text_null(StaffCol::TotpSecret))
                    .col(text_null(StaffCol::TotpPendingSecret))
                    .col(big_integer(StaffCol::TotpLastStep).default(0))
                    .col(timestamp_with_time_zone(StaffCol::CreatedAt))
                    .col(timestamp_with_time_zone(StaffCol::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Staff::Table, StaffCol::PracticeId)
                            .to(Practice::Table, Practice::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(ForeignKey::create().from(Staff::Table, StaffCol::RoleId).to(Role::Table, Role::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ux_staff_email").table(Staff::Table).col(StaffCol::Email).unique().to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_staff_practice").table(Staff::Table).col(StaffCol::PracticeId).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Staff::Table).to_owned()).await
    }
}
