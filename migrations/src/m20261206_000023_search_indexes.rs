//! Indexes for the practice-wide Documents list's kind filter and search
//! (`bench/records-scale.sh` measures them):
//! - one kind's documents newest first, walked in order (the filter walked the date index
//!   testing each document's kind);
//! - a document's title by substring: a trigram index (pg_trgm GIN on `lower(title)` on
//!   PostgreSQL; an FTS5 trigram table kept in step by triggers on SQLite), so a search no
//!   longer reads every title of the practice.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, &[&str]); 1] =
    [("ix_document_practice_kind", "document", &["practice_id", "kind", "doc_date", "created_at", "id"])];

/// SQLite: the titles in an FTS5 trigram table (the column is `search_key`, as for clients
/// and contacts, so one query shape serves them all). A row leaves the index found by its
/// old title through the index itself (a documents table is ten times the clients': a scan
/// of the FTS table's unindexed id column on every edit would read every title); a title
/// under three characters, which the trigram index cannot find, by the scan.
const SQLITE_TITLE_INDEX: [&str; 5] = [
    "CREATE VIRTUAL TABLE document_fts USING fts5(document_id UNINDEXED, search_key, tokenize = 'trigram')",
    "INSERT INTO document_fts (document_id, search_key) SELECT id, title FROM document",
    "CREATE TRIGGER document_fts_insert AFTER INSERT ON document BEGIN \
     INSERT INTO document_fts (document_id, search_key) VALUES (new.id, new.title); END",
    "CREATE TRIGGER document_fts_update AFTER UPDATE OF title ON document WHEN old.title IS NOT new.title BEGIN \
     DELETE FROM document_fts WHERE document_fts MATCH '\"' || replace(old.title, '\"', '\"\"') || '\"' \
       AND document_id = old.id; \
     DELETE FROM document_fts WHERE length(old.title) < 3 AND document_id = old.id; \
     INSERT INTO document_fts (document_id, search_key) VALUES (new.id, new.title); END",
    "CREATE TRIGGER document_fts_delete AFTER DELETE ON document BEGIN \
     DELETE FROM document_fts WHERE document_fts MATCH '\"' || replace(old.title, '\"', '\"\"') || '\"' \
       AND document_id = old.id; \
     DELETE FROM document_fts WHERE length(old.title) < 3 AND document_id = old.id; END",
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
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                // Only where migration 000014 could enable pg_trgm; without it, a search scans.
                let trgm = db
                    .query_one(sea_orm_migration::sea_orm::Statement::from_string(
                        DbBackend::Postgres,
                        "SELECT 1 AS ok FROM pg_extension WHERE extname = 'pg_trgm'",
                    ))
                    .await?
                    .is_some();
                if trgm {
                    db.execute_unprepared(
                        "CREATE INDEX ix_document_title_trgm ON document USING gin (lower(title) gin_trgm_ops)",
                    )
                    .await?;
                }
            }
            DbBackend::Sqlite => {
                for stmt in SQLITE_TITLE_INDEX {
                    db.execute_unprepared(stmt).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("DROP INDEX IF EXISTS ix_document_title_trgm").await?;
            }
            DbBackend::Sqlite => {
                for t in ["insert", "update", "delete"] {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS document_fts_{t}")).await?;
                }
                db.execute_unprepared("DROP TABLE IF EXISTS document_fts").await?;
            }
            _ => {}
        }
        for (name, table, _) in INDEXES {
            manager.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
