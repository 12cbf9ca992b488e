//! The one way a server-side failure becomes the public [`AppError`]: logged once, with an
//! incident id the user can quote, and never with the secrets or data it concerned.
use app::error::AppError;

/// Logs the cause with an incident id and returns the user-safe error. A database that
/// cannot be reached (a restart, a network fault, a pool that timed out waiting for a
/// connection) is [`AppError::Unavailable`] (503, "try again"), not an incident.
pub fn internal<E: std::fmt::Display + 'static>(e: E) -> AppError {
    if let Some(db) = (&e as &dyn std::any::Any).downcast_ref::<sea_orm::DbErr>()
        && crate::platform::db::is_unavailable(db)
    {
        tracing::warn!(error = %e, "database unavailable");
        return AppError::Unavailable;
    }
    let incident = crate::platform::crypto::random_token()[..12].to_owned();
    tracing::error!(%incident, error = %e, "internal error");
    AppError::Internal { incident }
}
