//! Clients and the contact book (implements `app::ports::RecordsPort`).
//!
//! The client access rule lives in [`access`]: every read and write of a client, its
//! contacts and its documents starts from it, so a client the caller may not see behaves
//! exactly like one that does not exist (`NotFound`). It is the one part of this area
//! other areas may use.
pub mod access;

use access::{client_search_key, find_visible, insert_client, visible_to};
use app::{
    domain::{
        Permission,
        inputs::{ClientContactInput, ClientInput, ContactInput},
        records::{AccessMode, search_key},
    },
    dto::{ClientAccessInfo, ClientContactRow, ClientDetail, ClientRow, ContactRow, PAGE_SIZE, Page, StaffRef},
    error::AppError,
    ports::{RecordsPort, StaffPrincipal},
};
use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use std::collections::HashMap;

use crate::{
    platform::audit,
    platform::entities::{client, client_access, client_contact, contact, staff, staff::StaffStatus},
    platform::error::{ServerError, boundary},
    platform::search,
    state::Services,
    web::caller::current_origin,
};

async fn staff_names<C: ConnectionTrait>(
    db: &C,
    practice_id: &str,
    ids: Vec<String>,
) -> Result<HashMap<String, String>, ServerError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(staff::display_names(db, staff::of_practice(practice_id, ids)).await?)
}

/// An active staff member of the same practice, or a field error.
async fn practice_staff<C: ConnectionTrait>(
    db: &C,
    p: &StaffPrincipal,
    id: &str,
    field: &str,
) -> Result<staff::Model, ServerError> {
    staff::Entity::find_by_id(id.to_owned())
        .filter(staff::Column::PracticeId.eq(p.practice_id()))
        .filter(staff::Column::Status.eq(StaffStatus::Active))
        .one(db)
        .await?
        .ok_or_else(|| AppError::invalid(field, "Choose someone from your practice.").into())
}

fn row(c: client::Model, owner_name: String) -> ClientRow {
    ClientRow {
        id: c.id,
        first_name: c.first_name,
        last_name: c.last_name,
        date_of_birth: c.date_of_birth,
        email: c.email,
        mobile: c.mobile_e164,
        owner_name,
        archived: c.archived_at.is_some(),
    }
}

fn can_manage_access(p: &StaffPrincipal, c: &client::Model) -> bool {
    p.can(Permission::AccessAllClients) || c.owner_id == p.staff_id()
}

#[async_trait]
impl RecordsPort for Services {
    fn phone_region(&self) -> String {
        self.s.cfg.locale.phone_region.clone()
    }

    async fn list_clients(
        &self,
        p: &StaffPrincipal,
        query: &str,
        archived: bool,
        page: u32,
    ) -> Result<Page<ClientRow>, AppError> {
        boundary(async move {
            let db = &self.s.db;
            let mut q = client::Entity::find().filter(visible_to(p)).filter(if archived {
                client::Column::ArchivedAt.is_not_null()
            } else {
                client::Column::ArchivedAt.is_null()
            });
            if let Some(cond) = search::search(db.get_database_backend(), "client", client::Column::SearchKey, query) {
                q = q.filter(cond);
            }
            let mut rows = q
                .order_by_asc(client::Column::LastName)
                .order_by_asc(client::Column::FirstName)
                .order_by_asc(client::Column::Id)
                .offset(page as u64 * PAGE_SIZE)
                .limit(PAGE_SIZE + 1)
                .all(db)
                .await?;
            let has_more = rows.len() as u64 > PAGE_SIZE;
            rows.truncate(PAGE_SIZE as usize);
            let owners = staff_names(db, p.practice_id(), rows.iter().map(|c| c.owner_id.clone()).collect()).await?;
            let items = rows
                .into_iter()
                .map(|c| {
                    let owner = owners.get(&c.owner_id).cloned().unwrap_or_default();
                    row(c, owner)
                })
                .collect();
            Ok(Page { items, has_more })
        })
        .await
    }

    async fn get_client(&self, p: &StaffPrincipal, id: &str) -> Result<ClientDetail, AppError> {
        boundary(async move {
            let db = &self.s.db;
            let c = find_visible(db, p, id).await?;
            let contacts = client_contact::Entity::find()
                .filter(client_contact::Column::ClientId.eq(c.id.clone()))
                .filter(client_contact::Column::PracticeId.eq(p.practice_id()))
                .order_by_asc(client_contact::Column::CreatedAt)
                .all(db)
                .await?
                .into_iter()
                .map(|k| ClientContactRow {
                    kind: k.client_contact_kind(),
                    id: k.id,
                    name: k.name,
                    relationship: k.relationship,
                    email: k.email,
                    phone: k.phone_e164,
                })
                .collect();
            let selected_ids: Vec<String> = client_access::Entity::find()
                .filter(client_access::Column::ClientId.eq(c.id.clone()))
                .filter(client_access::Column::PracticeId.eq(p.practice_id()))
                .all(db)
                .await?
                .into_iter()
                .map(|a| a.staff_id)
                .collect();
            let mut ids = selected_ids.clone();
            ids.push(c.owner_id.clone());
            let names = staff_names(db, p.practice_id(), ids).await?;
            let name_of = |id: &str| StaffRef { id: id.to_owned(), name: names.get(id).cloned().unwrap_or_default() };
            let access = ClientAccessInfo {
                owner: name_of(&c.owner_id),
                mode: AccessMode::from_key(&c.access_mode).unwrap_or(AccessMode::OwnerOnly),
                selected: selected_ids.iter().map(|i| name_of(i)).collect(),
            };
            let manage = can_manage_access(p, &c);
            let owner_name = access.owner.name.clone();
            Ok(ClientDetail {
                client: row(c, owner_name),
                contacts,
                access,
                can_manage_access: manage,
                can_share: p.can(Permission::ShareDocuments),
            })
        })
        .await
    }

