//! Master-key rotation (`dossier rotate-keys`).
//!
//! Everything encrypted under the master key is small: the wrapped per-document data keys,
//! staff TOTP secrets, pending sign-in data, queued mail and text messages, and each share's
//! data key and personal message. Document bodies and files are
//! sealed with their own data keys, so rotation rewraps 32-byte keys, never re-encrypts
//! documents. Each value is opened with the current or a retired key
//! ([`crate::platform::crypto::Keys::reseal`]) and written back under the current key with a
//! compare-and-swap (`WHERE id = … AND col = old`), so a server instance writing the same
//! row at the same time never loses its write; the command is idempotent and can be run
//! again until it reports nothing left under a retired key.
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Statement, Value};

use crate::{
    delivery::outbox::Queue,
    platform::crypto::{Keys, Reseal},
    platform::db::sql,
};

/// One kind of value sealed under the master key.
struct Sealed {
    table: &'static str,
    column: &'static str,
    /// The column whose value the AAD names (the row id, or the staff id for sessions).
    aad_column: &'static str,
    aad: fn(&str) -> String,
    /// Also records the key fingerprint in `key_id` (documents).
    key_id: bool,
}

const SEALED: &[Sealed] = &[
    Sealed {
        table: "document",
        column: "wrapped_key",
        aad_column: "id",
        aad: |id| format!("doc:{id}:dek"),
        key_id: true,
    },
    Sealed {
        table: "staff",
        column: "totp_secret",
        aad_column: "id",
        aad: |id| format!("staff:{id}:totp"),
        key_id: false,
    },
    Sealed {
        table: "staff",
        column: "totp_pending_secret",
        aad_column: "id",
        aad: |id| format!("staff:{id}:totp"),
        key_id: false,
    },
    Sealed {
        table: "staff_session",
        column: "pending_data",
        aad_column: "staff_id",
        aad: |id| format!("recovery:{id}"),
        key_id: false,
    },
    Sealed {
        table: "outbox_email",
        column: "payload",
        aad_column: "id",
        aad: |id| Queue::Email.payload_aad(id),
        key_id: false,
    },
    Sealed {
        table: "outbox_sms",
        column: "payload",
        aad_column: "id",
        aad: |id| Queue::Sms.payload_aad(id),
        key_id: false,
    },
    Sealed {
        table: "share",
        column: "wrapped_key",
        aad_column: "id",
        aad: |id| format!("share:{id}:dek"),
        key_id: true,
    },
    Sealed {
        table: "share",
        column: "message",
        aad_column: "id",
        aad: |id| format!("share:{id}:message"),
        key_id: false,
    },
];

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Values found under a retired key and rewritten under the current one.
    pub resealed: u64,
    /// Values already under the current key.
    pub current: u64,
    /// Values no configured key opens: `table.column` and row id.
    pub unreadable: Vec<String>,
}

#[derive(FromQueryResult)]
struct Row {
    id: String,
    aad_of: String,
    value: String,
}

const BATCH: u64 = 500;

/// Re-encrypts every value sealed under a retired master key with the current one.
pub async fn rotate(db: &DatabaseConnection, keys: &Keys) -> Result<Report, String> {
    let backend = db.get_database_backend();
    let mut report = Report::default();
    for s in SEALED {
        let mut after = String::new();
        loop {
            let select = format!(
                "SELECT id, {aad} AS aad_of, {col} AS value FROM {t} WHERE {col} IS NOT NULL AND id > $1 ORDER BY id LIMIT {BATCH}",
                aad = s.aad_column,
                col = s.column,
                t = s.table
            );
            let rows = Row::find_by_statement(Statement::from_sql_and_values(
                backend,
                sql(backend, &select),
                [Value::from(after.clone())],
            ))
            .all(db)
            .await
            .map_err(|e| format!("reading {}.{}: {e}", s.table, s.column))?;
            let Some(last) = rows.last() else { break };
            after = last.id.clone();
            let n = rows.len() as u64;
            for r in rows {
                match keys.reseal(&r.value, &(s.aad)(&r.aad_of)) {
                    Reseal::Current => report.current += 1,
                    Reseal::Unreadable => report.unreadable.push(format!("{}.{} row {}", s.table, s.column, r.id)),
                    Reseal::Resealed(new) => {
                        let (set, mut values) = if s.key_id {
                            (
                                format!("{} = $1, key_id = $2", s.column),
                                vec![Value::from(new), Value::from(keys.key_id())],
                            )
                        } else {
                            (format!("{} = $1", s.column), vec![Value::from(new)])
                        };
                        let n = values.len();
                        let update = format!(
                            "UPDATE {t} SET {set} WHERE id = ${a} AND {col} = ${b}",
                            t = s.table,
                            col = s.column,
                            a = n + 1,
                            b = n + 2
                        );
                        values.push(Value::from(r.id.clone()));
                        values.push(Value::from(r.value));
                        db.execute(Statement::from_sql_and_values(backend, sql(backend, &update), values))
                            .await
                            .map_err(|e| format!("updating {}.{} row {}: {e}", s.table, s.column, r.id))?;
                        // Zero rows affected means a server rewrote it meanwhile, under the
                        // current key (every instance seals with the current key).
                        report.resealed += 1;
                    }
                }
            }
            if n < BATCH {
                break;
            }
        }
    }
    Ok(report)
}
