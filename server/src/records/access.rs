//! The client access rule: which clients a staff member sees ([`visible_to`]), the reads
//! that start from it, and the one way a client comes into being (owner only, the rule's
//! default). Documents, sharing, intake and the audit log use these, and nothing else of
//! records (the layout test in `tests/api/security.rs` holds them to that).
use app::{
    domain::{
        Permission,
        inputs::ClientInput,
        records::{AccessMode, search_key},
    },
    error::AppError,
    ports::StaffPrincipal,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, Query},
};

use crate::platform::{
    entities::{client, client_access, document},
    error::ServerError,
};

/// The clients `p` may see: their practice's, and unless they may access all clients,
/// only those they own, those open to all practitioners, and those shared with them.
pub fn visible_to(p: &StaffPrincipal) -> Condition {
    let practice = Condition::all().add(client::Column::PracticeId.eq(p.practice_id()));
    if p.can(Permission::AccessAllClients) {
        return practice;
    }
    let shared_with_me = Query::select()
        .column(client_access::Column::ClientId)
        .from(client_access::Entity)
        .and_where(client_access::Column::StaffId.eq(p.staff_id()))
        .and_where(client_access::Column::PracticeId.eq(p.practice_id()))
        .to_owned();
    practice.add(
        Condition::any()
            .add(client::Column::OwnerId.eq(p.staff_id()))
            .add(client::Column::AccessMode.eq(AccessMode::AllPractitioners.key()))
            .add(
                Condition::all()
                    .add(client::Column::AccessMode.eq(AccessMode::Selected.key()))
                    .add(client::Column::Id.in_subquery(shared_with_me)),
            ),
    )
}

/// The access rule as a filter on rows that belong to a client (`client_col`, such as
/// `(document::Entity, document::Column::ClientId)`): `None` for those who see every client
/// (the practice is the rule), else a correlated `EXISTS` on the client. Correlated, not
/// `client_id IN (SELECT …)`: the subquery form made the database build the set of every
/// visible client (100,000 rows) on each request, ~90 ms; `EXISTS` checks each candidate
/// row's client by its primary key and stops with the page. `LIMIT 1 OFFSET 0` keeps it that
/// way on PostgreSQL, whose planner otherwise turns the `EXISTS` into a semi-join that
/// hashes every visible client first (an `OFFSET` is the documented fence: a sublink with
/// one is not pulled up); SQLite runs a correlated `EXISTS` row by row in any case.
pub fn rows_visible_to<C: sea_orm::sea_query::IntoColumnRef>(
    p: &StaffPrincipal,
    client_col: C,
) -> Option<sea_orm::sea_query::SimpleExpr> {
    if p.can(Permission::AccessAllClients) {
        return None;
    }
    Some(Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(client::Entity)
            .and_where(Expr::col((client::Entity, client::Column::Id)).equals(client_col))
            .cond_where(visible_to(p))
            .limit(1)
            .offset(0)
            .to_owned(),
    ))
}

/// The document with `id` if `p` may see its client; otherwise `NotFound`.
pub async fn find_visible_document<C: ConnectionTrait>(
    db: &C,
    p: &StaffPrincipal,
    id: &str,
) -> Result<document::Model, ServerError> {
    let d = document::Entity::find_by_id(id.to_owned())
        .filter(document::Column::PracticeId.eq(p.practice_id()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    // A document is visible exactly when its client is.
    find_visible(db, p, &d.client_id).await?;
    Ok(d)
}

/// "First Last" of each of these clients of the practice, by id (for lists whose rows the
/// access rule has already chosen).
pub async fn client_names<C: ConnectionTrait>(
    db: &C,
    practice_id: &str,
    ids: impl IntoIterator<Item = String>,
) -> Result<std::collections::HashMap<String, String>, ServerError> {
    Ok(client::Entity::find()
        .select_only()
        .columns([client::Column::Id, client::Column::FirstName, client::Column::LastName])
        .filter(client::Column::PracticeId.eq(practice_id))
        .filter(client::Column::Id.is_in(ids))
        .into_tuple::<(String, String, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, first, last)| (id, format!("{first} {last}")))
        .collect())
}

/// The client with `id` if `p` may see it; otherwise `NotFound` (never `Forbidden`).
pub async fn find_visible<C: ConnectionTrait>(
    db: &C,
    p: &StaffPrincipal,
    id: &str,
) -> Result<client::Model, ServerError> {
    Ok(client::Entity::find_by_id(id.to_owned()).filter(visible_to(p)).one(db).await?.ok_or(AppError::NotFound)?)
}

/// Inserts a new client, owner only (used by staff and by public intake forms).
pub(crate) async fn insert_client<C: ConnectionTrait>(
    db: &C,
    practice_id: &str,
    owner_id: &str,
    input: ClientInput,
) -> Result<client::Model, ServerError> {
    let now = Utc::now();
    client::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        practice_id: Set(practice_id.to_owned()),
        owner_id: Set(owner_id.to_owned()),
        access_mode: Set(AccessMode::OwnerOnly.key().to_owned()),
        search_key: Set(client_search_key(&input)),
        first_name: Set(input.first_name.as_str().to_owned()),
        last_name: Set(input.last_name.as_str().to_owned()),
        date_of_birth: Set(input.date_of_birth.to_iso()),
        email: Set(input.email.map(|e| e.to_string())),
        mobile_e164: Set(input.mobile.map(|m| m.to_string())),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(ServerError::from)
}

pub(crate) fn client_search_key(c: &ClientInput) -> String {
    search_key(&[
        c.first_name.as_str(),
        c.last_name.as_str(),
        c.email.as_ref().map(|e| e.as_str()).unwrap_or(""),
        c.mobile.as_ref().map(|m| m.as_str()).unwrap_or(""),
    ])
}
