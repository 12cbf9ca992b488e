//! Implementations of the ports declared in `app::ports`, over sea-orm. Every query made
//! for a principal is filtered by `principal.practice_id()`: no path crosses practices.
use app::{
    domain::{DisplayName, EmailAddress, Permission},
    dto::{Enrolment, Me, RoleRow, StaffRow},
    error::AppError,
    ports::{AuthPort, StaffPort, StaffPrincipal},
};
use async_trait::async_trait;
use axum::http::request::Parts;
use chrono::{Duration, Utc};
use leptos::prelude::use_context;
use sea_orm::{ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use std::collections::HashMap;

use crate::{
    delivery::mail,
    identity::auth::{INVITE_HOURS, issue_token},
    platform::audit::{self, Actor},
    platform::entities::{action_token::TokenKind, practice, role, staff, staff::StaffStatus},
    platform::error::{ServerError, boundary},
    platform::totp,
    state::Services,
    web::caller::origin_of,
    web::session::{self, Stage},
};

fn request_parts() -> Result<Parts, ServerError> {
    use_context::<Parts>().ok_or_else(|| ServerError::fault("request parts missing from context"))
}

fn role_row(r: role::Model) -> RoleRow {
    RoleRow {
        permissions: Permission::parse_list(&r.permissions),
        id: r.id,
        name: r.name,
        is_admin: r.is_admin,
        is_builtin: r.is_builtin,
    }
}

#[async_trait]
impl StaffPort for Services {
    async fn authenticate(&self) -> Result<StaffPrincipal, AppError> {
        boundary(async move {
            let parts = request_parts()?;
            let live = session::load(&self.s.db, &self.s.cfg, &parts.headers, true).await?;
            let Some(live) = live else { return Err(AppError::Unauthenticated.into()) };
            match session::principal(&self.s.db, &live).await? {
                Some((p, _, _)) => Ok(p),
                None => Err(AppError::Unauthenticated.into()),
            }
        })
        .await
    }

    async fn me(&self, p: &StaffPrincipal) -> Result<Me, AppError> {
        boundary(async move {
            let st = staff::Entity::find_by_id(p.staff_id().to_owned())
                .filter(staff::Column::PracticeId.eq(p.practice_id()))
                .one(&self.s.db)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            let r = role::Entity::find_by_id(st.role_id.clone())
                .filter(role::Column::PracticeId.eq(p.practice_id()))
                .one(&self.s.db)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            let pr = practice::Entity::find_by_id(p.practice_id().to_owned())
                .one(&self.s.db)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            Ok(Me {
                staff_id: st.id,
                name: st.display_name,
                email: st.email,
                role_name: r.name,
                is_admin: r.is_admin,
                permissions: Permission::parse_list(&r.permissions),
                practice_name: pr.name,
                time_zone: pr.time_zone,
            })
        })
        .await
    }

    async fn list_staff(&self, p: &StaffPrincipal) -> Result<Vec<StaffRow>, AppError> {
        boundary(async move {
            p.require(Permission::ManageStaff)?;
            let roles: HashMap<String, String> = role::Entity::find()
                .filter(role::Column::PracticeId.eq(p.practice_id()))
                .all(&self.s.db)
                .await?
                .into_iter()
                .map(|r| (r.id, r.name))
                .collect();
            let rows = staff::Entity::find()
                .filter(staff::Column::PracticeId.eq(p.practice_id()))
                .order_by_asc(staff::Column::DisplayName)
                .all(&self.s.db)
                .await?;
            Ok(rows
                .into_iter()
                .map(|st| StaffRow {
                    role_name: roles.get(&st.role_id).cloned().unwrap_or_default(),
                    id: st.id,
                    name: st.display_name,
                    email: st.email,
                    status: st.status.to_value(),
                })
                .collect())
        })
        .await
    }

    async fn list_roles(&self, p: &StaffPrincipal) -> Result<Vec<RoleRow>, AppError> {
        boundary(async move {
            p.require(Permission::ManageStaff)?;
            let rows = role::Entity::find()
                .filter(role::Column::PracticeId.eq(p.practice_id()))
                .order_by_desc(role::Column::IsBuiltin)
                .order_by_asc(role::Column::CreatedAt)
                .all(&self.s.db)
                .await?;
            Ok(rows.into_iter().map(role_row).collect())
        })
        .await
    }

    async fn invite_staff(
        &self,
        p: &StaffPrincipal,
        name: DisplayName,
        email: EmailAddress,
        role_id: String,
    ) -> Result<(), AppError> {
        boundary(async move {
            p.require(Permission::ManageStaff)?;
            let parts = request_parts()?;
            let db = &self.s.db;
            let r = role::Entity::find_by_id(role_id)
                .filter(role::Column::PracticeId.eq(p.practice_id()))
                .one(db)
                .await?
                .ok_or_else(|| AppError::invalid("role_id", "Choose a role."))?;
            let existing = staff::Entity::find().filter(staff::Column::Email.eq(email.as_str())).one(db).await?;
            if existing.as_ref().is_some_and(|st| st.practice_id == p.practice_id()) {
                return Err(AppError::invalid("email", "This person is already on your staff list.").into());
            }
            let inviter =
                staff::Entity::find_by_id(p.staff_id().to_owned()).one(db).await?.ok_or(AppError::Unauthenticated)?;
            let pr = practice::Entity::find_by_id(p.practice_id().to_owned())
                .one(db)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            let now = Utc::now();
            let txn = crate::platform::db::begin_write(db).await?;
            if existing.is_some() {
                // An account of another practice: the same answer as a sent invitation (no
                // cross-practice oracle); the address's owner is told by email instead.
                let m = crate::delivery::emails::invitation_elsewhere(
                    email.as_str(),
                    name.as_str(),
                    &pr,
                    &inviter.display_name,
                );
                mail::enqueue(&txn, &self.s.keys, p.practice_id(), "staff_invite_elsewhere", &m).await?;
                audit::append(
                    &txn,
                    p.practice_id(),
                    &Actor::Staff(p.staff_id().to_owned()),
                    "staff.invite_not_sent",
                    None,
                    &origin_of(&parts, &self.s),
                    json!({ "reason": "address_in_use" }),
                )
                .await?;
                txn.commit().await?;
                return Ok(());
            }
            let st = staff::ActiveModel::new_account(
                p.practice_id(),
                email.as_str(),
                name.as_str(),
                &r.id,
                StaffStatus::Invited,
                None,
                now,
            )
            .insert(&txn)
            .await
            .map_err(|e| {
                if crate::platform::db::is_unique_violation(&e) {
                    AppError::Conflict("That address was invited at the same moment: reload the staff list.".into())
                        .into()
                } else {
                    ServerError::from(e)
                }
            })?;
            let token = issue_token(&txn, &st, TokenKind::Invite, Duration::hours(INVITE_HOURS)).await?;
            let link = format!("{}/invite/{}", self.s.cfg.public_base(), token);
            let m = crate::delivery::emails::invitation(&st, &pr, &inviter.display_name, &link);
            mail::enqueue(&txn, &self.s.keys, p.practice_id(), "staff_invite", &m).await?;
            audit::append(
                &txn,
                p.practice_id(),
                &Actor::Staff(p.staff_id().to_owned()),
                "staff.invited",
                Some(&st.id),
                &origin_of(&parts, &self.s),
                json!({ "role": r.name }),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    async fn create_role(
        &self,
        p: &StaffPrincipal,
        name: DisplayName,
        permissions: Vec<Permission>,
    ) -> Result<RoleRow, AppError> {
        boundary(async move {
            p.require(Permission::ManageStaff)?;
            let parts = request_parts()?;
            let txn = crate::platform::db::begin_write(&self.s.db).await?;
            let r = role::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                practice_id: Set(p.practice_id().to_owned()),
                name: Set(name.as_str().to_owned()),
                is_admin: Set(false),
                is_builtin: Set(false),
                permissions: Set(Permission::join_list(&permissions)),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await
            .map_err(|e| {
                if crate::platform::db::is_unique_violation(&e) {
                    AppError::invalid("name", "A role with that name already exists.").into()
                } else {
                    ServerError::from(e)
                }
            })?;
            audit::append(
                &txn,
                p.practice_id(),
                &Actor::Staff(p.staff_id().to_owned()),
                "role.created",
                Some(&r.id),
                &origin_of(&parts, &self.s),
                json!({ "name": r.name, "permissions": r.permissions }),
            )
            .await?;
            txn.commit().await?;
            Ok(role_row(r))
        })
        .await
    }
}

#[async_trait]
impl AuthPort for Services {
    async fn enrolment(&self) -> Result<Enrolment, AppError> {
        boundary(async move {
            let parts = request_parts()?;
            let live = session::load(&self.s.db, &self.s.cfg, &parts.headers, false).await?;
            let Some(live) = live.filter(|l| l.stage == Stage::Enrol) else {
                return Err(AppError::Unauthenticated.into());
            };
            let st = staff::Entity::find_by_id(live.row.staff_id.clone())
                .filter(staff::Column::PracticeId.eq(live.row.practice_id.clone()))
                .one(&self.s.db)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            let secret = st
                .totp_pending_secret
                .as_deref()
                .and_then(|sealed| self.s.keys.open(sealed, &format!("staff:{}:totp", st.id)))
                .ok_or(AppError::Unauthenticated)?;
            let pr = practice::Entity::find_by_id(st.practice_id.clone())
                .one(&self.s.db)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            let v = totp::enrolment_view(&secret, &format!("Dossier {}", pr.name), &st.email);
            Ok(Enrolment {
                qr_svg_data_url: v.qr_svg_data_url,
                secret_base32: v.secret_base32,
                account_label: st.email,
            })
        })
        .await
    }

    async fn fresh_recovery_codes(&self) -> Result<Vec<String>, AppError> {
        boundary(async move {
            let parts = request_parts()?;
            let live = session::load(&self.s.db, &self.s.cfg, &parts.headers, false).await?;
            let Some(live) = live.filter(|l| l.stage == Stage::Recovery) else {
                return Err(AppError::Unauthenticated.into());
            };
            let bytes = live
                .row
                .pending_data
                .as_deref()
                .and_then(|sealed| self.s.keys.open(sealed, &format!("recovery:{}", live.row.staff_id)))
                .ok_or(AppError::NotFound)?;
            serde_json::from_slice(&bytes).map_err(ServerError::from)
        })
        .await
    }

    fn read_flash(&self, token: &str) -> Option<(String, String)> {
        let json = self.s.keys.verify_flash(token)?;
        let v: serde_json::Value = serde_json::from_str(&json).ok()?;
        Some((v.get("f")?.as_str()?.to_owned(), v.get("m")?.as_str()?.to_owned()))
    }
}
