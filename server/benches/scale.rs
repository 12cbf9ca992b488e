//! Lists and search at scale: seeds one practice with 100,000 clients, 100,000 contacts
//! and 1,000,000 documents, then 100,000 shares (sizes from DOSSIER_BENCH_* variables), then measures the real
//! server functions over HTTP, signed in as an admin (sees everyone) and as a practitioner
//! (the access rule applies), on SQLite and PostgreSQL. Run with `bench/records-scale.sh`.
//!
//! The numbers include HTTP on loopback, session checks and JSON; they are what a browser
//! waits for, minus the network.
#[path = "../tests/api/common/mod.rs"]
mod common;

use common::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::{Value, json};
use server::platform::entities::{
    client, client_access, contact, document, previous_recipient, share, share_document, staff,
};
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const FIRST: [&str; 40] = [
    "Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jade", "Kai", "Lena", "Milo", "Nora", "Omar",
    "Pia", "Quin", "Rosa", "Sami", "Tess", "Uma", "Vic", "Wren", "Xena", "Yusuf", "Zoe", "Aria", "Bo", "Cyrus", "Dana",
    "Ezra", "Flo", "Gil", "Hugo", "Iris", "Jonah", "Kira", "Leo", "Maya", "Nico",
];
const LAST: [&str; 50] = [
    "Adams",
    "Baker",
    "Clark",
    "Dawson",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Khan",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Silva",
    "Tanaka",
    "Usman",
    "Varga",
    "Weber",
    "Xu",
    "Young",
    "Zhang",
    "Abbott",
    "Brennan",
    "Costa",
    "Duarte",
    "Ekstrom",
    "Fontaine",
    "Grant",
    "Horvat",
    "Iqbal",
    "Jovanovic",
    "Kowalski",
    "Larsen",
    "Mendes",
    "Nakamura",
    "Olsen",
    "Petrov",
    "Quiroga",
    "Reyes",
    "Schmidt",
    "Torres",
    "Ueda",
    "Vogel",
    "Walsh",
    "Yilmaz",
];

async fn insert_batched<E, A>(db: &sea_orm::DatabaseConnection, rows: Vec<A>)
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
    E::Model: sea_orm::IntoActiveModel<A>,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(1000).collect();
        E::insert_many(batch).exec_without_returning(db).await.expect("insert batch");
    }
}

struct Seeded {
    admin: Staff,
    practitioner: Staff,
    practitioner_client: String,
    busy_client: String,
    practice_id: String,
    client_ids: Vec<String>,
    owners: Vec<String>,
}

