//! The audit CSV export of 100,000 events in bounded memory, on SQLite and then on
//! PostgreSQL. One test in its own binary (not a module of `tests/api`), the databases one
//! after the other, so that the process's resident memory measures this export and
//! nothing running beside it.
#[path = "api/common/mod.rs"]
mod common;

use common::*;
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder, TransactionTrait};
use server::platform::entities::{audit_event, practice};

const EVENTS: usize = 100_000;
/// About 1 KB a row, so the whole export (~100 MB) is far larger than the memory allowed.
const PADDING: usize = 900;

fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kb * 1024
}

/// Appends `EVENTS` filler events after the practice's newest (written directly, 1,000 per
/// statement: the export reads rows and does not check the chain).
async fn seed(app: &TestApp) {
    let db = &app.state().db;
    let practice = practice::Entity::find().one(db).await.unwrap().unwrap();
    let last = audit_event::Entity::find().order_by_desc(audit_event::Column::Seq).one(db).await.unwrap();
    let start = last.map(|e| e.seq).unwrap_or(0) + 1;
    let detail = format!("{{\"pad\":\"{}\"}}", "x".repeat(PADDING));
    let txn = db.begin().await.unwrap();
    for batch in 0..EVENTS / 1_000 {
        let rows = (0..1_000).map(|i| {
            let seq = start + (batch * 1_000 + i) as i64;
            audit_event::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                practice_id: Set(practice.id.clone()),
                seq: Set(seq),
                at: Set(chrono::Utc::now()),
                actor_kind: Set("system".into()),
                actor_id: Set(None),
                action: Set("test.bulk".into()),
                target: Set(None),
                client_network: Set(Some("192.0.2.1".into())),
                user_agent: Set(Some("bench".into())),
                detail: Set(detail.clone()),
                prev_hash: Set("0".repeat(64)),
                hash: Set(format!("{seq:064}")),
            }
        });
        audit_event::Entity::insert_many(rows).exec(&txn).await.unwrap();
    }
    txn.commit().await.unwrap();
}

async fn export_in_bounded_memory(app: TestApp, db: Db) {
    setup_practice(&app, "Bulk Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    seed(&app).await;

    let before = resident_bytes();
    let mut r = admin
        .client
        .get(app.url("/app/audit/export.csv?action=test.bulk"))
        .header("accept-encoding", "identity")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("content-length").is_none(), "streamed, not built in memory");
    let (mut total, mut lines, mut peak, mut largest_chunk) = (0usize, 0usize, before, 0usize);
    while let Some(chunk) = r.chunk().await.unwrap() {
        total += chunk.len();
        largest_chunk = largest_chunk.max(chunk.len());
        lines += chunk.iter().filter(|b| **b == b'\n').count();
        peak = peak.max(resident_bytes());
    }
    assert_eq!(lines, EVENTS + 1, "a header and every event");
    assert!(total > 90 * 1024 * 1024, "the export is about 100 MB ({total} bytes)");
    assert!(largest_chunk <= 2 * 1024 * 1024, "written a batch at a time (largest piece {largest_chunk} bytes)");
    let grew = peak.saturating_sub(before);
    eprintln!(
        "{db:?}: exported {EVENTS} events, {} MB, resident memory grew by {} MB at most",
        total / 1_048_576,
        grew / 1_048_576
    );
    assert!(grew < 40 * 1024 * 1024, "memory stays bounded: grew {grew} bytes while {total} bytes streamed");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_of_100000_events_in_bounded_memory() {
    if let Some(app) = spawn(Db::Sqlite).await {
        export_in_bounded_memory(app, Db::Sqlite).await;
    }
    if let Some(app) = spawn(Db::Postgres).await {
        export_in_bounded_memory(app, Db::Postgres).await;
    }
}
