//! Documents. Content never sits in clear: `body` is AEAD ciphertext under a per-document
//! data key, and `wrapped_key` is that data key sealed under the master key (`key_id`
//! names which master key, for rotation). Uploaded files live in `document_file`, also
//! ciphertext. Title, kind and date stay clear so lists can be filtered and sorted.
use sea_orm_migration::{prelude::*, schema::*};

use crate::{Practice, Staff, m20261123_000010_client::Client};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Document {
    Table,
    Id,
    PracticeId,
    ClientId,
    Kind,
    Title,
    DocDate,
    AuthorId,
    IsPsychotherapy,
    KeyId,
    WrappedKey,
    Body,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DocumentFile {
    Table,
    DocumentId,
    PracticeId,
    MediaType,
    FileName,
    SizeBytes,
    Ciphertext,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Document::Table)
                    .col(string(Document::Id).primary_key())
                    .col(string(Document::PracticeId))
                    .col(string(Document::ClientId))
                    .col(string(Document::Kind))
                    .col(string(Document::Title))
                    .col(string(Document::DocDate))
                    .col(string(Document::AuthorId))
                    .col(boolean(Document::IsPsychotherapy))
                    .col(string(Document::KeyId))
                    .col(text(Document::WrappedKey))
                    .col(text(Document::Body))
                    .col(timestamp_with_time_zone(Document::CreatedAt))
                    .col(timestamp_with_time_zone(Document::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Document::Table, Document::PracticeId)
                            .to(Practice::Table, Practice::Id),
                    )
                    .foreign_key(
                        ForeignKey::create().from(Document::Table, Document::ClientId).to(Client::Table, Client::Id),
                    )
                    .foreign_key(
                        ForeignKey::create().from(Document::Table, Document::AuthorId).to(Staff::Table, Staff::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_document_client_date")
                    .table(Document::Table)
                    .col(Document::PracticeId)
                    .col(Document::ClientId)
                    .col(Document::DocDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DocumentFile::Table)
                    .col(string(DocumentFile::DocumentId).primary_key())
                    .col(string(DocumentFile::PracticeId))
                    .col(string(DocumentFile::MediaType))
                    .col(string(DocumentFile::FileName))
                    .col(big_integer(DocumentFile::SizeBytes))
                    .col(blob(DocumentFile::Ciphertext))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentFile::Table, DocumentFile::DocumentId)
                            .to(Document::Table, Document::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DocumentFile::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Document::Table).to_owned()).await
    }
}
