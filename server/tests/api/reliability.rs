//! Reliability, black-box, on both databases.
//!
//! Nothing lost, nothing sent twice across a crash: 1,000 shares are created (each queues
//! its email in the share's transaction), the real `dossier` binary is started on that
//! database and killed with SIGKILL while its outbox drains, then started again. Every
//! share's email must arrive (at the real SMTP server of the test command, maildev, or the
//! file sink when run alone), none more than once except the messages that were in flight
//! at the kill, and every share's status must match. Then the same for 1,000 texts through
//! the Twilio-compatible stand-in.
//!
//! Backups that restore: a backup taken while the server runs is restored into a fresh
//! installation with the same master key; the audit chain verifies and a share made
//! before the backup still opens and reads.

use crate::common::{twilio::*, *};
use app::api::records::ListClients;
use app::api::sharing::ListClientShares;
use app::domain::sharing::{DeliveryIssue, ShareStatus};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;
use server::platform::entities::{OutboxStatus, outbox_email, outbox_sms, share};
use std::{collections::BTreeMap, process::Child, time::Duration};

const SHARES: usize = 1000;
const TEXTS: usize = 1000;

/// The real binary, serving the test app's database and data folder, with workers on.
fn start_binary(cfg: &server::config::Config, extra: &[(&str, String)]) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"));
    cmd.arg("serve")
        .current_dir(&cfg.data.dir)
        .env("DOSSIER_CONFIG", cfg.data.dir.join("none.toml"))
        .env("DATABASE_URL", cfg.database_url())
        .env("DOSSIER__DATA__DIR", &cfg.data.dir)
        .env("DOSSIER__SITE__ROOT", &cfg.site.root)
        .env("DOSSIER__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("DOSSIER__SERVER__PUBLIC_URL", &cfg.server.public_url)
        .env("DOSSIER__SECURITY__INSECURE_DEV_COOKIES", "true")
        .env("DOSSIER__WORKERS__POLL_MS", "20")
        .env("DOSSIER__WORKERS__LEASE_SECS", "3")
        .env("DOSSIER__MAIL__FILE_DIR", cfg.mail_dir())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null());
    if let Ok(port) = std::env::var("DOSSIER_TEST_SMTP_PORT") {
        cmd.env("DOSSIER__MAIL__TRANSPORT", "smtp")
            .env("DOSSIER__MAIL__SMTP_HOST", "127.0.0.1")
            .env("DOSSIER__MAIL__SMTP_PORT", port)
            .env("DOSSIER__MAIL__SMTP_TLS", "none");
    } else {
        cmd.env("DOSSIER__MAIL__TRANSPORT", "file");
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    (cmd.spawn().expect("dossier starts"), format!("http://127.0.0.1:{port}"))
}

async fn wait_healthy(base: &str) {
    for _ in 0..300 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status() == StatusCode::OK) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("dossier did not start at {base}");
}

/// SIGTERM, then waits for a clean exit.
fn terminate(mut child: Child) {
    let pid = child.id().to_string();
    std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    for _ in 0..300 {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "a clean exit after SIGTERM: {status}");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().ok();
    panic!("dossier did not stop within 15 s of SIGTERM");
}

/// How many messages each address of `domain` received (maildev, or the .eml files).
async fn received(app: &TestApp, domain: &str) -> BTreeMap<String, usize> {
    let mut per = BTreeMap::new();
    if let Ok(web) = std::env::var("DOSSIER_TEST_MAILDEV_URL") {
        let list: Vec<Value> = reqwest::get(format!("{web}/api/email")).await.unwrap().json().await.unwrap();
        for m in &list {
            for t in m["to"].as_array().into_iter().flatten() {
                if let Some(a) = t["address"].as_str().filter(|a| a.ends_with(domain)) {
                    *per.entry(a.to_owned()).or_default() += 1;
                }
            }
        }
        return per;
    }
    for e in std::fs::read_dir(&app.mail_dir).unwrap() {
        let raw = std::fs::read_to_string(e.unwrap().path()).unwrap();
        if let Some(a) = raw
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .and_then(|to| to.split(['<', '>', ' ']).find(|p| p.ends_with(domain)).map(str::to_owned))
        {
            *per.entry(a).or_default() += 1;
        }
    }
    per
}

