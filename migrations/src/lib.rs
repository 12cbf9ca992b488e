//! Database schema for Dossier, one concern per migration.
//!
//! Migrations never import the server's entities: they describe tables with their own
//! identifiers so that an old migration keeps meaning the same thing when entities change.
//! Every tenant-owned table carries `practice_id`; the only exception is `throttle`,
//! whose rows describe attempts made *before* anyone is known (login by email, client
//! network) and therefore belong to no practice.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_practice;
mod m20261123_000002_role;
mod m20261123_000003_staff;
mod m20261123_000004_recovery_code;
mod m20261123_000005_staff_session;
mod m20261123_000006_throttle;
mod m20261123_000007_action_token;
mod m20261123_000008_outbox_email;
mod m20261123_000009_audit_event;
mod m20261123_000010_client;
mod m20261123_000011_contact;
mod m20261123_000012_document;
mod m20261123_000013_intake;
mod m20261123_000014_scale_indexes;
mod m20261123_000015_sharing;
mod m20261123_000016_outbox_sms;
mod m20261123_000017_previous_recipient;
mod m20261123_000018_portal;
mod m20261123_000019_practice_logo;
mod m20261204_000020_outbox_share_index;
mod m20261206_000021_workspace_indexes;
mod m20261206_000022_practice_time_zone;
mod m20261206_000023_search_indexes;
mod m20261206_000024_share_status_cover;
mod m20261206_000025_document_date_title;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_practice::Migration),
            Box::new(m20261123_000002_role::Migration),
            Box::new(m20261123_000003_staff::Migration),
            Box::new(m20261123_000004_recovery_code::Migration),
            Box::new(m20261123_000005_staff_session::Migration),
            Box::new(m20261123_000006_throttle::Migration),
            Box::new(m20261123_000007_action_token::Migration),
            Box::new(m20261123_000008_outbox_email::Migration),
            Box::new(m20261123_000009_audit_event::Migration),
            Box::new(m20261123_000010_client::Migration),
            Box::new(m20261123_000011_contact::Migration),
            Box::new(m20261123_000012_document::Migration),
            Box::new(m20261123_000013_intake::Migration),
            Box::new(m20261123_000014_scale_indexes::Migration),
            Box::new(m20261123_000015_sharing::Migration),
            Box::new(m20261123_000016_outbox_sms::Migration),
            Box::new(m20261123_000017_previous_recipient::Migration),
            Box::new(m20261123_000018_portal::Migration),
            Box::new(m20261123_000019_practice_logo::Migration),
            Box::new(m20261204_000020_outbox_share_index::Migration),
            Box::new(m20261206_000021_workspace_indexes::Migration),
            Box::new(m20261206_000022_practice_time_zone::Migration),
            Box::new(m20261206_000023_search_indexes::Migration),
            Box::new(m20261206_000024_share_status_cover::Migration),
            Box::new(m20261206_000025_document_date_title::Migration),
        ]
    }
}

/// Shared identifier for the tenant table, used by foreign keys in later migrations.
#[derive(DeriveIden)]
pub(crate) enum Practice {
    Table,
    Id,
}

#[derive(DeriveIden)]
pub(crate) enum Staff {
    Table,
    Id,
}

/// SQLite: an FTS5 trigram index over `table.search_key` (`{table}_fts`, keyed by `id_col`),
/// filled from the table and kept in step by triggers. Used by the migrations that add
/// substring search to a table.
pub(crate) fn sqlite_trigram_index(table: &str, id_col: &str) -> [String; 5] {
    let id = id_col;
    [
        format!("CREATE VIRTUAL TABLE {table}_fts USING fts5({id} UNINDEXED, search_key, tokenize = 'trigram')"),
        format!("INSERT INTO {table}_fts ({id}, search_key) SELECT id, search_key FROM {table}"),
        format!(
            "CREATE TRIGGER {table}_fts_insert AFTER INSERT ON {table} BEGIN \
             INSERT INTO {table}_fts ({id}, search_key) VALUES (new.id, new.search_key); END"
        ),
        format!(
            "CREATE TRIGGER {table}_fts_update AFTER UPDATE OF search_key ON {table} BEGIN \
             DELETE FROM {table}_fts WHERE {id} = old.id; \
             INSERT INTO {table}_fts ({id}, search_key) VALUES (new.id, new.search_key); END"
        ),
        format!(
            "CREATE TRIGGER {table}_fts_delete AFTER DELETE ON {table} BEGIN \
             DELETE FROM {table}_fts WHERE {id} = old.id; END"
        ),
    ]
}
