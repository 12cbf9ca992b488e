//! Previous recipients: one row per address a practice has shared with by typing it in
//! (not clients, their contacts or the contact book, which have their own records), so
//! the wizard's autocomplete finds them by index instead of scanning every share. Searched
//! like contacts: a trigram GIN index on PostgreSQL, an FTS5 trigram table on SQLite.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

use crate::Practice;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PreviousRecipient {
    Table,
    Id,
    PracticeId,
    Email,
    Name,
    Phone,
    /// Lower-cased name and email, for substring search.
    SearchKey,
    LastSharedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PreviousRecipient::Table)
                    .col(string(PreviousRecipient::Id).primary_key())
                    .col(string(PreviousRecipient::PracticeId))
                    .col(string(PreviousRecipient::Email))
                    .col(string(PreviousRecipient::Name))
                    .col(string_null(PreviousRecipient::Phone))
                    .col(string(PreviousRecipient::SearchKey))
                    .col(timestamp_with_time_zone(PreviousRecipient::LastSharedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PreviousRecipient::Table, PreviousRecipient::PracticeId)
                            .to(Practice::Table, Practice::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_previous_recipient_email")
                    .table(PreviousRecipient::Table)
                    .col(PreviousRecipient::PracticeId)
                    .col(PreviousRecipient::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_previous_recipient_recent")
                    .table(PreviousRecipient::Table)
                    .col(PreviousRecipient::PracticeId)
                    .col(PreviousRecipient::LastSharedAt)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Existing typed-in recipients (the newest name and phone per address).
        db.execute_unprepared(
            "INSERT INTO previous_recipient (id, practice_id, email, name, phone, search_key, last_shared_at)
             SELECT s.id, s.practice_id, s.recipient_email, s.recipient_name, s.recipient_phone,
                    lower(s.recipient_name || ' ' || s.recipient_email), s.created_at
             FROM share s
             WHERE s.recipient_kind = 'other' AND s.created_at = (
                 SELECT max(t.created_at) FROM share t
                 WHERE t.practice_id = s.practice_id AND t.recipient_email = s.recipient_email
                   AND t.recipient_kind = 'other')",
        )
        .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                let trgm = db
                    .query_one(sea_orm_migration::sea_orm::Statement::from_string(
                        DbBackend::Postgres,
                        "SELECT 1 AS ok FROM pg_extension WHERE extname = 'pg_trgm'",
                    ))
                    .await?
                    .is_some();
                if trgm {
                    db.execute_unprepared(
                        "CREATE INDEX ix_previous_recipient_search_trgm ON previous_recipient \
                         USING gin (search_key gin_trgm_ops)",
                    )
                    .await?;
                }
            }
            DbBackend::Sqlite => {
                let (table, id) = ("previous_recipient", "previous_recipient_id");
                for stmt in crate::sqlite_trigram_index(table, id) {
                    db.execute_unprepared(&stmt).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            let db = manager.get_connection();
            for t in ["insert", "update", "delete"] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS previous_recipient_fts_{t}")).await?;
            }
            db.execute_unprepared("DROP TABLE IF EXISTS previous_recipient_fts").await?;
        }
        manager.drop_table(Table::drop().table(PreviousRecipient::Table).to_owned()).await
    }
}
