//! Server functions of the staff app shell and staff administration.
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::domain::Permission;
use crate::dto::{Me, RoleRow, StaffRow};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::support::{respond, staff_port};
#[cfg(feature = "ssr")]
use crate::domain::{DisplayName, EmailAddress};

#[server(endpoint = "get_me")]
pub async fn get_me() -> Result<Me, AppError> {
    respond(
        async {
            let port = staff_port()?;
            let p = port.authenticate().await?;
            port.me(&p).await
        }
        .await,
    )
}

#[server(endpoint = "list_staff")]
pub async fn list_staff() -> Result<Vec<StaffRow>, AppError> {
    respond(
        async {
            let port = staff_port()?;
            let p = port.authenticate().await?;
            p.require(Permission::ManageStaff)?;
            port.list_staff(&p).await
        }
        .await,
    )
}

#[server(endpoint = "list_roles")]
pub async fn list_roles() -> Result<Vec<RoleRow>, AppError> {
    respond(
        async {
            let port = staff_port()?;
            let p = port.authenticate().await?;
            p.require(Permission::ManageStaff)?;
            port.list_roles(&p).await
        }
        .await,
    )
}

#[server(endpoint = "invite_staff")]
pub async fn invite_staff(name: String, email: String, role_id: String) -> Result<String, AppError> {
    respond(
        async {
            let port = staff_port()?;
            let p = port.authenticate().await?;
            p.require(Permission::ManageStaff)?;
            let name = DisplayName::parse("name", "a name", &name)?;
            let email = EmailAddress::parse("email", &email)?;
            port.invite_staff(&p, name, email.clone(), role_id).await?;
            Ok(email.to_string())
        }
        .await,
    )
}

#[server(endpoint = "create_role")]
pub async fn create_role(name: String, #[server(default)] permissions: Vec<String>) -> Result<RoleRow, AppError> {
    respond(
        async {
            let port = staff_port()?;
            let p = port.authenticate().await?;
            p.require(Permission::ManageStaff)?;
            let name = DisplayName::parse("name", "a role name", &name)?;
            let mut perms = Vec::new();
            for key in permissions {
                perms.push(
                    Permission::from_key(&key)
                        .ok_or_else(|| AppError::invalid("permissions", "Unknown permission."))?,
                );
            }
            port.create_role(&p, name, perms).await
        }
        .await,
    )
}
