//! The server's black-box tests, one binary (compiling and linking the server once, not
//! once a file): each module drives a real server on a fresh database, SQLite and
//! PostgreSQL (`both_dbs!`), with real SMTP (maildev, started by `scripts/test.sh`).
#[macro_use]
mod common;

mod audit;
mod audit_export;
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
