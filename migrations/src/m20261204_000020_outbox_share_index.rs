//! Indexes the emails of a share (`outbox_email.share_id`, and the same for texts), so the
//! Shared list can say which link emails are delayed or were given up without scanning
//! the outbox.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str); 2] = [("ix_outbox_email_share", "outbox_email"), ("ix_outbox_sms_share", "outbox_sms")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in INDEXES {
            manager
                .create_index(
                    Index::create().name(name).table(Alias::new(table)).col(Alias::new("share_id")).to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in INDEXES {
            manager.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