    async fn create_client(
        &self,
        p: &StaffPrincipal,
        input: ClientInput,
        owner_id: Option<String>,
    ) -> Result<String, AppError> {
        boundary(async move {
            let db = &self.s.db;
            let owner = match owner_id {
                Some(id) => practice_staff(db, p, &id, "owner_id").await?.id,
                None => p.staff_id().to_owned(),
            };
            let txn = crate::platform::db::begin_write(db).await?;
            let c = insert_client(&txn, p.practice_id(), &owner, input).await?;
            audit::by_staff(
                &txn,
                p,
                "client.created",
                Some(&c.id),
                &current_origin(&self.s),
                json!({ "owner": c.owner_id }),
            )
            .await?;
            txn.commit().await?;
            Ok(c.id)
        })
        .await
    }

    async fn update_client(&self, p: &StaffPrincipal, id: &str, input: ClientInput) -> Result<(), AppError> {
        boundary(async move {
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let c = find_visible(&txn, p, id).await?;
            let mut am = c.into_active_model();
            am.search_key = Set(client_search_key(&input));
            am.first_name = Set(input.first_name.as_str().to_owned());
            am.last_name = Set(input.last_name.as_str().to_owned());
            am.date_of_birth = Set(input.date_of_birth.to_iso());
            am.email = Set(input.email.map(|e| e.to_string()));
            am.mobile_e164 = Set(input.mobile.map(|m| m.to_string()));
            am.updated_at = Set(Utc::now());
            am.update(&txn).await?;
            audit::by_staff(&txn, p, "client.updated", Some(id), &current_origin(&self.s), json!({})).await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    async fn set_archived(&self, p: &StaffPrincipal, id: &str, archived: bool) -> Result<(), AppError> {
        boundary(async move {
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let c = find_visible(&txn, p, id).await?;
            let mut am = c.into_active_model();
            am.archived_at = Set(archived.then(Utc::now));
            am.updated_at = Set(Utc::now());
            am.update(&txn).await?;
            let action = if archived { "client.archived" } else { "client.restored" };
            audit::by_staff(&txn, p, action, Some(id), &current_origin(&self.s), json!({})).await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    async fn set_client_access(
        &self,
        p: &StaffPrincipal,
        id: &str,
        owner_id: &str,
        mode: AccessMode,
        selected: Vec<String>,
    ) -> Result<(), AppError> {
        boundary(async move {
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let c = find_visible(&txn, p, id).await?;
            if !can_manage_access(p, &c) {
                return Err(AppError::Forbidden.into());
            }
            let owner = practice_staff(&txn, p, owner_id, "owner_id").await?;
            let mut selected_ids = Vec::new();
            if mode == AccessMode::Selected {
                for sid in selected {
                    if sid != owner.id && !selected_ids.contains(&sid) {
                        selected_ids.push(practice_staff(&txn, p, &sid, "selected").await?.id);
                    }
                }
                if selected_ids.is_empty() {
                    return Err(AppError::invalid(
                        "selected",
                        "Choose at least one practitioner besides the owner, or pick another option.",
                    ).into());
                }
            }
            client_access::Entity::delete_many()
                .filter(client_access::Column::ClientId.eq(c.id.clone()))
                .filter(client_access::Column::PracticeId.eq(p.practice_id()))
                .exec(&txn)
                .await
                ?;
            for sid in &selected_ids {
                client_access::ActiveModel {
                    client_id: Set(c.id.clone()),
                    staff_id: Set(sid.clone()),
                    practice_id: Set(p.practice_id().to_owned()),
                }
                .insert(&txn)
                .await
                ?;
            }
            let previous_owner = c.owner_id.clone();
            let mut am = c.into_active_model();
            am.owner_id = Set(owner.id.clone());
            am.access_mode = Set(mode.key().to_owned());
            am.updated_at = Set(Utc::now());
            am.update(&txn).await?;
            audit::by_staff(&txn, p, "client.access_changed",
                Some(id),
                &current_origin(&self.s),
                json!({ "owner": owner.id, "previous_owner": previous_owner, "mode": mode.key(), "selected": selected_ids })).await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    async fn add_client_contact(
        &self,
        p: &StaffPrincipal,
        client_id: &str,
        input: ClientContactInput,
    ) -> Result<(), AppError> {
        boundary(async move {
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let c = find_visible(&txn, p, client_id).await?;
            let k = client_contact::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                practice_id: Set(p.practice_id().to_owned()),
                client_id: Set(c.id.clone()),
                kind: Set(input.kind.key().to_owned()),
                name: Set(input.name.as_str().to_owned()),
                relationship: Set(input.relationship.as_str().to_owned()),
                email: Set(input.email.map(|e| e.to_string())),
                phone_e164: Set(input.phone.map(|x| x.to_string())),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
            audit::by_staff(
                &txn,
                p,
                "client.contact_added",
                Some(&c.id),
                &current_origin(&self.s),
                json!({ "contact": k.id }),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    async fn remove_client_contact(
        &self,
        p: &StaffPrincipal,
        client_id: &str,
        contact_id: &str,
    ) -> Result<(), AppError> {
        boundary(async move {
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let c = find_visible(&txn, p, client_id).await?;
            let n = client_contact::Entity::delete_many()
                .filter(client_contact::Column::Id.eq(contact_id))
                .filter(client_contact::Column::ClientId.eq(c.id.clone()))
                .filter(client_contact::Column::PracticeId.eq(p.practice_id()))
                .exec(&txn)
                .await?
                .rows_affected;
            if n == 0 {
                return Err(AppError::NotFound.into());
            }
            audit::by_staff(
                &txn,
                p,
                "client.contact_removed",
                Some(&c.id),
                &current_origin(&self.s),
                json!({ "contact": contact_id }),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    async fn staff_options(&self, p: &StaffPrincipal) -> Result<Vec<StaffRef>, AppError> {
        boundary(async move {
            Ok(staff::Entity::find()
                .filter(staff::Column::PracticeId.eq(p.practice_id()))
                .filter(staff::Column::Status.eq(StaffStatus::Active))
                .order_by_asc(staff::Column::DisplayName)
                .all(&self.s.db)
                .await?
                .into_iter()
                .map(|s| StaffRef { id: s.id, name: s.display_name })
                .collect())
        })
        .await
    }

    async fn list_contacts(&self, p: &StaffPrincipal, query: &str, page: u32) -> Result<Page<ContactRow>, AppError> {
        boundary(async move {
            let mut q = contact::Entity::find().filter(contact::Column::PracticeId.eq(p.practice_id()));
            if let Some(cond) =
                search::search(self.s.db.get_database_backend(), "contact", contact::Column::SearchKey, query)
            {
                q = q.filter(cond);
            }
            let mut rows = q
                .order_by_asc(contact::Column::Name)
                .order_by_asc(contact::Column::Id)
                .offset(page as u64 * PAGE_SIZE)
                .limit(PAGE_SIZE + 1)
                .all(&self.s.db)
                .await?;
            let has_more = rows.len() as u64 > PAGE_SIZE;
            rows.truncate(PAGE_SIZE as usize);
            Ok(Page {
                has_more,
                items: rows
                    .into_iter()
                    .map(|c| ContactRow {
                        kind: c.contact_kind(),
                        id: c.id,
                        name: c.name,
                        organisation: c.organisation,
                        email: c.email,
                        phone: c.phone_e164,
                    })
                    .collect(),
            })
        })
        .await
    }

    async fn save_contact(
        &self,
        p: &StaffPrincipal,
        id: Option<String>,
        input: ContactInput,
    ) -> Result<String, AppError> {
        boundary(async move {
            p.require(Permission::ManageContacts)?;
            let key = search_key(&[
                input.name.as_str(),
                input.organisation.as_ref().map(|o| o.as_str()).unwrap_or(""),
                input.email.as_ref().map(|e| e.as_str()).unwrap_or(""),
                input.phone.as_ref().map(|x| x.as_str()).unwrap_or(""),
            ]);
            let now = Utc::now();
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let mut am = match &id {
                Some(id) => contact::Entity::find_by_id(id.clone())
                    .filter(contact::Column::PracticeId.eq(p.practice_id()))
                    .one(&txn)
                    .await?
                    .ok_or(AppError::NotFound)?
                    .into_active_model(),
                None => contact::ActiveModel {
                    id: Set(uuid::Uuid::now_v7().to_string()),
                    practice_id: Set(p.practice_id().to_owned()),
                    created_at: Set(now),
                    ..Default::default()
                },
            };
            am.name = Set(input.name.as_str().to_owned());
            am.organisation = Set(input.organisation.map(|o| o.as_str().to_owned()));
            am.kind = Set(input.kind.key().to_owned());
            am.email = Set(input.email.map(|e| e.to_string()));
            am.phone_e164 = Set(input.phone.map(|x| x.to_string()));
            am.search_key = Set(key);
            am.updated_at = Set(now);
            let saved = if id.is_some() { am.update(&txn).await } else { am.insert(&txn).await }?;
            let action = if id.is_some() { "contact.updated" } else { "contact.created" };
            audit::by_staff(&txn, p, action, Some(&saved.id), &current_origin(&self.s), json!({})).await?;
            txn.commit().await?;
            Ok(saved.id)
        })
        .await
    }
}
