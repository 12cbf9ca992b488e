//! Dossier's server: configuration, persistence, sessions, security layers, mail, and the
//! implementations of the ports the Leptos app declares.
#![recursion_limit = "512"]
pub mod audit;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod documents;
pub mod emails;
pub mod entities;
pub mod files;
pub mod intake;
pub mod mail;
pub mod net;
pub mod passwords;
pub mod pdf;
pub mod records;
pub mod rotate;
pub mod routes;
pub mod security;
pub mod services;
pub mod session;
pub mod startup;
pub mod state;
pub mod throttle;
pub mod totp;
