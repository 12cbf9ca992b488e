//! The server's black-box tests, one binary (compiling and linking the server once, not
//! once a file): each module drives a real server on a fresh database, SQLite and
//! PostgreSQL (`both_dbs!`), with real SMTP (maildev, started by `scripts/test.sh`).
//! The one exception is `tests/audit_export.rs`, which measures the process's memory and
//! so runs alone in its own binary.
#[macro_use]
mod common;

mod audit;
mod auth_flows;
mod bursts;
mod demo;
mod documents;
mod intake;
mod portal;
mod records;
mod reliability;
mod security;
mod shares;
mod sharing;
mod sms;
