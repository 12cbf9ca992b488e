//! Shared application state handed to handlers and (through context) to server functions.
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::{config::Config, crypto::Keys, passwords::Hasher};

#[derive(Clone)]
pub struct AppState {
    pub cfg: Arc<Config>,
    pub db: DatabaseConnection,
    pub keys: Keys,
    pub hasher: Hasher,
    pub leptos_options: LeptosOptions,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}
