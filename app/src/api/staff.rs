//! Server functions of the staff app shell and staff administration.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::domain::Permission;
use crate::dto::{Me, RoleRow, StaffRow};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::support::as_staff;
#[cfg(feature = "ssr")]
use crate::domain::{DisplayName, EmailAddress};

#[server(endpoint = "get_me", input = Json)]
pub async fn get_me() -> Result<Me, AppError> {
    as_staff(move |ports, p| async move { ports.staff.me(&p).await }).await
}

#[server(endpoint = "list_staff", input = Json)]
pub async fn list_staff() -> Result<Vec<StaffRow>, AppError> {
    as_staff(move |ports, p| async move {
        p.require(Permission::ManageStaff)?;
        ports.staff.list_staff(&p).await
    })
    .await
}

#[server(endpoint = "list_roles", input = Json)]
pub async fn list_roles() -> Result<Vec<RoleRow>, AppError> {
    as_staff(move |ports, p| async move {
        p.require(Permission::ManageStaff)?;
        ports.staff.list_roles(&p).await
    })
    .await
}

#[server(endpoint = "invite_staff", input = Json)]
pub async fn invite_staff(name: String, email: String, role_id: String) -> Result<String, AppError> {
    as_staff(move |ports, p| async move {
        p.require(Permission::ManageStaff)?;
        let name = DisplayName::parse("name", "a name", &name)?;
        let email = EmailAddress::parse("email", &email)?;
        ports.staff.invite_staff(&p, name, email.clone(), role_id).await?;
        Ok(email.to_string())
    })
    .await
}

#[server(endpoint = "create_role", input = Json)]
pub async fn create_role(name: String, #[server(default)] permissions: Vec<String>) -> Result<RoleRow, AppError> {
    as_staff(move |ports, p| async move {
        p.require(Permission::ManageStaff)?;
        let name = DisplayName::parse("name", "a role name", &name)?;
        let mut perms = Vec::new();
        for key in permissions {
            perms.push(
                Permission::from_key(&key).ok_or_else(|| AppError::invalid("permissions", "Unknown permission."))?,
            );
        }
        ports.staff.create_role(&p, name, perms).await
    })
    .await
}