/// `n` shares over the clients, newest a minute apart, sent by the owners in turn, in every
/// status (a tenth locked, failed or expiring unopened within a day: the attention view),
/// each with one document's title.
async fn seed_shares(app: &TestApp, s: &Seeded, n: usize) {
    let db = &app.state().db;
    let started = Instant::now();
    let now = chrono::Utc::now();
    let statuses = [
        "sent", "opened", "sent", "opened", "revoked", "sent", "opened", "queued", "sent", "locked", "failed", "opened",
    ];
    let mut shares = Vec::with_capacity(1000);
    let mut docs = Vec::with_capacity(1000);
    for i in 0..n {
        let id = uuid::Uuid::now_v7().to_string();
        let created = now - chrono::Duration::minutes(i as i64);
        let status = statuses[i % statuses.len()];
        // Every 25th unopened share expires within the day.
        let expires = if status == "sent" && i % 25 == 0 {
            now + chrono::Duration::hours(6)
        } else {
            created + chrono::Duration::days(7)
        };
        // As the sweeper leaves a practice: a live share past its expiry is expired, and
        // one expiring within the day has had its reminder (seeded otherwise, the sweeper
        // would spend the whole run expiring 40,000 shares and reminding, while the lists
        // are timed).
        let status =
            if ["queued", "sent", "opened", "locked"].contains(&status) && expires <= now { "expired" } else { status };
        let reminded = (status == "sent" && expires <= now + chrono::Duration::days(1)).then_some(now);
        shares.push(share::ActiveModel {
            id: Set(id.clone()),
            practice_id: Set(s.practice_id.clone()),
            client_id: Set(s.client_ids[(i * 7) % s.client_ids.len()].clone()),
            batch_id: Set(id.clone()),
            sender_id: Set(s.owners[i % s.owners.len()].clone()),
            recipient_kind: Set("other".into()),
            recipient_ref: Set(None),
            recipient_name: Set(format!("{} {}", FIRST[i % FIRST.len()], LAST[(i / 3) % LAST.len()])),
            recipient_email: Set(format!("r{i}@mail.example.net")),
            recipient_phone: Set(None),
            method: Set("passcode".into()),
            passcode_hash: Set(None),
            delivery: Set("link".into()),
            purpose: Set("continuity".into()),
            purpose_text: Set(String::new()),
            message: Set(None),
            psychotherapy_authorisation: Set(None),
            wrapped_key: Set(String::new()),
            key_id: Set(String::new()),
            token_hash: Set(format!("bench-{id}")),
            link_issued_at: Set(created),
            expires_at: Set(expires),
            status: Set(status.into()),
            failed_attempts: Set(if status == "locked" { 10 } else { 0 }),
            view_count: Set(i32::from(status == "opened")),
            created_at: Set(created),
            opened_at: Set((status == "opened").then_some(created)),
            last_viewed_at: Set((status == "opened").then_some(created)),
            revoked_at: Set((status == "revoked").then_some(created)),
            notify_on_open: Set(false),
            reminded_at: Set(reminded),
        });
        docs.push(share_document::ActiveModel {
            share_id: Set(id),
            document_id: Set(uuid::Uuid::now_v7().to_string()),
            practice_id: Set(s.practice_id.clone()),
            position: Set(0),
            kind: Set("letter".into()),
            title: Set(format!("Letter {i}")),
            doc_date: Set("2026-11-20".into()),
            snapshot: Set(String::new()),
        });
        if shares.len() == 1000 {
            share::Entity::insert_many(std::mem::take(&mut shares)).exec_without_returning(db).await.unwrap();
            share_document::Entity::insert_many(std::mem::take(&mut docs)).exec_without_returning(db).await.unwrap();
        }
    }
    if !shares.is_empty() {
        share::Entity::insert_many(shares).exec_without_returning(db).await.unwrap();
        share_document::Entity::insert_many(docs).exec_without_returning(db).await.unwrap();
    }
    db.execute_unprepared("ANALYZE").await.unwrap();
    eprintln!("  {n} shares in {:.1}s", started.elapsed().as_secs_f64());
}

/// The cursor of the last row of a page of a keyset list, walking `pages` pages in.
async fn deep_cursor(app: &TestApp, who: &Staff, name: &str, filter: Value, pages: usize) -> String {
    let mut after: Option<String> = None;
    for _ in 0..pages {
        let mut f = filter.clone();
        f["after"] = json!(after);
        let page = call(app, who, name, json!({ "filter": f })).await;
        let last = page["items"].as_array().and_then(|a| a.last()).expect("a full page").clone();
        after = Some(match last.get("cursor") {
            Some(c) => c.as_str().unwrap().to_owned(),
            None => format!("{}|{}", last["sent_at"].as_str().unwrap(), last["id"].as_str().unwrap()),
        });
    }
    after.unwrap()
}

