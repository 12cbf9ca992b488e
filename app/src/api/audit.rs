//! Server functions for the audit log and the accounting of disclosures.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::audit::{Accounting, AuditFilter, AuditRow, ChainCheck};
use crate::dto::Page;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::support::{audit_port, respond, staff_port};

#[server(endpoint = "list_audit", input = Json)]
pub async fn list_audit(filter: AuditFilter, page: u32) -> Result<Page<AuditRow>, AppError> {
    respond(
        async {
            let p = staff_port()?.authenticate().await?;
            audit_port()?.list_audit(&p, filter, page).await
        }
        .await,
    )
}

#[server(endpoint = "verify_audit_chain", input = Json)]
pub async fn verify_audit_chain() -> Result<ChainCheck, AppError> {
    respond(
        async {
            let p = staff_port()?.authenticate().await?;
            audit_port()?.verify_audit_chain(&p).await
        }
        .await,
    )
}

#[server(endpoint = "client_accounting", input = Json)]
pub async fn client_accounting(client_id: String) -> Result<Accounting, AppError> {
    respond(
        async {
            let p = staff_port()?.authenticate().await?;
            audit_port()?.accounting(&p, &client_id).await
        }
        .await,
    )
}
