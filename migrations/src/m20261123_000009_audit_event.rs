//! Append-only audit log, hash-chained per practice: `hash` = SHA-256 over the previous
//! row's hash and this row's canonical content. `(practice_id, seq)` is unique so two
//! instances appending at once cannot fork the chain (the loser retries).
//! On PostgreSQL a trigger also refuses UPDATE and DELETE.
use sea_orm_migration::{prelude::*, schema::*};

use crate::Practice;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
    PracticeId,
    Seq,
    At,
    ActorKind,
    ActorId,
    Action,
    Target,
    ClientNetwork,
    UserAgent,
    Detail,
    PrevHash,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(string(AuditEvent::Id).primary_key())
                    .col(string(AuditEvent::PracticeId))
                    .col(big_integer(AuditEvent::Seq))
                    .col(timestamp_with_time_zone(AuditEvent::At))
                    .col(string(AuditEvent::ActorKind))
                    .col(string_null(AuditEvent::ActorId))
                    .col(string(AuditEvent::Action))
                    .col(string_null(AuditEvent::Target))
                    .col(string_null(AuditEvent::ClientNetwork))
                    .col(string_null(AuditEvent::UserAgent))
                    .col(text(AuditEvent::Detail))
                    .col(string(AuditEvent::PrevHash))
                    .col(string(AuditEvent::Hash))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuditEvent::Table, AuditEvent::PracticeId)
                            .to(Practice::Table, Practice::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_audit_event_practice_seq")
                    .table(AuditEvent::Table)
                    .col(AuditEvent::PracticeId)
                    .col(AuditEvent::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(
                "CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
                 BEGIN RAISE EXCEPTION 'audit_event is append-only'; END;
                 $$ LANGUAGE plpgsql",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
                 FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
            )
            .await?;
        } else {
            let db = manager.get_connection();
            db.execute_unprepared(
                "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
                 BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
                 BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event; DROP FUNCTION IF EXISTS audit_event_append_only()")
                .await?;
        }
        manager.drop_table(Table::drop().table(AuditEvent::Table).to_owned()).await
    }
}
