//! PostgreSQL: the practice's documents in date order carry their titles in the index
//! (`INCLUDE (title)`), so a title search can look through the newest few thousand
//! documents from the index alone (`documents::store::newest_titled`): reading those rows
//! from the table took longer than the search itself (they are spread over it). The index
//! replaces `ix_document_practice_date` (same key, so the lists that walk it are unchanged).
//! SQLite has no `INCLUDE` and needs none: its title search uses the FTS5 trigram table.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX ix_document_practice_date_title ON document (practice_id, doc_date, created_at, id) \
             INCLUDE (title)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS ix_document_practice_date").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX ix_document_practice_date ON document (practice_id, doc_date, created_at, id)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS ix_document_practice_date_title").await?;
        Ok(())
    }
}
