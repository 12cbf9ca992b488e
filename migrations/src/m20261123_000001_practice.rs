//! The practice (tenant). Everything else hangs off it.
use sea_orm_migration::{prelude::*, schema::*};

use crate::Practice;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PracticeCol {
    Name,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Practice::Table)
                    .col(string(Practice::Id).primary_key())
                    .col(string(PracticeCol::Name))
                    .col(timestamp_with_time_zone(PracticeCol::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Practice::Table).to_owned()).await
    }
}
