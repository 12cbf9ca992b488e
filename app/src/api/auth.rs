//! Server functions behind the sign-in pages. The credential steps themselves are plain
//! form posts handled by the server (`/auth/...`), so they work before hydration.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::dto::Enrolment;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::support::{ports, respond};

/// Feedback about a failed form post, carried in a server-signed query parameter.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FormFeedback {
    pub field: String,
    pub message: String,
}

#[server(endpoint = "get_enrolment", input = Json)]
pub async fn get_enrolment() -> Result<Enrolment, AppError> {
    respond(ports()?.auth.enrolment().await)
}

#[server(endpoint = "get_recovery_codes", input = Json)]
pub async fn get_recovery_codes() -> Result<Vec<String>, AppError> {
    respond(ports()?.auth.fresh_recovery_codes().await)
}

#[server(endpoint = "read_feedback", input = Json)]
pub async fn read_feedback(token: String) -> Result<Option<FormFeedback>, AppError> {
    Ok(ports()?.auth.read_flash(&token).map(|(field, message)| FormFeedback { field, message }))
}
