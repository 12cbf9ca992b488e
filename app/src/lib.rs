//! Dossier's shared Leptos application: validated domain types, DTOs, the public error
//! type, server functions (thin: authorise, parse, call one service) and every page.
//!
//! The staff app is rendered on the server and hydrated to WebAssembly. The recipient
//! portal is rendered on the server only and ships no WebAssembly at all (see README,
//! "Bundle architecture").
#![recursion_limit = "512"]

pub mod api;
pub mod assets;
pub mod components;
pub mod domain;
pub mod dto;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;
pub mod shell;

pub use shell::{App, shell};
