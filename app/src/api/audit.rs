//! Server functions for the audit log and the accounting of disclosures.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::audit::{Accounting, AuditFilter, AuditRow, ChainCheck};
use crate::dto::Page;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::support::as_staff;

#[server(endpoint = "list_audit", input = Json)]
pub async fn list_audit(filter: AuditFilter, page: u32) -> Result<Page<AuditRow>, AppError> {
    as_staff(move |ports, p| async move { ports.audit.list_audit(&p, filter, page).await }).await
}

#[server(endpoint = "verify_audit_chain", input = Json)]
pub async fn verify_audit_chain() -> Result<ChainCheck, AppError> {
    as_staff(move |ports, p| async move { ports.audit.verify_audit_chain(&p).await }).await
}

#[server(endpoint = "client_accounting", input = Json)]
pub async fn client_accounting(client_id: String) -> Result<Accounting, AppError> {
    as_staff(move |ports, p| async move { ports.audit.accounting(&p, &client_id).await }).await
}