/// Polls until `done` holds (or panics after `secs`).
async fn wait_for<F, Fut>(secs: u64, what: &str, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..secs * 20 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// A practice on `app` with `n` link-only shares queued to addresses of a fresh domain
/// (which it returns).
async fn queue_shares(app: &TestApp, n: usize) -> String {
    let (admin, client_id, doc) = letter_practice(app, "Dear colleague").await;
    let domain = format!("@crash-{}.test", uuid::Uuid::now_v7().simple());
    for batch in 0..n.div_ceil(20) {
        let emails: Vec<String> = (batch * 20..n.min(batch * 20 + 20)).map(|i| format!("r{i:04}{domain}")).collect();
        share_by_link(app, &admin, &client_id, &doc, &emails).await;
    }
    let queued = outbox_email::Entity::find()
        .filter(outbox_email::Column::Status.eq(OutboxStatus::Queued))
        .count(&app.state().db)
        .await
        .unwrap();
    assert_eq!(queued as usize, n, "every share queued its email in its own transaction");
    domain
}

async fn crash_and_restart(db: Db) {
    // The shares are made by an in-process server whose workers are off, so nothing is
    // sent before the binary takes over.
    let Some(mut app) = spawn_with(db, |c| c.workers.enabled = false).await else { return };
    let domain = queue_shares(&app, SHARES).await;
    let cfg = (*app.state().cfg).clone();
    let keys = app.state().keys.clone();
    app.running.take().unwrap().stop().await;
    // The harness's own connection, to watch while the binary runs.
    let db_conn = sea_orm::Database::connect(cfg.database_url()).await.unwrap();
    let sent = |db: sea_orm::DatabaseConnection| async move {
        outbox_email::Entity::find()
            .filter(outbox_email::Column::Status.eq(OutboxStatus::Sent))
            .count(&db)
            .await
            .unwrap()
    };

    // Start, let it drain a part, kill it without warning.
    let (child, base) = start_binary(&cfg, &[]);
    wait_healthy(&base).await;
    wait_for(120, "the first emails", || {
        let db = db_conn.clone();
        async move { sent(db).await >= 150 }
    })
    .await;
    let mut child = child;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let in_flight = outbox_email::Entity::find()
        .filter(outbox_email::Column::Status.eq(OutboxStatus::Sending))
        .count(&db_conn)
        .await
        .unwrap();
    let sent_at_kill = sent(db_conn.clone()).await;

    // Start again: the rest goes out; what the dead process held is taken after its lease.
    let (child, base) = start_binary(&cfg, &[]);
    wait_healthy(&base).await;
    wait_for(300, "every email sent", || {
        let db = db_conn.clone();
        async move { sent(db).await as usize == SHARES }
    })
    .await;
    terminate(child);
    let got = received(&app, &domain).await;
    let total: usize = got.values().sum();
    let duplicates = total - got.len();
    println!(
        "crash test ({db:?}): {SHARES} shares, killed after {sent_at_kill} sent with {in_flight} in flight; \
         {} addresses received {total} emails ({duplicates} duplicates)",
        got.len()
    );
    assert_eq!(got.len(), SHARES, "every share's email arrived");
    assert!(duplicates as u64 <= in_flight, "at most the in-flight messages twice: {duplicates} > {in_flight}");
    let not_sent = share::Entity::find().filter(share::Column::Status.ne("sent")).count(&db_conn).await.unwrap();
    assert_eq!(not_sent, 0, "every share's status says sent, as the SMTP server saw");

    // Texts: 1,000 queued, the same kill and restart, through the Twilio stand-in.
    let (rec, url) = start_recorder().await;
    let pid = server::platform::entities::practice::Entity::find().one(&db_conn).await.unwrap().unwrap().id;
    for i in 0..TEXTS {
        let msg = server::delivery::sms::OutgoingSms {
            channel: server::delivery::sms::Channel::Sms,
            to: format!("+4474009{i:05}"),
            text: format!("text {i}"),
        };
        server::delivery::sms::enqueue(&db_conn, &keys, &pid, None, "crash-test", &msg).await.unwrap();
    }
    let twilio = [
        ("DOSSIER__SMS__PROVIDER", "twilio".to_owned()),
        ("DOSSIER__SMS__TWILIO_BASE_URL", url),
        ("DOSSIER__SMS__ACCOUNT_SID", "AC0123".to_owned()),
        ("DOSSIER__SMS__AUTH_TOKEN", "tok-secret".to_owned()),
        ("DOSSIER__SMS__FROM", "+15005550006".to_owned()),
    ];
    let texts_sent = |db: sea_orm::DatabaseConnection| async move {
        outbox_sms::Entity::find().filter(outbox_sms::Column::Status.eq(OutboxStatus::Sent)).count(&db).await.unwrap()
    };
    let (mut child, base) = start_binary(&cfg, &twilio);
    wait_healthy(&base).await;
    wait_for(120, "the first texts", || {
        let db = db_conn.clone();
        async move { texts_sent(db).await >= 150 }
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let texts_in_flight = outbox_sms::Entity::find()
        .filter(outbox_sms::Column::Status.eq(OutboxStatus::Sending))
        .count(&db_conn)
        .await
        .unwrap();
    let (child, base) = start_binary(&cfg, &twilio);
    wait_healthy(&base).await;
    wait_for(300, "every text sent", || {
        let db = db_conn.clone();
        async move { texts_sent(db).await as usize == TEXTS }
    })
    .await;
    terminate(child);
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for r in rec.seen() {
        *per.entry(r.form.get("To").cloned().unwrap_or_default()).or_default() += 1;
    }
    let total: usize = per.values().sum();
    let duplicates = total - per.len();
    println!(
        "crash test ({db:?}): {TEXTS} texts, {texts_in_flight} in flight at the kill; {} numbers received {total} \
         texts ({duplicates} duplicates)",
        per.len()
    );
    assert_eq!(per.len(), TEXTS, "every text reached the provider");
    assert!(duplicates as u64 <= texts_in_flight, "{duplicates} > {texts_in_flight}");
    db_conn.close().await.ok();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_lost_or_sent_twice_across_a_kill_sqlite() {
    crash_and_restart(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_lost_or_sent_twice_across_a_kill_postgres() {
    crash_and_restart(Db::Postgres).await;
}

/// Shares a letter by link only; returns the link.
async fn share_letter(app: &TestApp, email: &str) -> String {
    let (admin, client_id, doc) = letter_practice(app, "BACKED-UP-LETTER-TEXT").await;
    share_by_link(app, &admin, &client_id, &doc, &[email.to_owned()]).await;
    let mail = app.wait_for_mail(email, "shared documents").await;
    extract_link(&mail, &app.base, "/s/")
}

/// A new, empty PostgreSQL database: (name, URL).
async fn empty_pg_database() -> (String, String) {
    use sea_orm::ConnectionTrait;
    let name = format!("dossier_restore_{}", uuid::Uuid::now_v7().simple());
    let admin = sea_orm::Database::connect(pg_admin_url()).await.unwrap();
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    admin.close().await.ok();
    let mut u = url::Url::parse(&pg_admin_url()).unwrap();
    u.set_path(&format!("/{name}"));
    (name, u.to_string())
}

async fn backup_restores_into_a_working_practice(db: Db) {
    let Some(app) = spawn(db).await else { return };
    let email = format!("gail-{}@gp.test", uuid::Uuid::now_v7().simple());
    let link = share_letter(&app, &email).await;
    let cfg = (*app.state().cfg).clone();
    let key = std::fs::read_to_string(cfg.data.dir.join("master.key")).expect("the development master key");
    // Taken while the server runs and its workers poll.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dossier.backup");
    server::backup::backup(&cfg, &file).await.unwrap();
    assert!(server::backup::backup(&cfg, &file).await.unwrap_err().contains("exists already"), "never overwrites");
    let events = server::platform::entities::audit_event::Entity::find().count(&app.state().db).await.unwrap();

    // A fresh installation: a new data folder (or a new database) and the same master key.
    let (pg_name, url) = match db {
        Db::Sqlite => (None, format!("sqlite://{}?mode=rwc", dir.path().join("restored/dossier.db").display())),
        Db::Postgres => {
            let (n, u) = empty_pg_database().await;
            (Some(n), u)
        }
    };
    let mut target = cfg.clone();
    target.database.url = Some(server::config::Secret::new(url.clone()));
    target.security.master_key = Some(server::config::Secret::new(key.trim().to_owned()));
    let restored = server::backup::restore(&target, &file).await.unwrap();
    assert_eq!(restored.practices.len(), 1);
    assert!(restored.practices[0].1 >= events, "the chain verifies with every event: {restored:?}");
    assert!(server::backup::restore(&target, &file).await.is_err(), "never restores over a database");
    app.stop().await;

    let key = key.trim().to_owned();
    let fresh = spawn_with(Db::Sqlite, move |c| {
        c.database.url = Some(server::config::Secret::new(url));
        c.security.master_key = Some(server::config::Secret::new(key));
    })
    .await
    .unwrap();
    // The recipient's link from before the backup opens and reads on the restored server.
    let token = link.rsplit('/').next().unwrap();
    let c = new_client();
    let r = c.get(fresh.url(&format!("/s/{token}"))).send().await.unwrap();
    assert_eq!(location(&r), "/portal");
    let r = fresh.form(&c, "/portal/verify", &[]).await;
    assert_eq!(location(&r), "/portal", "link only verifies");
    let html = fresh.get(&c, "/portal").await.text().await.unwrap();
    let doc = html.split("/portal/d/").nth(1).and_then(|r| r.split('"').next()).expect("a document link").to_owned();
    let page = fresh.get(&c, &format!("/portal/d/{doc}")).await.text().await.unwrap();
    assert!(page.contains("BACKED-UP-LETTER-TEXT"), "the document opens with the same master key");
    fresh.stop().await;
    if let Some(name) = pg_name {
        use sea_orm::ConnectionTrait;
        let admin = sea_orm::Database::connect(pg_admin_url()).await.unwrap();
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_restores_into_a_working_practice_sqlite() {
    backup_restores_into_a_working_practice(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_restores_into_a_working_practice_postgres() {
    if postgres_available().await {
        backup_restores_into_a_working_practice(Db::Postgres).await;
    }
}

/// A rolling restart of two instances on one database: each is stopped with SIGTERM
/// (graceful: the current send finishes) and replaced while the outbox drains. Nothing
/// may be lost, and, unlike a kill, nothing may be sent twice.
async fn rolling_restart(db: Db) {
    const N: usize = 600;
    let Some(mut app) = spawn_with(db, |c| c.workers.enabled = false).await else { return };
    let domain = queue_shares(&app, N).await;
    let cfg = (*app.state().cfg).clone();
    app.running.take().unwrap().stop().await;
    let db_conn = sea_orm::Database::connect(cfg.database_url()).await.unwrap();
    let sent = |db: sea_orm::DatabaseConnection| async move {
        outbox_email::Entity::find()
            .filter(outbox_email::Column::Status.eq(OutboxStatus::Sent))
            .count(&db)
            .await
            .unwrap()
    };
    let until = |n: u64| {
        let db = db_conn.clone();
        wait_for(300, "emails sent", move || {
            let db = db.clone();
            async move { sent(db).await >= n }
        })
    };
    let (a, base_a) = start_binary(&cfg, &[]);
    let (b, base_b) = start_binary(&cfg, &[]);
    wait_healthy(&base_a).await;
    wait_healthy(&base_b).await;
    until(100).await;
    terminate(a);
    let (a2, base) = start_binary(&cfg, &[]);
    wait_healthy(&base).await;
    until(300).await;
    terminate(b);
    let (b2, base) = start_binary(&cfg, &[]);
    wait_healthy(&base).await;
    until(N as u64).await;
    terminate(a2);
    terminate(b2);
    let got = received(&app, &domain).await;
    let total: usize = got.values().sum();
    println!("rolling restart ({db:?}): {N} shares, {} addresses received {total} emails", got.len());
    assert_eq!(got.len(), N, "every email arrived");
    assert_eq!(total, N, "none twice: a graceful stop finishes its send and hands nothing over");
    let not_sent = share::Entity::find().filter(share::Column::Status.ne("sent")).count(&db_conn).await.unwrap();
    assert_eq!(not_sent, 0);
    db_conn.close().await.ok();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_loses_and_repeats_nothing_sqlite() {
    rolling_restart(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_loses_and_repeats_nothing_postgres() {
    rolling_restart(Db::Postgres).await;
}

/// A TCP proxy in front of PostgreSQL that can be cut: while down it closes every open
/// connection and refuses new ones, as a database restart or a network fault would.
struct Cuttable {
    port: u16,
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Cuttable {
    async fn start(target: String) -> Cuttable {
        use std::sync::{Arc, Mutex, atomic::AtomicBool};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let (d, o) = (down.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if d.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // dropped: the connection is refused
                }
                let target = target.clone();
                o.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        });
        Cuttable { port, down, open }
    }

    fn cut(&self) {
        self.down.store(true, std::sync::atomic::Ordering::SeqCst);
        for t in self.open.lock().unwrap().drain(..) {
            t.abort();
        }
    }

    fn restore(&self) {
        self.down.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The clients list's first page, unfiltered: what a member of staff asks for most.
fn first_page() -> ListClients {
    ListClients { query: String::new(), archived: false, page: 0 }
}

/// PostgreSQL goes away under load (every connection cut, new ones refused for four
/// seconds), then comes back: requests meanwhile answer 503 "try again" promptly (never a
/// hang, never a 500), the server reconnects by itself, and nothing committed is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_and_the_server_reconnects() {
    if !postgres_available().await {
        return;
    }
    let pg = url::Url::parse(&pg_admin_url()).unwrap();
    let target = format!("{}:{}", pg.host_str().unwrap(), pg.port().unwrap_or(5432));
    let proxy = Cuttable::start(target).await;
    let port = proxy.port;
    let app = spawn_with(Db::Postgres, move |c| {
        let mut u = url::Url::parse(c.database.url.as_ref().unwrap().expose()).unwrap();
        u.set_host(Some("127.0.0.1")).unwrap();
        u.set_port(Some(port)).unwrap();
        c.database.url = Some(server::config::Secret::new(u.to_string()));
        c.database.acquire_timeout_secs = 2;
    })
    .await
    .unwrap();
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    create_client(&app, &admin, "Before", "Outage").await;

    // Staff keep working: a list request every 50 ms, each answer timed.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (c, url, origin, stop) = (admin.client.clone(), app.url(ListClients::PATH), app.base.clone(), stop.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let t = std::time::Instant::now();
                // The status alone (0 when the request itself fails), from a task of its own.
                let r = c.post(&url).header("origin", &origin).json(&first_page()).send().await;
                seen.push((r.map(|r| r.status().as_u16()).unwrap_or(0), t.elapsed(), std::time::Instant::now()));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    proxy.cut();
    let cut_at = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap().status();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    proxy.restore();
    let restored_at = std::time::Instant::now();
    // Back by itself: the first success after the restore.
    wait_for(20, "a success after the database came back", || {
        let (c, url) = (admin.client.clone(), app.url(ListClients::PATH));
        let origin = app.base.clone();
        async move {
            c.post(&url).header("origin", &origin).json(&first_page()).send().await.is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
    let back_after = restored_at.elapsed();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = load.await.unwrap();
    let during: Vec<_> =
        seen.iter().filter(|(_, _, at)| *at > cut_at + Duration::from_millis(300) && *at < restored_at).collect();
    let slowest = seen.iter().map(|(_, d, _)| *d).max().unwrap();
    println!(
        "database outage: {} requests, {} during the outage ({} answered 503), slowest answer {:?}, healthz {health}, \
         back {:?} after the database returned",
        seen.len(),
        during.len(),
        during.iter().filter(|(s, _, _)| *s == 503).count(),
        slowest,
        back_after
    );
    assert_eq!(health, StatusCode::SERVICE_UNAVAILABLE, "health says the database is gone");
    assert!(!during.is_empty() && during.iter().all(|(s, _, _)| *s == 503), "503 while it is gone: {during:?}");
    assert!(seen.iter().all(|(s, _, _)| *s == 200 || *s == 503), "only successes and 503s, never a 500");
    assert!(slowest < Duration::from_secs(5), "no request hangs: slowest {slowest:?}");
    assert_eq!(visible_clients(&app, &admin, "").await, vec!["Before Outage".to_owned()], "nothing committed lost");
    app.stop().await;
}

/// The mail server goes away (every connection to it cut) while shares are made: each
/// share stays queued, its email is retried with backoff, and the sender's Shared list
/// says "delivery delayed" with the tries so far and the next try. When the server
/// returns, every email is delivered exactly once and every share says sent.
async fn smtp_outage(db: Db) {
    let Ok(smtp) = std::env::var("DOSSIER_TEST_SMTP_PORT") else {
        eprintln!("smtp_outage: needs the real SMTP server of scripts/test.sh (DOSSIER_TEST_SMTP_PORT); skipped");
        return;
    };
    let proxy = Cuttable::start(format!("127.0.0.1:{smtp}")).await;
    proxy.cut();
    let port = proxy.port;
    let Some(app) = spawn_with(db, move |c| {
        c.mail.smtp_port = port;
        c.workers.poll_ms = 50;
    })
    .await
    else {
        return;
    };
    let (admin, client_id, doc) = letter_practice(&app, "Dear colleague").await;
    let domain = format!("@outage-{}.test", uuid::Uuid::now_v7().simple());
    let emails: Vec<String> = (0..12).map(|i| format!("r{i:02}{domain}")).collect();
    share_by_link(&app, &admin, &client_id, &doc, &emails).await;
    // Every email has been tried and put back for later.
    let db_ = app.state().db.clone();
    wait_for(30, "every email tried once while SMTP is down", || {
        let db_ = db_.clone();
        async move {
            let rows = outbox_email::Entity::find()
                .filter(outbox_email::Column::ShareId.is_not_null())
                .all(&db_)
                .await
                .unwrap();
            rows.len() == 12
                && rows.iter().all(|r| r.status == OutboxStatus::Queued && r.attempts >= 1 && r.last_error.is_some())
        }
    })
    .await;
    let shares = || ListClientShares { client_id: client_id.clone(), status: None };
    let rows = app.run(&admin.client, shares()).await.unwrap();
    assert_eq!(rows.len(), 12);
    for r in &rows {
        assert_eq!(r.status, ShareStatus::Queued, "{r:?}");
        let Some(DeliveryIssue::Delayed { tries, next_try_at }) = &r.delivery_issue else {
            panic!("the sender sees the delay: {r:?}")
        };
        assert!(*tries >= 1, "the sender sees the delay: {r:?}");
        assert!(!next_try_at.is_empty(), "{r:?}");
    }
    assert!(received(&app, &domain).await.is_empty(), "nothing reached the mail server while it was down");

    proxy.restore();
    let db_ = app.state().db.clone();
    wait_for(90, "every share sent after SMTP returned", || {
        let db_ = db_.clone();
        async move {
            share::Entity::find()
                .filter(share::Column::Status.eq(app::domain::sharing::ShareStatus::Sent.key()))
                .count(&db_)
                .await
                .unwrap()
                == 12
        }
    })
    .await;
    let got = received(&app, &domain).await;
    assert_eq!(got.len(), 12, "every recipient got the email: {got:?}");
    assert!(got.values().all(|n| *n == 1), "and only once: {got:?}");
    let list = app.run(&admin.client, shares()).await.unwrap();
    assert!(list.iter().all(|r| r.status == ShareStatus::Sent && r.delivery_issue.is_none()), "{list:?}");
    let tries: Vec<i32> =
        outbox_email::Entity::find().all(&app.state().db).await.unwrap().into_iter().map(|r| r.attempts).collect();
    println!("smtp outage: 12 emails delivered once each after {:?} tries", tries);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_outage_delays_then_delivers_everything_once_sqlite() {
    smtp_outage(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_outage_delays_then_delivers_everything_once_postgres() {
    smtp_outage(Db::Postgres).await;
}
