//! Entity for the `staff` table (schema in `migrations/`).
use sea_orm::{ActiveValue::Set, Condition, entity::prelude::*, sea_query::IntoCondition};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub practice_id: String,
    pub email: String,
    pub display_name: String,
    pub role_id: String,
    pub status: StaffStatus,
    #[sea_orm(column_type = "Text", nullable)]
    pub password_hash: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub totp_secret: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub totp_pending_secret: Option<String>,
    pub totp_last_step: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Where a staff account stands. Only an active account signs in, is offered as an owner,
/// or receives a practice's notices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum StaffStatus {
    /// Invited by email: no password or two-step verification yet.
    #[sea_orm(string_value = "invited")]
    Invited,
    /// Signed in at least once, with a password and two-step verification.
    #[sea_orm(string_value = "active")]
    Active,
}

impl Model {
    pub fn is_active(&self) -> bool {
        self.status == StaffStatus::Active
    }
}

impl ActiveModel {
    /// A new account, without two-step verification yet (its first sign-in sets that up).
    pub fn new_account(
        practice_id: &str,
        email: &str,
        display_name: &str,
        role_id: &str,
        status: StaffStatus,
        password_hash: Option<String>,
        now: DateTimeUtc,
    ) -> Self {
        ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            practice_id: Set(practice_id.to_owned()),
            email: Set(email.to_owned()),
            display_name: Set(display_name.to_owned()),
            role_id: Set(role_id.to_owned()),
            status: Set(status),
            password_hash: Set(password_hash),
            totp_secret: Set(None),
            totp_pending_secret: Set(None),
            totp_last_step: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }
}

/// Display names by id of the staff members `filter` picks, for naming authors, owners and
/// senders in lists.
pub async fn display_names<C: ConnectionTrait>(
    db: &C,
    filter: impl IntoCondition,
) -> Result<HashMap<String, String>, DbErr> {
    Ok(Entity::find().filter(filter).all(db).await?.into_iter().map(|s| (s.id, s.display_name)).collect())
}

/// These staff members (`ids`) of the practice, as a filter.
pub fn of_practice(practice_id: &str, ids: impl IntoIterator<Item = String>) -> Condition {
    Condition::all().add(Column::PracticeId.eq(practice_id)).add(Column::Id.is_in(ids))
}
