//! Failure counters in the database, shared by every server instance (NIST 800-63B
//! §5.2.2: limit consecutive failures). A key is blocked once it has `max` failures inside
//! the current window; the window restarts when it has passed.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, OnConflict},
};

use crate::entities::throttle;

/// Minutes until the key may try again, if it is blocked now.
pub async fn blocked_for<C: ConnectionTrait>(
    db: &C,
    key: &str,
    max: u32,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<Option<u32>, DbErr> {
    let row = throttle::Entity::find_by_id(key.to_owned()).one(db).await?;
    Ok(row.and_then(|r| {
        let ends = r.window_start + window;
        if ends > now && r.failures as u32 >= max {
            Some(((ends - now).num_seconds() as f64 / 60.0).ceil().max(1.0) as u32)
        } else {
            None
        }
    }))
}

/// Counts one failure for `key`, atomically (two single statements, no read-modify-write).
pub async fn record_failure<C: ConnectionTrait>(
    db: &C,
    key: &str,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // A stale window starts over.
    throttle::Entity::update_many()
        .col_expr(throttle::Column::Failures, Expr::value(0))
        .col_expr(throttle::Column::WindowStart, Expr::value(now))
        .filter(throttle::Column::Key.eq(key))
        .filter(throttle::Column::WindowStart.lt(now - window))
        .exec(db)
        .await?;
    throttle::Entity::insert(throttle::ActiveModel {
        key: Set(key.to_owned()),
        window_start: Set(now),
        failures: Set(1),
    })
    .on_conflict(
        OnConflict::column(throttle::Column::Key)
            .value(throttle::Column::Failures, Expr::col((throttle::Entity, throttle::Column::Failures)).add(1))
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

pub async fn clear<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), DbErr> {
    throttle::Entity::delete_by_id(key.to_owned()).exec(db).await?;
    Ok(())
}

/// Throttle key for an account, by a hash of the normalised email (no raw addresses).
pub fn account_key(kind: &str, email: &str) -> String {
    format!("{kind}:acct:{}", &crate::crypto::token_hash(email)[..32])
}

pub fn network_key(kind: &str, network: &str) -> String {
    format!("{kind}:net:{network}")
}
