//! Clients, their access list, and their relationships / emergency contacts.
//! Every client is owned by exactly one staff member (`owner_id`); `access_mode` is
//! `owner` (owner only), `all` (everyone in the practice) or `selected` (owner plus the
//! staff in `client_access`). `search_key` is a lower-cased "first last email phone"
//! string for prefix/substring search.
use sea_orm_migration::{prelude::*, schema::*};

use crate::{Practice, Staff};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Client {
    Table,
    Id,
    PracticeId,
    OwnerId,
    AccessMode,
    FirstName,
    LastName,
    DateOfBirth,
    Email,
    MobileE164,
    SearchKey,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ClientAccess {
    Table,
    ClientId,
    StaffId,
    PracticeId,
}

#[derive(DeriveIden)]
enum ClientContact {
    Table,
    Id,
    PracticeId,
    ClientId,
    Kind,
    Name,
    Relationship,
    Email,
    PhoneE164,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Client::Table)
                    .col(string(Client::Id).primary_key())
                    .col(string(Client::PracticeId))
                    .col(string(Client::OwnerId))
                    .col(string(Client::AccessMode))
                    .col(string(Client::FirstName))
                    .col(string(Client::LastName))
                    .col(string(Client::DateOfBirth))
                    .col(string_null(Client::Email))
                    .col(string_null(Client::MobileE164))
                    .col(string(Client::SearchKey))
                    .col(timestamp_with_time_zone_null(Client::ArchivedAt))
                    .col(timestamp_with_time_zone(Client::CreatedAt))
                    .col(timestamp_with_time_zone(Client::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create().from(Client::Table, Client::PracticeId).to(Practice::Table, Practice::Id),
                    )
                    .foreign_key(ForeignKey::create().from(Client::Table, Client::OwnerId).to(Staff::Table, Staff::Id))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_client_practice_name", vec![Client::PracticeId, Client::LastName, Client::FirstName]),
            ("ix_client_practice_owner", vec![Client::PracticeId, Client::OwnerId]),
            ("ix_client_practice_search", vec![Client::PracticeId, Client::SearchKey]),
        ] {
            let mut idx = Index::create().name(name).table(Client::Table).to_owned();
            for c in cols {
                idx.col(c);
            }
            manager.create_index(idx).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ClientAccess::Table)
                    .col(string(ClientAccess::ClientId))
                    .col(string(ClientAccess::StaffId))
                    .col(string(ClientAccess::PracticeId))
                    .primary_key(Index::create().col(ClientAccess::ClientId).col(ClientAccess::StaffId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClientAccess::Table, ClientAccess::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClientAccess::Table, ClientAccess::StaffId)
                            .to(Staff::Table, Staff::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_access_staff")
                    .table(ClientAccess::Table)
                    .col(ClientAccess::StaffId)
                    .col(ClientAccess::ClientId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClientContact::Table)
                    .col(string(ClientContact::Id).primary_key())
                    .col(string(ClientContact::PracticeId))
                    .col(string(ClientContact::ClientId))
                    .col(string(ClientContact::Kind))
                    .col(string(ClientContact::Name))
                    .col(string(ClientContact::Relationship))
                    .col(string_null(ClientContact::Email))
                    .col(string_null(ClientContact::PhoneE164))
                    .col(timestamp_with_time_zone(ClientContact::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClientContact::Table, ClientContact::ClientId)
                            .to(Client::Table, Client::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_contact_client")
                    .table(ClientContact::Table)
                    .col(ClientContact::ClientId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ClientContact::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ClientAccess::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Client::Table).to_owned()).await
    }
}
