//! Server functions for the practice's intake form and the submissions it receives.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::intake::{self, IntakeForm, SubmissionRow};
use crate::dto::Page;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::support::as_staff;
#[cfg(feature = "ssr")]
use crate::domain::Permission;

#[server(endpoint = "intake_settings", input = Json)]
pub async fn intake_settings() -> Result<intake::IntakeSettings, AppError> {
    as_staff(move |ports, p| async move {
        p.require(Permission::ManageSettings)?;
        ports.intake.intake_settings(&p).await
    })
    .await
}

#[server(endpoint = "save_intake_form", input = Json)]
pub async fn save_intake_form(form: IntakeForm) -> Result<(), AppError> {
    as_staff(move |ports, p| async move {
        p.require(Permission::ManageSettings)?;
        ports.intake.save_intake_form(&p, form).await
    })
    .await
}

#[server(endpoint = "list_intake_submissions", input = Json)]
pub async fn list_intake_submissions(#[server(default)] page: u32) -> Result<Page<SubmissionRow>, AppError> {
    as_staff(move |ports, p| async move { ports.intake.list_submissions(&p, page).await }).await
}

#[server(endpoint = "resolve_intake_submission", input = Json)]
pub async fn resolve_intake_submission(id: String, attach: bool) -> Result<(), AppError> {
    as_staff(move |ports, p| async move { ports.intake.resolve_submission(&p, &id, attach).await }).await
}
