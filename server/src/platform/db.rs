//! Connecting, migrating, and the small amount of backend-specific SQL.
use migrations::MigratorTrait;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use std::time::Duration;

use crate::config::{Config, redact_url};

/// Connects (creating the SQLite file if needed) and runs every pending migration.
/// Errors are one line, suitable for the start-up message.
pub async fn connect_and_migrate(cfg: &Config) -> Result<DatabaseConnection, String> {
    let url = cfg.database_url();
    if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(format!(
            "unsupported database URL {}: use sqlite://PATH?mode=rwc or postgres://USER@HOST/DB",
            redact_url(&url)
        ));
    }
    let mut opts = ConnectOptions::new(url.clone());
    opts.max_connections(cfg.database.max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        // A request waits at most this long for a connection, then answers 503 (a
        // database restart must not hang every request).
        .acquire_timeout(Duration::from_secs(cfg.database.acquire_timeout_secs))
        .sqlx_logging(false);
    opts.map_sqlx_sqlite_opts(|o| {
        o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
    });
    // PostgreSQL compiles a query with LLVM (JIT) when its estimated cost passes
    // `jit_above_cost`, and the access rule's fenced `EXISTS` gives a practitioner's list an
    // estimate in the millions for a page that reads a few hundred rows: 240 ms of compiling
    // for a 3 ms query (EXPLAIN ANALYZE of the Shared attention view at 100,000 shares).
    // Dossier's queries are short reads and writes; JIT never pays for them.
    opts.map_sqlx_postgres_opts(|o| o.options([("jit", "off")]));
    let db = Database::connect(opts)
        .await
        .map_err(|e| format!("cannot connect to the database at {}: {}", redact_url(&url), one_line(&e.to_string())))?;
    migrations::Migrator::up(&db, None)
        .await
        .map_err(|e| format!("database migration failed: {}", one_line(&e.to_string())))?;
    Ok(db)
}

fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).to_owned()
}

/// `?` for SQLite, `$n` for PostgreSQL: renders a statement written with `$n`.
pub fn sql(backend: DbBackend, pg_sql: &str) -> String {
    match backend {
        DbBackend::Postgres => pg_sql.to_owned(),
        _ => {
            let mut out = String::with_capacity(pg_sql.len());
            let mut chars = pg_sql.chars().peekable();
            let mut expected = 1u32;
            while let Some(c) = chars.next() {
                if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                    let mut n = 0u32;
                    while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                        n = n * 10 + d;
                        chars.next();
                    }
                    // SQLite's `?` is positional: `$n` must appear in order, each once.
                    assert_eq!(n, expected, "placeholders out of order in: {pg_sql}");
                    expected += 1;
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// Whether `e` means the database could not be reached (rather than a query's fault): no
/// connection in time, a connection refused or cut, an I/O error on the socket.
pub fn is_unavailable(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx::Error as Sqlx};
    let sqlx = |r: &RuntimeErr| match r {
        RuntimeErr::SqlxError(x) => {
            matches!(x, Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::Io(_) | Sqlx::Tls(_) | Sqlx::WorkerCrashed)
                || matches!(x, Sqlx::Database(d) if d.code().is_some_and(|c| c.starts_with("57P") || c.starts_with("08")))
        }
        _ => false,
    };
    match e {
        // Any failure to open a connection (refused, cut during the handshake).
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(r) | DbErr::Query(r) => sqlx(r),
        _ => false,
    }
}

pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

/// Begins a transaction that will write. On SQLite a deferred transaction that reads
/// first and writes later cannot upgrade once another connection has committed
/// (`SQLITE_BUSY_SNAPSHOT`, "database is locked", with no wait). A no-op write as the
/// first statement takes the write lock at the start instead, where `busy_timeout`
/// applies: the effect of `BEGIN IMMEDIATE`, which sea-orm 1.1 cannot request.
pub async fn begin_write<C: sea_orm::TransactionTrait + ConnectionTrait>(
    db: &C,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    let txn = db.begin().await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        txn.execute_unprepared("UPDATE practice SET name = name WHERE 1 = 0").await?;
    }
    Ok(txn)
}

/// Locks one row of `table` (by `id`) until the transaction ends, so check-then-write
/// sequences on it are serialised: `SELECT … FOR UPDATE` on PostgreSQL; on SQLite the
/// write lock [`begin_write`] took already serialises every writer.
pub async fn lock_row(txn: &sea_orm::DatabaseTransaction, table: &'static str, id: &str) -> Result<(), sea_orm::DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute(sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT 1 FROM \"{table}\" WHERE id = $1 FOR UPDATE"),
            [id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Serialises the transaction with every other one that takes the same `key` until it
/// ends (PostgreSQL: a transaction-level advisory lock; SQLite: the write lock that
/// [`begin_write`] took). Used for per-practice sequences such as the audit chain.
pub async fn lock_key<C: ConnectionTrait>(txn: &C, key: &str) -> Result<(), sea_orm::DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(key.as_bytes());
        let id = i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        txn.execute(sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [id.into()],
        ))
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rendered_per_backend() {
        assert_eq!(sql(DbBackend::Sqlite, "a = $1 AND b = $2"), "a = ? AND b = ?");
        assert_eq!(sql(DbBackend::Postgres, "a = $1"), "a = $1");
    }

    #[test]
    #[should_panic(expected = "placeholders out of order")]
    fn sqlite_placeholders_must_be_in_order() {
        // `?` binds by position: `$2` before `$1` would silently swap the values.
        sql(DbBackend::Sqlite, "a = $2 AND b = $1");
    }
}
