//! Roles: the three built-in ones per practice plus custom roles.
//! `permissions` is a comma-separated list of permission keys (see `app::domain::Permission`).
use sea_orm_migration::{prelude::*, schema::*};

use crate::Practice;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Role {
    Table,
    Id,
    PracticeId,
    Name,
    IsAdmin,
    IsBuiltin,
    Permissions,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Role::Table)
                    .col(string(Role::Id).primary_key())
                    .col(string(Role::PracticeId))
                    .col(string(Role::Name))
                    .col(boolean(Role::IsAdmin))
                    .col(boolean(Role::IsBuiltin))
                    .col(text(Role::Permissions))
                    .col(timestamp_with_time_zone(Role::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Role::Table, Role::PracticeId)
                            .to(Practice::Table, Practice::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_role_practice_name")
                    .table(Role::Table)
                    .col(Role::PracticeId)
                    .col(Role::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Role::Table).to_owned()).await
    }
}
