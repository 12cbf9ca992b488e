//! Dossier's server. The tree shows the architecture:
//!
//! - **Areas**, one folder each, the product's parts: [`identity`] (staff sessions, sign-in,
//!   invites, practice setup, the staff and roles port), [`records`] (clients, contacts and
//!   the access rule), [`documents`] (the store, keys, files), [`intake`] (public intake
//!   forms), [`sharing`] (settings and templates, the wizard, the guard, sending, the actions
//!   after sharing, the sweeper, the practice's logo), [`portal`] (the recipient's link,
//!   verification, reading, portal sessions) and [`audit_log`] (reading, export, chain
//!   check). Each implements its port of the Leptos app (`app::ports`) and its plain axum
//!   handlers.
//! - **Foundations** that areas use and that use no area: [`platform`] (database, crypto,
//!   passwords, TOTP, throttles, networks, PDF, the audit append, time zones, substring
//!   search, entities),
//!   [`delivery`] (the outbox, email, text messages and the emails' content) and [`web`]
//!   (security headers, CSRF, the page guard).
//! - **Wiring**: [`config`], [`state`], [`startup`] and [`router`] (the only place areas
//!   meet); [`demo`], [`backup`] and [`rotate`] are operations the CLI (`main.rs`) runs;
//!   [`fuzzing`] exposes the parsers to the fuzz targets.
#![recursion_limit = "512"]
// Foundations.
pub mod delivery;
pub mod platform;
pub mod web;
// Areas.
pub mod audit_log;
pub mod documents;
pub mod identity;
pub mod intake;
pub mod portal;
pub mod records;
pub mod sharing;
// Wiring and operations.
pub mod backup;
pub mod config;
pub mod demo;
pub mod fuzzing;
pub mod rotate;
pub mod router;
pub mod startup;
pub mod state;
