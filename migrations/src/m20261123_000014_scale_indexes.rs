//! Indexes for lists and search at scale (100,000 clients and contacts, 1,000,000
//! documents; `bench/records-scale.sh` measures them):
//! - the contact list walks an index in display order (clients have theirs since
//!   `000010`), so a page reads ~50 rows;
//! - intake duplicate checks look clients up by email and by date of birth;
//! - on PostgreSQL, trigram (pg_trgm) GIN indexes serve the substring searches
//!   (`search_key LIKE '%…%'`); on SQLite, FTS5 tables with the trigram tokenizer do,
//!   kept in step with `client` and `contact` by triggers (queries of three or more
//!   characters use them; shorter ones filter the ordered index walk).
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Client {
    Table,
    PracticeId,
    Email,
    DateOfBirth,
}

#[derive(DeriveIden)]
enum Contact {
    Table,
    PracticeId,
    Name,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let indexes = [
            Index::create()
                .name("ix_client_practice_email")
                .table(Client::Table)
                .col(Client::PracticeId)
                .col(Client::Email)
                .to_owned(),
            Index::create()
                .name("ix_client_practice_dob")
                .table(Client::Table)
                .col(Client::PracticeId)
                .col(Client::DateOfBirth)
                .to_owned(),
            Index::create()
                .name("ix_contact_practice_name")
                .table(Contact::Table)
                .col(Contact::PracticeId)
                .col(Contact::Name)
                .col(Contact::Id)
                .to_owned(),
        ];
        for i in indexes {
            manager.create_index(i).await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            // pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: creating
            // it needs CREATE on the database. Without it, searches still work, by scanning.
            let can = db
                .query_one(sea_orm_migration::sea_orm::Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT 1 AS ok FROM pg_available_extensions WHERE name = 'pg_trgm' \
                     AND has_database_privilege(current_database(), 'CREATE')",
                ))
                .await?
                .is_some();
            if can {
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm").await?;
                db.execute_unprepared(
                    "CREATE INDEX ix_client_search_trgm ON client USING gin (search_key gin_trgm_ops)",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX ix_contact_search_trgm ON contact USING gin (search_key gin_trgm_ops)",
                )
                .await?;
            }
        }
        if manager.get_database_backend() == DbBackend::Sqlite {
            let db = manager.get_connection();
            for (table, id) in [("client", "client_id"), ("contact", "contact_id")] {
                for stmt in crate::sqlite_trigram_index(table, id) {
                    db.execute_unprepared(&stmt).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            let db = manager.get_connection();
            for table in ["client", "contact"] {
                for t in ["insert", "update", "delete"] {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {table}_fts_{t}")).await?;
                }
                db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}_fts")).await?;
            }
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared("DROP INDEX IF EXISTS ix_client_search_trgm").await?;
            db.execute_unprepared("DROP INDEX IF EXISTS ix_contact_search_trgm").await?;
        }
        for (name, table) in [
            ("ix_client_practice_email", "client"),
            ("ix_client_practice_dob", "client"),
            ("ix_contact_practice_name", "contact"),
        ] {
            manager.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
