//! Server functions for sharing: settings, the wizard, and sending.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::sharing as sh;
use crate::domain::sharing::{RecipientOption, RecipientWarning, ShareOutcome, ShareRequest};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::support::{respond, sharing_port, staff_port};

#[server(endpoint = "sharing_settings", input = Json)]
pub async fn sharing_settings() -> Result<sh::SharingSettings, AppError> {
    respond(
        async {
            let p = staff_port()?.authenticate().await?;
            sharing_port()?.sharing_settings(&p).await
        }
        .await,
    )
}

#[server(endpoint = "save_sharing_settings", input = Json)]
pub async fn save_sharing_settings(settings: sh::SharingSettings) -> Result<(), AppError> {
    respond(
        async {
            let p = staff_port()?.authenticate().await?;
            sharing_port()?.save_sharing_settings(&p, settings).await
        }
        .await,
    )
}

#[server(endpoint = "share_context", input = Json)]
pub async fn share_context(client_id: String) -> Result<sh::ShareContext, AppError> {
    respond(
        async {
            let p = staff_port()?.authenticate().await?;
            sharing_port()?.share_context(&p, &client_id).await
        }
        .await,
    )
}

#[server(endpoint = "search_recipients", input = Json)]
pub async fn search_recipients(query: String) -> Result<Vec<RecipientOption>, AppError> {
    respond(
        async {
            let p = staff_port()?.authenticate().await?;
            sharing_port()?.search_recipients(&p, &query).await
        }
        .await,
    )
}

#[server(endpoint = "check_recipients", input = Json)]
pub async fn check_recipients(request: ShareRequest) -> Result<Vec<RecipientWarning>, AppError> {
    respond(
        async {
            let p = staff_port()?.authenticate().await?;
            sharing_port()?.check_recipients(&p, &request).await
        }
        .await,
    )
}

#[server(endpoint = "create_shares", input = Json)]
pub async fn create_shares(request: ShareRequest) -> Result<ShareOutcome, AppError> {
    respond(
        async {
            let p = staff_port()?.authenticate().await?;
            sharing_port()?.create_shares(&p, request).await
        }
        .await,
    )
}
