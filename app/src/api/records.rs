//! Server functions for clients and the contact book.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::domain::records::AccessMode;
use crate::dto::{ClientDetail, ClientRow, ContactRow, Page, StaffRef};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::support::as_staff;
#[cfg(feature = "ssr")]
use crate::domain::{
    Permission,
    inputs::{ClientContactInput, ClientInput, ContactInput},
};

/// A client's details from a form, read with the practice's phone region and today's date.
#[cfg(feature = "ssr")]
fn parse_client(
    port: &crate::ports::DynRecordsPort,
    first_name: &str,
    last_name: &str,
    date_of_birth: &str,
    email: &str,
    mobile: &str,
) -> Result<ClientInput, AppError> {
    let today = chrono::Utc::now().date_naive();
    ClientInput::parse(first_name, last_name, date_of_birth, email, mobile, &port.phone_region(), today)
}

#[server(endpoint = "list_clients", input = Json)]
pub async fn list_clients(
    #[server(default)] query: String,
    #[server(default)] archived: bool,
    #[server(default)] page: u32,
) -> Result<Page<ClientRow>, AppError> {
    as_staff(move |ports, p| async move { ports.records.list_clients(&p, &query, archived, page).await }).await
}

#[server(endpoint = "get_client", input = Json)]
pub async fn get_client(id: String) -> Result<ClientDetail, AppError> {
    as_staff(move |ports, p| async move { ports.records.get_client(&p, &id).await }).await
}

#[server(endpoint = "create_client", input = Json)]
pub async fn create_client(
    first_name: String,
    last_name: String,
    date_of_birth: String,
    #[server(default)] email: String,
    #[server(default)] mobile: String,
    #[server(default)] owner_id: String,
) -> Result<String, AppError> {
    as_staff(move |ports, p| async move {
        let port = ports.records;
        let input = parse_client(&port, &first_name, &last_name, &date_of_birth, &email, &mobile)?;
        let owner = (!owner_id.is_empty()).then_some(owner_id);
        port.create_client(&p, input, owner).await
    })
    .await
}

#[server(endpoint = "update_client", input = Json)]
pub async fn update_client(
    id: String,
    first_name: String,
    last_name: String,
    date_of_birth: String,
    #[server(default)] email: String,
    #[server(default)] mobile: String,
) -> Result<(), AppError> {
    as_staff(move |ports, p| async move {
        let port = ports.records;
        let input = parse_client(&port, &first_name, &last_name, &date_of_birth, &email, &mobile)?;
        port.update_client(&p, &id, input).await
    })
    .await
}

#[server(endpoint = "archive_client", input = Json)]
pub async fn archive_client(id: String, archived: bool) -> Result<(), AppError> {
    as_staff(move |ports, p| async move { ports.records.set_archived(&p, &id, archived).await }).await
}

#[server(endpoint = "set_client_access", input = Json)]
pub async fn set_client_access(
    id: String,
    owner_id: String,
    mode: String,
    #[server(default)] selected: Vec<String>,
) -> Result<(), AppError> {
    as_staff(move |ports, p| async move {
        let mode = AccessMode::from_key(&mode)
            .ok_or_else(|| AppError::invalid("mode", "Choose who can access this client."))?;
        ports.records.set_client_access(&p, &id, &owner_id, mode, selected).await
    })
    .await
}

#[server(endpoint = "add_client_contact", input = Json)]
pub async fn add_client_contact(
    client_id: String,
    kind: String,
    name: String,
    relationship: String,
    #[server(default)] email: String,
    #[server(default)] phone: String,
) -> Result<(), AppError> {
    as_staff(move |ports, p| async move {
        let port = ports.records;
        let input = ClientContactInput::parse(&kind, &name, &relationship, &email, &phone, &port.phone_region())?;
        port.add_client_contact(&p, &client_id, input).await
    })
    .await
}

#[server(endpoint = "remove_client_contact", input = Json)]
pub async fn remove_client_contact(client_id: String, contact_id: String) -> Result<(), AppError> {
    as_staff(move |ports, p| async move { ports.records.remove_client_contact(&p, &client_id, &contact_id).await })
        .await
}

#[server(endpoint = "staff_options", input = Json)]
pub async fn staff_options() -> Result<Vec<StaffRef>, AppError> {
    as_staff(move |ports, p| async move { ports.records.staff_options(&p).await }).await
}

#[server(endpoint = "list_contacts", input = Json)]
pub async fn list_contacts(
    #[server(default)] query: String,
    #[server(default)] page: u32,
) -> Result<Page<ContactRow>, AppError> {
    as_staff(move |ports, p| async move { ports.records.list_contacts(&p, &query, page).await }).await
}

#[server(endpoint = "save_contact", input = Json)]
pub async fn save_contact(
    #[server(default)] id: String,
    name: String,
    #[server(default)] organisation: String,
    kind: String,
    #[server(default)] email: String,
    #[server(default)] phone: String,
) -> Result<String, AppError> {
    as_staff(move |ports, p| async move {
        p.require(Permission::ManageContacts)?;
        let port = ports.records;
        let input = ContactInput::parse(&name, &organisation, &kind, &email, &phone, &port.phone_region())?;
        port.save_contact(&p, (!id.is_empty()).then_some(id), input).await
    })
    .await
}
