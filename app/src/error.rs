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
    /// The server cannot reach its database just now (a restart, a network fault): try
    /// again shortly. Nothing was changed.
    #[error("Dossier cannot reach its database just now. Nothing was changed: please try again in a minute.")]
    Unavailable,
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
            AppError::Unavailable => 503,
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
        let (status, error) = match value {
            // The body did not decode into the function's arguments: the caller's mistake.
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => {
                (400, AppError::invalid("", format!("The request could not be read: {}.", describe_decode_error(&m))))
            }
            ServerFnErrorErr::MissingArg(m) => (400, AppError::invalid("", format!("The request is missing {m}."))),
            ServerFnErrorErr::UnsupportedRequestMethod(m) => {
                (405, AppError::invalid("", format!("This request method is not supported: {m}.")))
            }
            ServerFnErrorErr::Registration(_) => (404, AppError::NotFound),
            _ => (500, AppError::Internal { incident: "transport".into() }),
        };
        #[cfg(feature = "ssr")]
        if status != 500 {
            if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                opts.set_status(http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_REQUEST));
            }
        }
        #[cfg(not(feature = "ssr"))]
        let _ = status;
        error
    }
}

/// A decoder's message with every quoted value removed: names the problem (a missing or
/// unknown field, a wrong type, where in the body) without echoing what was sent, which
/// may be a secret. Field names stay (serde puts them in backticks).
pub fn describe_decode_error(m: &str) -> String {
    let mut out = String::with_capacity(m.len().min(200));
    let mut in_quote = false;
    for c in m.chars() {
        match c {
            '"' if !in_quote => {
                in_quote = true;
                out.push_str("(value)");
            }
            '"' => in_quote = false,
            _ if in_quote => {}
            _ => out.push(c),
        }
    }
    let out = out.trim().trim_end_matches('.').to_owned();
    let out: String = out.chars().take(200).collect();
    if out.is_empty() { "the body is not in the expected format".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::describe_decode_error;

    #[test]
    fn decode_errors_name_the_problem_without_the_value() {
        let m = describe_decode_error("invalid type: string \"hunter2\", expected u32 at line 1 column 12");
        assert!(!m.contains("hunter2"), "{m}");
        assert!(m.contains("expected u32"), "{m}");
        assert_eq!(describe_decode_error("missing field `recipients`"), "missing field `recipients`");
        assert_eq!(describe_decode_error(""), "the body is not in the expected format");
    }
}
