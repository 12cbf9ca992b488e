//! Failure counters in the database, shared by every server instance (NIST 800-63B
//! §5.2.2: limit consecutive failures). A key is blocked once it has `max` failures inside
//! the current window; the window restarts when it has passed.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, OnConflict},
};

use crate::platform::entities::throttle;

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

/// Spends one attempt of `key` if fewer than `max` were spent in the current window, in
/// one atomic statement (an upsert whose update is conditional, with `RETURNING`), so N
/// parallel requests can never spend more than `max` (SECURITY.md: access-count races).
/// Call it before the expensive work (argon2, a text message); `Err(minutes)` says how
/// long until the key may try again. A stale window starts over at this attempt.
pub async fn spend<C: ConnectionTrait>(
    db: &C,
    key: &str,
    max: u32,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<Result<u32, u32>, DbErr> {
    use sea_orm::sea_query::{Alias, CaseStatement, Query};
    let stale = now - window;
    let t = || Expr::col((throttle::Entity, throttle::Column::WindowStart));
    let failures = || Expr::col((throttle::Entity, throttle::Column::Failures));
    let stmt = Query::insert()
        .into_table(throttle::Entity)
        .columns([throttle::Column::Key, throttle::Column::WindowStart, throttle::Column::Failures])
        .values_panic([key.into(), now.into(), 1i32.into()])
        .on_conflict(
            OnConflict::column(throttle::Column::Key)
                .values([
                    (
                        throttle::Column::Failures,
                        CaseStatement::new().case(t().lt(stale), Expr::value(1i32)).finally(failures().add(1)).into(),
                    ),
                    (
                        throttle::Column::WindowStart,
                        CaseStatement::new().case(t().lt(stale), Expr::value(now)).finally(t()).into(),
                    ),
                ])
                .action_and_where(t().lt(stale).or(failures().lt(max as i32)))
                .to_owned(),
        )
        .returning(Query::returning().column(Alias::new("failures")))
        .to_owned();
    let row = db.query_one(db.get_database_backend().build(&stmt)).await?;
    match row {
        Some(r) => Ok(Ok(r.try_get::<i32>("", "failures")?.max(0) as u32)),
        None => Ok(Err(blocked_for(db, key, max, window, now).await?.unwrap_or(1))),
    }
}

/// Gives back an attempt spent by [`spend`] that turned out not to be a failure (a
/// success, or input that was not a guess). Never resets the counter: attempts that
/// parallel requests are still spending stay counted.
pub async fn refund<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), DbErr> {
    throttle::Entity::update_many()
        .col_expr(throttle::Column::Failures, Expr::col(throttle::Column::Failures).sub(1))
        .filter(throttle::Column::Key.eq(key))
        .filter(throttle::Column::Failures.gt(0))
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
    format!("{kind}:acct:{}", &crate::platform::crypto::token_hash(email)[..32])
}

pub fn network_key(kind: &str, network: &str) -> String {
    format!("{kind}:net:{network}")
}
