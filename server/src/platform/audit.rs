//! Append-only, hash-chained audit log (per practice). Each row's `hash` is
//! SHA-256(prev_hash || canonical row content); `verify_chain` recomputes it and names the
//! first row that does not match. There is no update or delete path in the code, and the
//! database refuses them too (triggers in the migration).
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::platform::entities::audit_event;

/// Who did it.
#[derive(Debug, Clone)]
pub enum Actor {
    Staff(String),
    /// The recipient of a share (by share id), on the portal.
    Recipient(String),
    /// Someone not (yet) signed in, e.g. a failed sign-in for a known account.
    Anonymous,
    System,
}

impl Actor {
    fn parts(&self) -> (&'static str, Option<String>) {
        match self {
            Actor::Staff(id) => ("staff", Some(id.clone())),
            Actor::Recipient(share_id) => ("recipient", Some(share_id.clone())),
            Actor::Anonymous => ("anonymous", None),
            Actor::System => ("system", None),
        }
    }
}

/// Where from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub network: Option<String>,
    pub user_agent: Option<String>,
}

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[allow(clippy::too_many_arguments)]
fn content_hash(
    prev: &str,
    practice_id: &str,
    seq: i64,
    at: &DateTime<Utc>,
    actor_kind: &str,
    actor_id: Option<&str>,
    action: &str,
    target: Option<&str>,
    network: Option<&str>,
    ua: Option<&str>,
    detail: &str,
) -> String {
    let canonical = serde_json::json!([
        prev,
        practice_id,
        seq,
        at.to_rfc3339_opts(SecondsFormat::Micros, true),
        actor_kind,
        actor_id,
        action,
        target,
        network,
        ua,
        detail
    ]);
    crate::platform::crypto::hex(&Sha256::digest(canonical.to_string().as_bytes()))
}

/// Appends one event inside the caller's transaction (or a transaction of its own when
/// given a plain connection). `detail` must never contain secrets or document text.
///
/// Appends are serialised per practice: the sequence number and the previous hash are
/// read under a lock that is held until the enclosing transaction ends (PostgreSQL: an
/// advisory lock on the practice; SQLite: the write lock), so concurrent events all
/// land, in commit order, with the chain intact.
pub async fn append<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    practice_id: &str,
    actor: &Actor,
    action: &str,
    target: Option<&str>,
    origin: &Origin,
    detail: serde_json::Value,
) -> Result<(), DbErr> {
    // A savepoint inside the caller's transaction, or a transaction of its own.
    let txn = crate::platform::db::begin_write(db).await?;
    crate::platform::db::lock_key(&txn, &format!("audit:{practice_id}")).await?;
    let last = audit_event::Entity::find()
        .filter(audit_event::Column::PracticeId.eq(practice_id))
        .order_by_desc(audit_event::Column::Seq)
        .one(&txn)
        .await?;
    let (seq, prev) = match last {
        Some(r) => (r.seq + 1, r.hash),
        None => (1, GENESIS.to_owned()),
    };
    // Microsecond precision so the hash survives a round trip through either database.
    let at = DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).expect("valid now");
    let (kind, actor_id) = actor.parts();
    let detail = detail.to_string();
    let hash = content_hash(
        &prev,
        practice_id,
        seq,
        &at,
        kind,
        actor_id.as_deref(),
        action,
        target,
        origin.network.as_deref(),
        origin.user_agent.as_deref(),
        &detail,
    );
    audit_event::Entity::insert(audit_event::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        practice_id: Set(practice_id.to_owned()),
        seq: Set(seq),
        at: Set(at),
        actor_kind: Set(kind.to_owned()),
        actor_id: Set(actor_id),
        action: Set(action.to_owned()),
        target: Set(target.map(str::to_owned)),
        client_network: Set(origin.network.clone()),
        user_agent: Set(origin.user_agent.clone()),
        detail: Set(detail),
        prev_hash: Set(prev),
        hash: Set(hash),
    })
    .exec(&txn)
    .await?;
    txn.commit().await
}

/// Recomputes the chain of one practice. `Ok(n)` = all n rows intact; `Err(seq)` = the
/// first row whose link or content does not match.
pub async fn verify_chain<C: ConnectionTrait>(db: &C, practice_id: &str) -> Result<Result<u64, i64>, DbErr> {
    let rows = audit_event::Entity::find()
        .filter(audit_event::Column::PracticeId.eq(practice_id))
        .order_by_asc(audit_event::Column::Seq)
        .all(db)
        .await?;
    let mut prev = GENESIS.to_owned();
    for (expected_seq, r) in (1..).zip(rows.iter()) {
        let h = content_hash(
            &r.prev_hash,
            &r.practice_id,
            r.seq,
            &r.at,
            &r.actor_kind,
            r.actor_id.as_deref(),
            &r.action,
            r.target.as_deref(),
            r.client_network.as_deref(),
            r.user_agent.as_deref(),
            &r.detail,
        );
        if r.seq != expected_seq || r.prev_hash != prev || h != r.hash {
            return Ok(Err(r.seq));
        }
        prev = r.hash.clone();
    }
    Ok(Ok(rows.len() as u64))
}

/// Appends an event done by the signed-in staff member `p` (the common case).
pub async fn by_staff<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    p: &app::ports::StaffPrincipal,
    action: &str,
    target: Option<&str>,
    origin: &Origin,
    detail: serde_json::Value,
) -> Result<(), crate::platform::error::ServerError> {
    Ok(append(db, p.practice_id(), &Actor::Staff(p.staff_id().to_owned()), action, target, origin, detail).await?)
}
