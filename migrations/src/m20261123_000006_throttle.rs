//! Failure counters for throttling (per account and per client network), kept in the
//! database so every server instance sees the same counts. Keys are hashes or network
//! prefixes, never raw email addresses. No practice: these describe unauthenticated callers.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Throttle {
    Table,
    Key,
    WindowStart,
    Failures,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Throttle::Table)
                    .col(string(Throttle::Key).primary_key())
                    .col(timestamp_with_time_zone(Throttle::WindowStart))
                    .col(integer(Throttle::Failures))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Throttle::Table).to_owned()).await
    }
}
