//! Server functions for sharing: settings, the wizard, and sending.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::sharing as sh;
use crate::domain::sharing::{
    NotificationRow, RecipientOption, RecipientWarning, ShareFilter, ShareOutcome, ShareRequest, ShareRow, ShareStatus,
};
use crate::dto::Page;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::support::as_staff;

#[server(endpoint = "sharing_settings", input = Json)]
pub async fn sharing_settings() -> Result<sh::SharingSettings, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.sharing_settings(&p).await }).await
}

#[server(endpoint = "save_sharing_settings", input = Json)]
pub async fn save_sharing_settings(settings: sh::SharingSettings) -> Result<(), AppError> {
    as_staff(move |ports, p| async move { ports.sharing.save_sharing_settings(&p, settings).await }).await
}

#[server(endpoint = "share_context", input = Json)]
pub async fn share_context(client_id: String) -> Result<sh::ShareContext, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.share_context(&p, &client_id).await }).await
}

#[server(endpoint = "search_recipients", input = Json)]
pub async fn search_recipients(query: String) -> Result<Vec<RecipientOption>, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.search_recipients(&p, &query).await }).await
}

#[server(endpoint = "check_recipients", input = Json)]
pub async fn check_recipients(request: ShareRequest) -> Result<Vec<RecipientWarning>, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.check_recipients(&p, &request).await }).await
}

#[server(endpoint = "create_shares", input = Json)]
pub async fn create_shares(request: ShareRequest) -> Result<ShareOutcome, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.create_shares(&p, request).await }).await
}

#[server(endpoint = "preview_share_email", input = Json)]
pub async fn preview_share_email(template: sh::EmailTemplate) -> Result<sh::EmailPreview, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.preview_share_email(&p, template).await }).await
}

#[server(endpoint = "send_test_email", input = Json)]
pub async fn send_test_email(template: sh::EmailTemplate) -> Result<String, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.send_test_email(&p, template).await }).await
}

#[server(endpoint = "send_test_sms", input = Json)]
pub async fn send_test_sms(phone: String, voice: bool) -> Result<String, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.send_test_sms(&p, &phone, voice).await }).await
}

#[server(endpoint = "list_client_shares", input = Json)]
pub async fn list_client_shares(client_id: String, status: Option<ShareStatus>) -> Result<Vec<ShareRow>, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.list_client_shares(&p, &client_id, status).await }).await
}

#[server(endpoint = "list_shares", input = Json)]
pub async fn list_shares(filter: ShareFilter) -> Result<Page<ShareRow>, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.list_shares(&p, &filter).await }).await
}

#[server(endpoint = "revoke_shares", input = Json)]
pub async fn revoke_shares(share_ids: Vec<String>) -> Result<u64, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.revoke_shares(&p, &share_ids).await }).await
}

#[server(endpoint = "document_shares", input = Json)]
pub async fn document_shares(document_id: String) -> Result<Vec<ShareRow>, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.document_shares(&p, &document_id).await }).await
}

#[server(endpoint = "revoke_share", input = Json)]
pub async fn revoke_share(share_id: String) -> Result<(), AppError> {
    as_staff(move |ports, p| async move { ports.sharing.revoke_share(&p, &share_id).await }).await
}

#[server(endpoint = "revoke_client_shares", input = Json)]
pub async fn revoke_client_shares(client_id: String) -> Result<u64, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.revoke_client_shares(&p, &client_id).await }).await
}

#[server(endpoint = "extend_share", input = Json)]
pub async fn extend_share(share_id: String, expires_on: String) -> Result<(), AppError> {
    as_staff(move |ports, p| async move { ports.sharing.extend_share(&p, &share_id, &expires_on).await }).await
}

#[server(endpoint = "resend_share", input = Json)]
pub async fn resend_share(share_id: String) -> Result<(), AppError> {
    as_staff(move |ports, p| async move { ports.sharing.resend_share(&p, &share_id).await }).await
}

#[server(endpoint = "unlock_share", input = Json)]
pub async fn unlock_share(share_id: String) -> Result<(), AppError> {
    as_staff(move |ports, p| async move { ports.sharing.unlock_share(&p, &share_id).await }).await
}

#[server(endpoint = "list_notifications", input = Json)]
pub async fn list_notifications() -> Result<Vec<NotificationRow>, AppError> {
    as_staff(move |ports, p| async move { ports.sharing.notifications(&p).await }).await
}

#[server(endpoint = "mark_notifications_read", input = Json)]
pub async fn mark_notifications_read() -> Result<(), AppError> {
    as_staff(move |ports, p| async move { ports.sharing.mark_notifications_read(&p).await }).await
}
