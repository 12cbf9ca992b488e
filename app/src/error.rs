//! The public error type. Every variant is safe to show to the user; server-side causes
//! are logged with an incident id before they are mapped to [`AppError::Internal`].
use serde::{Deserialize, Serialize};
use server_fn_codec::*;

mod server_fn_codec {
    pub use leptos::server_fn::codec::JsonEncoding;
    pub use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input failed validation; the message says what to fix.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// Not signed in, or the session ended.
    #[error("Your session has ended. Please sign in again.")]
    Unauthenticated,
    /// Signed in but not allowed.
    #[error("You don't have permission to do that.")]
    Forbidden,
    /// Does not exist, or exists but is not visible to the caller (same answer).
    #[error("Not found.")]
    NotFound,
    /// Conflicts with existing data (for example an email already in use).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts.
    #[error("Too many attempts. Try again in {minutes} minutes.")]
    Throttled { minutes: u32 },
    /// Anything unexpected; the id lets support find the logged cause.
    #[error("Something went wrong on our side (incident {incident}). Please try again.")]
    Internal { incident: String },
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid { field: field.to_owned(), message: message.into() }
    }

    /// HTTP status this error maps to: always 4xx for the caller's mistakes.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid { .. } => 422,
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::Throttled { .. } => 429,
            AppError::Internal { .. } => 500,
        }
    }

    /// The field this error belongs to, for inline validation.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                // Malformed arguments are the caller's mistake: answer 400, not 500.
                #[cfg(feature = "ssr")]
                if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                    opts.set_status(http::StatusCode::BAD_REQUEST);
                }
                AppError::invalid("", "The request was incomplete or malformed.")
            }
            _ => AppError::Internal { incident: "transport".into() },
        }
    }
}
