//! Shared application state handed to handlers and (through context) to server functions.
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::{config::Config, platform::crypto::Keys, platform::passwords::Hasher};

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

/// What every port implementation holds: the application's state. One value implements
/// every port of the app (`app::ports`), each area in its own folder.
#[derive(Clone)]
pub struct Services {
    pub s: AppState,
}
