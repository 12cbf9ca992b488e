//! The one way a server-side failure becomes the public [`AppError`]: logged once, with an
//! incident id the user can quote, and never with the secrets or data it concerned.
//!
//! Code inside an area returns [`ServerError`] and writes `?` on database, JSON and public
//! errors alike; the conversion to [`AppError`] (a port's answer, a page's error) is the
//! boundary, and the only place a cause is logged.
use app::error::AppError;

/// A failure on its way out of an area.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Already safe to show (invalid input, not found, throttled…): passed through as it is.
    #[error(transparent)]
    Public(#[from] AppError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// Anything else unexpected, with its context (`ServerError::fault("practice missing")`).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl ServerError {
    /// An unexpected state, described for the log only.
    pub fn fault(what: impl std::fmt::Display) -> Self {
        ServerError::Other(anyhow::anyhow!("{what}"))
    }
}

/// The boundary: a database that cannot be reached (a restart, a network fault, a pool
/// that timed out waiting for a connection) is [`AppError::Unavailable`] (503, "try
/// again"), not an incident; any other cause is logged with an incident id.
impl From<ServerError> for AppError {
    fn from(e: ServerError) -> AppError {
        match e {
            ServerError::Public(e) => e,
            ServerError::Db(db) if crate::platform::db::is_unavailable(&db) => {
                tracing::warn!(error = %db, "database unavailable");
                AppError::Unavailable
            }
            other => incident(&other),
        }
    }
}

fn incident(e: &dyn std::fmt::Display) -> AppError {
    let incident = crate::platform::crypto::random_token()[..12].to_owned();
    tracing::error!(%incident, error = %e, "internal error");
    AppError::Internal { incident }
}

/// Runs an area's work and converts its failure at the boundary: a port method's body is
/// `boundary(async move { … }).await`, so inside it `?` takes database, JSON and public
/// errors alike, and a cause is logged once, here.
pub async fn boundary<T>(work: impl std::future::Future<Output = Result<T, ServerError>>) -> Result<T, AppError> {
    work.await.map_err(AppError::from)
}
