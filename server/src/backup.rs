//! Backups that restore: `dossier backup` writes a consistent copy of the database while
//! Dossier runs, `dossier restore` brings one back into an empty installation and checks
//! it (migrations, then every practice's audit chain).
//!
//! - SQLite: `VACUUM INTO` writes a transactionally consistent, compacted copy from a
//!   live database (readers and writers carry on; WAL contents are included).
//! - PostgreSQL: `pg_dump --format=custom` (a consistent snapshot of a running database),
//!   restored with `pg_restore` into an empty database.
//!
//! A backup is only useful with the master key that wraps its documents' data keys: the
//! key is never in the database, so keep it (and any retired keys) with the backups, apart
//! from them. See the README's "Backups".
use sea_orm::{ConnectionTrait, Database, DbBackend, EntityTrait};
use std::path::Path;

use crate::config::{Config, redact_url};

/// What a restore found.
#[derive(Debug)]
pub struct Restored {
    /// (practice name, audit events with an intact chain)
    pub practices: Vec<(String, u64)>,
}

/// Writes a consistent copy of the configured database to `to` (which must not exist).
pub async fn backup(cfg: &Config, to: &Path) -> Result<(), String> {
    if to.exists() {
        return Err(format!("{} exists already: choose a new file for the backup", to.display()));
    }
    let url = cfg.database_url();
    if url.starts_with("sqlite:") {
        let db = Database::connect(&url).await.map_err(|e| format!("cannot open the database: {e}"))?;
        let target = to.to_str().ok_or("the backup path must be valid UTF-8")?.replace('\'', "''");
        db.execute_unprepared(&format!("VACUUM INTO '{target}'")).await.map_err(|e| format!("backup failed: {e}"))?;
        db.close().await.ok();
        Ok(())
    } else {
        let out = tokio::process::Command::new("pg_dump")
            .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
            .arg(to)
            .arg(&url)
            .output()
            .await
            .map_err(|e| format!("cannot run pg_dump (install PostgreSQL's client tools): {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("pg_dump failed for {}: {}", redact_url(&url), first_line(&out.stderr)))
        }
    }
}

/// Brings the backup at `from` back into the configured database, which must be empty
/// (a new SQLite file, or a new PostgreSQL database), then runs the migrations and checks
/// every practice's audit chain.
pub async fn restore(cfg: &Config, from: &Path) -> Result<Restored, String> {
    if !from.is_file() {
        return Err(format!("no backup at {}", from.display()));
    }
    let url = cfg.database_url();
    if url.starts_with("sqlite:") {
        let path = sqlite_path(&url).ok_or("cannot read the SQLite path from database.url")?;
        if path.exists() && std::fs::metadata(&path).map(|m| m.len() > 0).unwrap_or(false) {
            return Err(format!(
                "{} exists: stop Dossier and move the current database away before restoring",
                path.display()
            ));
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::copy(from, &path).map_err(|e| format!("cannot copy the backup: {e}"))?;
    } else {
        let db = Database::connect(&url).await.map_err(|e| format!("cannot connect to {}: {e}", redact_url(&url)))?;
        let tables = db
            .query_one(sea_orm::Statement::from_string(
                DbBackend::Postgres,
                "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
            ))
            .await
            .map_err(|e| e.to_string())?
            .and_then(|r| r.try_get::<i64>("", "n").ok())
            .unwrap_or(0);
        db.close().await.ok();
        if tables > 0 {
            return Err(format!("{} is not empty: restore into a new database", redact_url(&url)));
        }
        let out = tokio::process::Command::new("pg_restore")
            .args(["--no-owner", "--no-privileges", "--exit-on-error", "--dbname"])
            .arg(&url)
            .arg(from)
            .output()
            .await
            .map_err(|e| format!("cannot run pg_restore (install PostgreSQL's client tools): {e}"))?;
        if !out.status.success() {
            return Err(format!("pg_restore failed: {}", first_line(&out.stderr)));
        }
    }
    let db = crate::platform::db::connect_and_migrate(cfg).await?;
    let mut practices = Vec::new();
    for p in crate::platform::entities::practice::Entity::find().all(&db).await.map_err(|e| e.to_string())? {
        match crate::platform::audit::verify_chain(&db, &p.id).await.map_err(|e| e.to_string())? {
            Ok(n) => practices.push((p.name, n)),
            Err(seq) => return Err(format!("{}: the restored audit chain is broken at event #{seq}", p.name)),
        }
    }
    db.close().await.ok();
    Ok(Restored { practices })
}

fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty()).then(|| std::path::PathBuf::from(path))
}

fn first_line(b: &[u8]) -> String {
    String::from_utf8_lossy(b).lines().next().unwrap_or("").to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_paths_are_read_from_urls() {
        assert_eq!(super::sqlite_path("sqlite:///data/d.db?mode=rwc").unwrap().to_str(), Some("/data/d.db"));
        assert_eq!(super::sqlite_path("sqlite://data/d.db").unwrap().to_str(), Some("data/d.db"));
        assert!(super::sqlite_path("sqlite://?mode=rwc").is_none());
    }
}
