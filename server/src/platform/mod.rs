//! Foundations every area may use, which use no area: the database, encryption and keys,
//! password and TOTP checks, throttles, client networks, PDF rendering, the audit append,
//! time zones, substring search, documents sealed at rest (vault) and the entities (the schema itself is in `migrations/`).
pub mod audit;
pub mod crypto;
pub mod db;
pub mod entities;
pub mod error;
pub mod net;
pub mod passwords;
pub mod pdf;
pub mod search;
pub mod throttle;
pub mod totp;
pub mod vault;
pub mod zone;
