//! The practice's logo as pages link it: an address that carries the logo's content hash,
//! so browsers cache it for good (the upload and the route that serves it are sharing's
//! settings, `sharing::branding`; staff pages and the recipient portal both link it).
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::platform::{entities::practice_logo, error::ServerError};

/// The logo's address, if the practice has one.
pub async fn logo_href<C: ConnectionTrait>(db: &C, practice_id: &str) -> Result<Option<String>, ServerError> {
    Ok(practice_logo::Entity::find_by_id(practice_id.to_owned())
        .one(db)
        .await?
        .map(|l| format!("/brand/{}/logo?v={}", l.practice_id, l.hash)))
}
