//! Indexes for the practice-wide lists of the staff workspace: every share of the practice
//! newest first (all, or one sender's), and every document newest first (all, or one
//! author's), read by keyset pages at 100,000-row scale.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, &[&str]); 4] = [
    ("ix_share_practice_created", "share", &["practice_id", "created_at", "id"]),
    ("ix_share_sender_created", "share", &["practice_id", "sender_id", "created_at", "id"]),
    ("ix_document_practice_date", "document", &["practice_id", "doc_date", "created_at", "id"]),
    ("ix_document_author_date", "document", &["practice_id", "author_id", "doc_date", "created_at", "id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, cols) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(Alias::new(table));
            for c in cols {
                index.col(Alias::new(*c));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
