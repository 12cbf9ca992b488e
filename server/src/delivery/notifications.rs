//! In-app notifications for staff (the bell in the workspace): what happened to a share
//! they sent. Written by the portal (opened, locked) and the sweeper (expiring), read by
//! sharing's notification list.
use chrono::Utc;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use crate::platform::entities::{notification, notification::NotificationKind, share};

/// An in-app notification for the staff member who sent `sh`.
pub async fn notify_sender<C: ConnectionTrait>(db: &C, sh: &share::Model, kind: NotificationKind) -> Result<(), DbErr> {
    notification::Entity::insert(notification::ActiveModel {
        id: sea_orm::ActiveValue::Set(uuid::Uuid::now_v7().to_string()),
        practice_id: sea_orm::ActiveValue::Set(sh.practice_id.clone()),
        staff_id: sea_orm::ActiveValue::Set(sh.sender_id.clone()),
        kind: sea_orm::ActiveValue::Set(kind),
        share_id: sea_orm::ActiveValue::Set(Some(sh.id.clone())),
        created_at: sea_orm::ActiveValue::Set(Utc::now()),
        read_at: sea_orm::ActiveValue::Set(None),
    })
    .exec(db)
    .await?;
    Ok(())
}
