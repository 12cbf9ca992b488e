//! The practice's time zone (an IANA name such as `Europe/London`): staff see times in it,
//! and the portal names it. Times are stored in UTC; only what is shown is converted.
//! Existing practices get `UTC` until an administrator chooses their zone; new practices
//! take the zone of the browser that set them up.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Practice {
    Table,
    TimeZone,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Practice::Table).add_column(string(Practice::TimeZone).default("UTC")).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Practice::Table).drop_column(Practice::TimeZone).to_owned()).await
    }
}