async fn seed(app: &TestApp, clients: usize, contacts: usize, documents: usize) -> Seeded {
    setup_practice(app, "Scale Clinic").await;
    let admin = sign_in_first_time(app, ADMIN_EMAIL, PASSWORD).await;
    let practitioner = invite_and_enrol(app, &admin, "Pat Practitioner", "pat@clinic.test", "Practitioner").await;
    let db = &app.state().db;
    let people = staff::Entity::find().all(db).await.unwrap();
    let practice_id = people[0].practice_id.clone();
    let pat = people.iter().find(|s| s.email == "pat@clinic.test").unwrap().clone();
    // Eight more practitioners who own clients but never sign in here.
    let mut owners: Vec<String> = people.iter().map(|s| s.id.clone()).collect();
    let template = pat.clone();
    let extra: Vec<staff::ActiveModel> = (0..8)
        .map(|i| {
            let id = uuid::Uuid::now_v7().to_string();
            owners.push(id.clone());
            staff::ActiveModel {
                id: Set(id),
                practice_id: Set(practice_id.clone()),
                email: Set(format!("owner{i}@clinic.test")),
                display_name: Set(format!("Owner {i}")),
                role_id: Set(template.role_id.clone()),
                status: Set(server::platform::entities::staff::StaffStatus::Active),
                password_hash: Set(None),
                totp_secret: Set(None),
                totp_pending_secret: Set(None),
                totp_last_step: Set(0),
                created_at: Set(template.created_at),
                updated_at: Set(template.updated_at),
            }
        })
        .collect();
    insert_batched(db, extra).await;

    let started = Instant::now();
    let now = chrono::Utc::now();
    let mut client_ids = Vec::with_capacity(clients);
    let mut access = Vec::new();
    let mut rows = Vec::with_capacity(clients);
    for i in 0..clients {
        let id = uuid::Uuid::now_v7().to_string();
        let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
        let owner = owners[i % owners.len()].clone();
        let mode = match i % 20 {
            0..=2 => "all",
            3 => "selected",
            _ => "owner",
        };
        if mode == "selected" && i % 40 == 3 {
            access.push(client_access::ActiveModel {
                practice_id: Set(practice_id.clone()),
                client_id: Set(id.clone()),
                staff_id: Set(pat.id.clone()),
            });
        }
        let email = format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase(), i);
        let mobile = format!("+44740{:07}", i);
        rows.push(client::ActiveModel {
            id: Set(id.clone()),
            practice_id: Set(practice_id.clone()),
            owner_id: Set(owner),
            access_mode: Set(mode.into()),
            search_key: Set(app::domain::records::search_key(&[first, last, &email, &mobile])),
            first_name: Set(first.into()),
            last_name: Set(last.into()),
            date_of_birth: Set(format!("19{:02}-{:02}-{:02}", 40 + i % 60, 1 + i % 12, 1 + i % 28)),
            email: Set(Some(email)),
            mobile_e164: Set(Some(mobile)),
            archived_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
        client_ids.push(id);
    }
    insert_batched(db, rows).await;
    insert_batched(db, access).await;
    eprintln!("  {clients} clients in {:.1}s", started.elapsed().as_secs_f64());

    let started = Instant::now();
    let kinds = ["insurer", "specialist", "gp", "lawyer", "other"];
    let rows: Vec<contact::ActiveModel> = (0..contacts)
        .map(|i| {
            let (first, last) = (FIRST[(i * 7) % FIRST.len()], LAST[(i / 3) % LAST.len()]);
            let name = format!("{first} {last}");
            let org = format!("{} Health {}", LAST[(i * 13) % LAST.len()], i % 500);
            let email = format!("{}{}@{}.example.org", first.to_lowercase(), i, last.to_lowercase());
            contact::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                practice_id: Set(practice_id.clone()),
                search_key: Set(app::domain::records::search_key(&[&name, &org, &email])),
                name: Set(name),
                organisation: Set(Some(org)),
                kind: Set(kinds[i % kinds.len()].into()),
                email: Set(Some(email)),
                phone_e164: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    insert_batched(db, rows).await;
    eprintln!("  {contacts} contacts in {:.1}s", started.elapsed().as_secs_f64());

    // People shared with before by typing their address in: a fifth as many as contacts.
    let started = Instant::now();
    let previous = contacts / 5;
    let rows: Vec<previous_recipient::ActiveModel> = (0..previous)
        .map(|i| {
            let (first, last) = (FIRST[(i * 11) % FIRST.len()], LAST[(i / 7) % LAST.len()]);
            let name = format!("{first} {last}");
            let email = format!("{}.{}{}@mail.example.net", first.to_lowercase(), last.to_lowercase(), i);
            previous_recipient::ActiveModel {
                id: Set(uuid::Uuid::now_v7().to_string()),
                practice_id: Set(practice_id.clone()),
                search_key: Set(app::domain::records::search_key(&[&name, &email])),
                name: Set(name),
                email: Set(email),
                phone: Set(None),
                last_shared_at: Set(now - chrono::Duration::minutes(i as i64)),
            }
        })
        .collect();
    insert_batched(db, rows).await;
    eprintln!("  {previous} previous recipients in {:.1}s", started.elapsed().as_secs_f64());

    // Documents: real envelopes (a data key wrapped by the master key; bodies sealed).
    let started = Instant::now();
    let keys = &app.state().keys;
    let doc_kinds =
        ["intake_form", "consent_form", "client_note", "consultation_note", "letter", "invoice", "treatment_plan"];
    let author = owners[0].clone();
    let per_client = documents.div_ceil(clients.max(1));
    let mut made = 0;
    let mut batch = Vec::with_capacity(1000);
    'outer: for (ci, cid) in client_ids.iter().enumerate() {
        for j in 0..per_client {
            if made == documents {
                break 'outer;
            }
            let id = uuid::Uuid::now_v7().to_string();
            let dek = server::platform::crypto::new_data_key();
            let kind = doc_kinds[(ci + j) % doc_kinds.len()];
            batch.push(document::ActiveModel {
                id: Set(id.clone()),
                practice_id: Set(practice_id.clone()),
                client_id: Set(cid.clone()),
                kind: Set(kind.into()),
                title: Set(format!("{kind} {j}")),
                doc_date: Set(format!("2026-{:02}-{:02}", 1 + j % 12, 1 + (ci + j) % 28)),
                author_id: Set(author.clone()),
                is_psychotherapy: Set(false),
                key_id: Set(keys.key_id().to_owned()),
                wrapped_key: Set(keys.wrap_key(&dek, &format!("doc:{id}:dek"))),
                body: Set(server::platform::crypto::seal_with(
                    &dek,
                    br#"{"type":"Sections","sections":[{"title":"Notes","text":"Seeded for the scale benchmark.","internal":false}]}"#,
                    &format!("doc:{id}:body"),
                )),
                created_at: Set(now),
                updated_at: Set(now),
            });
            made += 1;
            if batch.len() == 1000 {
                document::Entity::insert_many(std::mem::take(&mut batch)).exec_without_returning(db).await.unwrap();
            }
        }
    }
    if !batch.is_empty() {
        document::Entity::insert_many(batch).exec_without_returning(db).await.unwrap();
    }
    eprintln!("  {made} documents in {:.1}s", started.elapsed().as_secs_f64());
    db.execute_unprepared("ANALYZE").await.unwrap();
    // A client Pat owns (owners take turns, so the index of Pat's first client is known).
    let pat_index = owners.iter().position(|o| *o == pat.id).unwrap();
    let practitioner_client = client_ids[pat_index].clone();
    let busy_client = client_ids[clients / 2].clone();
    Seeded { admin, practitioner, practitioner_client, busy_client, practice_id, client_ids, owners }
}

async fn call(app: &TestApp, who: &Staff, name: &str, args: Value) -> Value {
    let r =
        who.client.post(app.url(&format!("/api/{name}"))).header("origin", &app.base).json(&args).send().await.unwrap();
    assert!(r.status().is_success(), "{name} {args}: {}", r.status());
    r.json().await.unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn measure<F, Fut>(label: &str, runs: usize, mut f: F) -> String
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    for _ in 0..3 {
        f().await;
    }
    let mut times = Vec::with_capacity(runs);
    let mut items = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f().await;
        times.push(t.elapsed());
        items = v["items"].as_array().or(v.as_array()).map(Vec::len).unwrap_or(usize::from(!v.is_null()));
    }
    times.sort();
    format!(
        "| {label} | {items} | {:.1} | {:.1} | {:.1} |",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 1.0)
    )
}

