//! Server functions for documents (structured kinds; files are uploaded through a
//! streaming axum route, `/app/api/documents/upload`).
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::documents::DocumentKind;
use crate::dto::{DocumentDraft, DocumentFilter, DocumentListItem, DocumentRow, DocumentView, Page};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::support::as_staff;

#[server(endpoint = "list_documents", input = Json)]
pub async fn list_documents(
    client_id: String,
    kind: Option<DocumentKind>,
    #[server(default)] query: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] page: u32,
) -> Result<Page<DocumentRow>, AppError> {
    as_staff(move |ports, p| async move {
        let dates = crate::domain::documents::DateRange::parse(&from, &to)?;
        ports.documents.list_documents(&p, &client_id, kind, &query, dates, page).await
    })
    .await
}

#[server(endpoint = "list_practice_documents", input = Json)]
pub async fn list_practice_documents(filter: DocumentFilter) -> Result<Page<DocumentListItem>, AppError> {
    as_staff(move |ports, p| async move { ports.documents.list_practice_documents(&p, &filter).await }).await
}

#[server(endpoint = "get_document", input = Json)]
pub async fn get_document(id: String) -> Result<DocumentView, AppError> {
    as_staff(move |ports, p| async move { ports.documents.get_document(&p, &id).await }).await
}

#[server(endpoint = "save_document", input = Json)]
pub async fn save_document(client_id: String, id: Option<String>, draft: DocumentDraft) -> Result<String, AppError> {
    as_staff(move |ports, p| async move {
        p.require(draft.kind.edit_permission())?;
        ports.documents.save_document(&p, &client_id, id, draft).await
    })
    .await
}
