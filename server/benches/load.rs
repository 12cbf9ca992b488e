//! Load (issue: reliability, item 4), on SQLite and PostgreSQL, release build, against a
//! real server on loopback. Run with `bench/load.sh`.
//!
//! 1. Share creation to delivered email: shares are created through the real
//!    `create_shares` server function (20 recipients a request, 4 staff sessions in
//!    parallel) while the server's own mail worker sends to the SMTP server of
//!    `DOSSIER_TEST_SMTP_PORT` (maildev) or the file sink; measured from the first request
//!    to the last outbox row `sent`, and checked: every email sent once.
//! 2. The portal while staff sign-in is flooded with wrong passwords: 16 loops post
//!    wrong passwords (argon2id each, throttling raised so every one is hashed) while a
//!    recipient's portal page is fetched 400 times; p50/p99 of those fetches.
#[path = "../tests/api/common/mod.rs"]
mod common;

use common::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::platform::entities::outbox_email;
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn share_throughput(db: Db, n: usize) {
    let Some(app) = spawn_with(db, |c| c.workers.poll_ms = 20).await else { return };
    let (admin, client_id, doc) = letter_practice(&app, "Dear colleague").await;
    let domain = format!("@load-{}.test", uuid::Uuid::now_v7().simple());
    let batches: Vec<Vec<String>> = (0..n.div_ceil(20))
        .map(|b| (b * 20..n.min(b * 20 + 20)).map(|i| format!("r{i:05}{domain}")).collect())
        .collect();
    let start = Instant::now();
    let app_ref = &app;
    let admin_ref = &admin;
    let chunks: Vec<Vec<Vec<String>>> = (0..4).map(|w| batches.iter().skip(w).step_by(4).cloned().collect()).collect();
    futures::future::join_all(chunks.into_iter().map(|mine| {
        let (client_id, doc) = (client_id.clone(), doc.clone());
        async move {
            for emails in mine {
                share_by_link(app_ref, admin_ref, &client_id, &doc, &emails).await;
            }
        }
    }))
    .await;
    let created = start.elapsed();
    let db_ = &app.state().db;
    loop {
        let sent = outbox_email::Entity::find()
            .filter(outbox_email::Column::Status.eq("sent"))
            .filter(outbox_email::Column::ShareId.is_not_null())
            .count(db_)
            .await
            .unwrap() as usize;
        if sent >= n {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(600), "only {sent} of {n} sent after 10 minutes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = start.elapsed();
    println!(
        "| {db:?} | {n} | {:.1} s ({:.0}/s) | {:.1} s ({:.0}/s) |",
        created.as_secs_f64(),
        n as f64 / created.as_secs_f64(),
        delivered.as_secs_f64(),
        n as f64 / delivered.as_secs_f64()
    );
    app.stop().await;
}

async fn portal_under_flood(db: Db, samples: usize) {
    let Some(app) = spawn_with(db, |c| {
        c.security.login_max_failures = 1_000_000;
        c.security.network_max_failures = 1_000_000;
    })
    .await
    else {
        return;
    };
    let (admin, client_id, doc) = letter_practice(&app, "Dear colleague").await;
    let email = "reader@gp.test".to_owned();
    share_by_link(&app, &admin, &client_id, &doc, std::slice::from_ref(&email)).await;
    let mail = app.wait_for_mail(&email, "shared documents").await;
    let link = extract_link(&mail, &app.base, "/s/");
    let reader = new_client();
    reader.get(&link).send().await.unwrap();

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let floods: Vec<_> = (0..16)
        .map(|i| {
            let (url, origin, stop) = (app.url("/auth/login"), app.base.clone(), stop.clone());
            tokio::spawn(async move {
                let c = new_client();
                let mut n = 0usize;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = c
                        .post(&url)
                        .header("origin", &origin)
                        .form(&[("email", ADMIN_EMAIL), ("password", &format!("wrong {i} {n}"))])
                        .send()
                        .await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        let r = reader.get(app.url("/portal")).header("accept", "text/html").send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
        times.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut hashed = 0;
    for f in floods {
        hashed += f.await.unwrap();
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "| {db:?} | {samples} | {:.1} | {:.1} | {:.1} | {hashed} |",
        pct(0.5),
        pct(0.99),
        times.last().unwrap().as_secs_f64() * 1000.0
    );
    app.stop().await;
}

fn main() {
    let which = std::env::var("DOSSIER_BENCH_DB").unwrap_or_else(|_| "both".into());
    let n = env_usize("DOSSIER_BENCH_SHARES", 2000);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dbs: Vec<Db> = [(Db::Sqlite, "postgres"), (Db::Postgres, "sqlite")]
        .into_iter()
        .filter(|(_, skip)| which != *skip)
        .map(|(d, _)| d)
        .collect();
    rt.block_on(async {
        println!("\n### Share creation to delivered email\n");
        println!("| Database | Shares | All created | All delivered (SMTP accepted) |\n|---|---|---|---|");
        for &db in &dbs {
            share_throughput(db, n).await;
        }
        println!("\n### Portal page while sign-in is flooded with wrong passwords (ms)\n");
        println!(
            "| Database | Requests | p50 | p99 | max | wrong passwords hashed meanwhile |\n|---|---|---|---|---|---|"
        );
        for &db in &dbs {
            portal_under_flood(db, 400).await;
        }
    });
}