async fn run(db: Db) {
    let clients = env_usize("DOSSIER_BENCH_CLIENTS", 100_000);
    let contacts = env_usize("DOSSIER_BENCH_CONTACTS", 100_000);
    let documents = env_usize("DOSSIER_BENCH_DOCUMENTS", 1_000_000);
    let runs = env_usize("DOSSIER_BENCH_RUNS", 50);
    let shares = env_usize("DOSSIER_BENCH_SHARES", 100_000);
    let Some(app) = spawn_with(db, |cfg| cfg.database.max_connections = 10).await else {
        eprintln!("{db:?}: database unavailable, skipped");
        return;
    };
    eprintln!("{db:?}: seeding {clients} clients, {contacts} contacts, {documents} documents");
    let s = seed(&app, clients, contacts, documents).await;
    let (a, p) = (&s.admin, &s.practitioner);
    let mut out = vec![
        format!("\n### {db:?}: {clients} clients, {contacts} contacts, {documents} documents ({runs} runs each, ms)\n"),
        "| Query | Rows | p50 | p95 | max |".to_owned(),
        "|---|---:|---:|---:|---:|".to_owned(),
    ];
    out.push(measure("Clients, first page (admin)", runs, || call(&app, a, "list_clients", json!({}))).await);
    out.push(measure("Clients, first page (practitioner)", runs, || call(&app, p, "list_clients", json!({}))).await);
    out.push(measure("Clients, page 20 (admin)", runs, || call(&app, a, "list_clients", json!({ "page": 20 }))).await);
    out.push(
        measure("Client search \"quinn\" (admin)", runs, || call(&app, a, "list_clients", json!({ "query": "quinn" })))
            .await,
    );
    out.push(
        measure("Client search \"quinn\" (practitioner)", runs, || {
            call(&app, p, "list_clients", json!({ "query": "quinn" }))
        })
        .await,
    );
    out.push(
        measure("Client search by email \"nora.quinn653\" (admin)", runs, || {
            call(&app, a, "list_clients", json!({ "query": "nora.quinn653" }))
        })
        .await,
    );
    out.push(
        measure("Client search, no match (admin)", runs, || call(&app, a, "list_clients", json!({ "query": "zzqx" })))
            .await,
    );
    out.push(
        measure("Client profile (practitioner)", runs, || {
            call(&app, p, "get_client", json!({ "id": s.practitioner_client }))
        })
        .await,
    );
    out.push(measure("Contacts, first page", runs, || call(&app, a, "list_contacts", json!({}))).await);
    out.push(
        measure("Contact search \"patel health\"", runs, || {
            call(&app, a, "list_contacts", json!({ "query": "patel health" }))
        })
        .await,
    );
    // The share wizard's recipient autocomplete (contacts and previous recipients).
    for (label, q) in [
        ("Recipient autocomplete \"ma\" (2 characters)", "ma"),
        ("Recipient autocomplete \"hugo\"", "hugo"),
        ("Recipient autocomplete \"patel health 4\"", "patel health 4"),
        ("Recipient autocomplete \"maya.walsh\" (previous recipient)", "maya.walsh"),
        ("Recipient autocomplete, no match", "zzqx"),
    ] {
        out.push(measure(label, runs, || call(&app, p, "search_recipients", json!({ "query": q }))).await);
    }
    out.push(
        measure("One client's documents", runs, || {
            call(&app, a, "list_documents", json!({ "client_id": s.busy_client, "kind": null }))
        })
        .await,
    );
    out.push(
        measure("Client's documents, kind + title filter", runs, || {
            call(&app, a, "list_documents", json!({ "client_id": s.busy_client, "kind": "Letter", "query": "letter" }))
        })
        .await,
    );
    out.push(
        measure("Client's documents (practitioner, own client)", runs, || {
            call(&app, p, "list_documents", json!({ "client_id": s.practitioner_client, "kind": null }))
        })
        .await,
    );
    // The practice-wide lists (the staff workspace): first pages, filters, search, and a
    // keyset page 20 pages deep, for an admin and for a practitioner (the access rule).
    for (label, who, filter) in [
        ("Documents, first page (admin)", a, json!({})),
        ("Documents, first page (practitioner)", p, json!({})),
        ("Documents, kind \"Letter\" (admin)", a, json!({ "kind": "Letter" })),
        ("Documents, dated in March (admin)", a, json!({ "from": "2026-03-01", "to": "2026-03-31" })),
        ("Documents, search \"quinn\" (admin)", a, json!({ "query": "quinn" })),
        ("Documents, search \"quinn\" (practitioner)", p, json!({ "query": "quinn" })),
        ("Documents, search \"letter 3\", a common title (admin)", a, json!({ "query": "letter 3" })),
        ("Documents, search \"2026-03-05\", a date (admin)", a, json!({ "query": "2026-03-05" })),
        ("Documents, search, no match (practitioner)", p, json!({ "query": "zzyzx" })),
    ] {
        out.push(
            measure(label, runs, || call(&app, who, "list_practice_documents", json!({ "filter": filter }))).await,
        );
    }
    for (label, who) in
        [("Documents, page 20 by keyset (admin)", a), ("Documents, page 20 by keyset (practitioner)", p)]
    {
        let after = deep_cursor(&app, who, "list_practice_documents", json!({}), 20).await;
        out.push(
            measure(label, runs, || {
                call(&app, who, "list_practice_documents", json!({ "filter": { "after": after } }))
            })
            .await,
        );
    }
    seed_shares(&app, &s, shares).await;
    for (label, who, filter) in [
        ("Shared, needs attention (admin)", a, json!({ "attention": true })),
        ("Shared, needs attention (practitioner)", p, json!({ "attention": true })),
        ("Shared, all, first page (admin)", a, json!({})),
        ("Shared, all, first page (practitioner)", p, json!({})),
        ("Shared, status \"Locked\" (admin)", a, json!({ "status": "Locked" })),
        ("Shared by me (admin)", a, json!({ "mine": true })),
    ] {
        out.push(measure(label, runs, || call(&app, who, "list_shares", json!({ "filter": filter }))).await);
    }
    for (label, who) in [("Shared, page 20 by keyset (admin)", a), ("Shared, page 20 by keyset (practitioner)", p)] {
        let after = deep_cursor(&app, who, "list_shares", json!({}), 20).await;
        out.push(
            measure(label, runs, || call(&app, who, "list_shares", json!({ "filter": { "after": after } }))).await,
        );
    }
    println!("{}", out.join("\n"));
    app.stop().await;
}

fn main() {
    let which = std::env::var("DOSSIER_BENCH_DB").unwrap_or_else(|_| "both".into());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        if which != "postgres" {
            run(Db::Sqlite).await;
        }
        if which != "sqlite" {
            run(Db::Postgres).await;
        }
    });
}
