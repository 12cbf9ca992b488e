//! The recipient portal, black-box: the link is swapped for a cookie and leaves the URL,
//! GETs change nothing, each second factor works and fails as specified, attempts are
//! counted in the database across server instances, the verified session follows the
//! share on every request, documents are read and downloaded, aged links are renewed.

use crate::common::*;
use app::api::documents::SaveDocument;
use app::api::records::CreateClient;
use app::api::sharing::{CreateShares, ResendShare, SaveSharingSettings, SharingSettings};
use app::domain::documents::{DocumentBody, DocumentKind, Section};
use app::domain::sharing::{RecipientDraft, RecipientKind, ShareRequest, VerifyMethod};
use app::dto::DocumentDraft;
use reqwest::{Client, StatusCode, header};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use server::platform::entities::{audit_event, notification, portal_session, share, share_code};

struct World {
    admin: Staff,
    client_id: String,
    note_id: String,
}

const PASSCODE: &str = "tide pool lantern 42";

async fn world(app: &TestApp) -> World {
    setup_practice(app, "Calm Clinic").await;
    let admin = sign_in_first_time(app, ADMIN_EMAIL, PASSWORD).await;
    let mut settings = app.run(&admin.client, SharingSettings {}).await.unwrap();
    settings.client_methods = vec![
        VerifyMethod::Sms,
        VerifyMethod::Voice,
        VerifyMethod::Passcode,
        VerifyMethod::DateOfBirth,
        VerifyMethod::LinkOnly,
    ];
    settings.third_party_methods =
        vec![VerifyMethod::Sms, VerifyMethod::Voice, VerifyMethod::Passcode, VerifyMethod::LinkOnly];
    settings.contact_phone = "020 7946 0000".into();
    app.run(&admin.client, SaveSharingSettings { settings }).await.unwrap();
    let nora = CreateClient {
        email: "nora@example.com".into(),
        mobile: "07400 123456".into(),
        ..client_form("Nora", "Quinnell", "1990-02-03")
    };
    let client_id = app.run(&admin.client, nora).await.unwrap();
    let section =
        |title: &str, text: &str, internal: bool| Section { title: title.into(), text: text.into(), internal };
    let draft = DocumentDraft {
        kind: DocumentKind::ConsultationNote,
        title: "Session 3".into(),
        date: "2026-11-20".into(),
        is_psychotherapy: false,
        body: DocumentBody::Sections {
            sections: vec![
                section("Subjective", "SUBJECTIVE-TEXT", false),
                section("Office use only", "INTERNAL-TEXT", true),
            ],
        },
    };
    let note_id = app.run(&admin.client, SaveDocument { client_id: client_id.clone(), id: None, draft }).await.unwrap();
    World { admin, client_id, note_id }
}

/// Shares the note with one recipient by `method`; returns the share id and its link.
async fn share_with(
    app: &TestApp,
    w: &World,
    method: VerifyMethod,
    email: &str,
    kind: RecipientKind,
) -> (String, String) {
    let recipient = if kind == RecipientKind::Client {
        RecipientDraft {
            kind: RecipientKind::Client,
            ref_id: Some(w.client_id.clone()),
            name: "Nora Quinnell".into(),
            email: email.into(),
            phone: "07400 123456".into(),
            method,
            passcode: PASSCODE.into(),
            sections: Default::default(),
        }
    } else {
        RecipientDraft { phone: "07400 654321".into(), ..typed_recipient("Gail Green", email, method, PASSCODE) }
    };
    let request =
        ShareRequest { notify_on_open: true, ..share_request(&w.client_id, vec![w.note_id.clone()], vec![recipient]) };
    let out = app.run(&w.admin.client, CreateShares { request }).await.unwrap();
    let id = out.shares[0].0.clone();
    let mail = app.wait_for_mail(email, "shared documents").await;
    // The mail worker marks the share sent just after SMTP took the message: wait for
    // that state, so no later read races the worker.
    wait_for_status(app, &id, "sent").await;
    (id, extract_link(&mail, &app.base, "/s/"))
}

async fn wait_for_status(app: &TestApp, id: &str, status: &str) {
    for _ in 0..200 {
        if share_row(app, id).await.status == status {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("share {id} never reached {status}: {}", share_row(app, id).await.status);
}

/// A browser: opens the emailed link and follows the redirect by hand.
async fn open(app: &TestApp, link: &str) -> Client {
    let c = new_client();
    let r = c.get(link).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/portal", "the token does not travel further");
    let cookie = r.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains(link.rsplit('/').next().unwrap()), "the cookie does not carry the token");
    let _ = app;
    c
}

async fn page(app: &TestApp, c: &Client, path: &str) -> (StatusCode, String) {
    let r = app.get(c, path).await;
    let status = r.status();
    assert_eq!(r.headers().get(header::REFERRER_POLICY).unwrap(), "no-referrer");
    assert_eq!(r.headers().get(header::CACHE_CONTROL).unwrap(), "no-store");
    (status, r.text().await.unwrap())
}

async fn post(app: &TestApp, c: &Client, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
    let r = app.form(c, path, fields).await;
    let status = r.status();
    let loc = location(&r);
    (status, loc, r.text().await.unwrap())
}

/// The next code texted or spoken to `number` (from the file sink of the embedded
/// default): waits for the message after the `seen` ones already read.
async fn next_code(app: &TestApp, number: &str, seen: &mut usize) -> String {
    let file = app.state().cfg.sms_file();
    for _ in 0..100 {
        let lines: Vec<Value> = std::fs::read_to_string(&file)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["to"] == number)
            .collect();
        if lines.len() > *seen {
            *seen = lines.len();
            let t = lines.last().unwrap()["text"].as_str().unwrap().to_owned();
            let spoken = t.split("Your code is:").nth(1).unwrap_or(&t);
            return spoken.chars().filter(char::is_ascii_digit).take(6).collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no new text to {number}");
}

async fn count_audit(app: &TestApp, action: &str) -> u64 {
    audit_event::Entity::find().filter(audit_event::Column::Action.eq(action)).count(&app.state().db).await.unwrap()
}

async fn share_row(app: &TestApp, id: &str) -> share::Model {
    share::Entity::find_by_id(id.to_owned()).one(&app.state().db).await.unwrap().unwrap()
}

both_dbs!(opening_a_link_changes_nothing_and_reveals_nothing, |app: TestApp| async move {
    let w = world(&app).await;
    let (id, link) = share_with(&app, &w, VerifyMethod::Sms, "gail@gp.test", RecipientKind::Other).await;
    let before = share_row(&app, &id).await;
    let events = audit_event::Entity::find().count(&app.state().db).await.unwrap();
    // A scanner opens the link and the page, twice, and even follows with HEAD requests.
    for _ in 0..2 {
        let c = open(&app, &link).await;
        let (s, html) = page(&app, &c, "/portal").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Verify to view") && html.contains("Calm Clinic"), "{html}");
        assert!(html.contains("ending in 21"), "the phone is shown masked");
        for secret in ["Quinnell", "Session 3", "SUBJECTIVE", "Consultation", "654321"] {
            assert!(!html.contains(secret), "{secret} shown before verification");
        }
    }
    let after = share_row(&app, &id).await;
    assert_eq!((after.status.as_str(), after.failed_attempts, after.opened_at), (before.status.as_str(), 0, None));
    assert_eq!(share_code::Entity::find().count(&app.state().db).await.unwrap(), 0, "no code sent by a GET");
    assert_eq!(portal_session::Entity::find().count(&app.state().db).await.unwrap(), 0);
    assert_eq!(audit_event::Entity::find().count(&app.state().db).await.unwrap(), events, "nothing audited");

    // Unknown and malformed tokens: the same generic page.
    for bad in ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "short", "not~a*token"] {
        let c = new_client();
        let r = c.get(app.url(&format!("/s/{bad}"))).send().await.unwrap();
        assert_eq!((r.status(), location(&r).as_str()), (StatusCode::SEE_OTHER, "/portal/link-invalid"));
        let (s, html) = page(&app, &c, "/portal/link-invalid").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(html.contains("This link is not valid"));
    }
    // Without the cookie, /portal knows nothing either.
    let (s, html) = page(&app, &new_client(), "/portal").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("This link is not valid"));
    app.stop().await;
});

both_dbs!(phone_codes_are_single_use_replaced_expire_and_limited, |app: TestApp| async move {
    let w = world(&app).await;
    let (id, link) = share_with(&app, &w, VerifyMethod::Sms, "gail@gp.test", RecipientKind::Other).await;
    let c = open(&app, &link).await;
    let (s, loc, _) = post(&app, &c, "/portal/code", &[("channel", "sms")]).await;
    assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/portal"));
    let mut seen = 0;
    let first = next_code(&app, "+447400654321", &mut seen).await;
    let (_, html) = page(&app, &c, "/portal").await;
    assert!(html.contains("Enter the 6-digit code") && html.contains("We texted you a code"), "{html}");
    let row = share_code::Entity::find().one(&app.state().db).await.unwrap().unwrap();
    assert!(!row.code_hash.contains(&first) && row.code_hash.len() == 64, "stored as an HMAC");

    // Wrong code: counted, with the attempts left.
    let wrong = if first == "000000" { "111111" } else { "000000" };
    let (s, _, html) = post(&app, &c, "/portal/verify", &[("code", wrong)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("That code is not right. You have 9 attempts left."), "{html}");
    // Malformed input is not a guess.
    let (s, _, html) = post(&app, &c, "/portal/verify", &[("code", "12ab")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Enter the 6 digits"));
    assert_eq!(share_row(&app, &id).await.failed_attempts, 1);

    // A new code replaces the old one; a call carries the digits one by one.
    post(&app, &c, "/portal/code", &[("channel", "voice")]).await;
    let second = next_code(&app, "+447400654321", &mut seen).await;
    let (s, _, html) = post(&app, &c, "/portal/verify", &[("code", &first)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(first == second || html.contains("not right") || html.contains("replaced"), "{html}");

    // The right code opens a session, once.
    let (s, loc, _) = post(&app, &c, "/portal/verify", &[("code", &second)]).await;
    assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/portal"));
    let (_, html) = page(&app, &c, "/portal").await;
    assert!(html.contains("Your documents") && html.contains("Session 3"), "{html}");
    let other = open(&app, &link).await;
    let (s, _, html) = post(&app, &other, "/portal/verify", &[("code", &second)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "single use");
    assert!(html.contains("expired or was replaced"), "{html}");

    // Codes expire after 10 minutes.
    post(&app, &other, "/portal/code", &[("channel", "sms")]).await;
    let third = next_code(&app, "+447400654321", &mut seen).await;
    app.state()
        .db
        .execute_unprepared("UPDATE share_code SET expires_at = created_at WHERE used_at IS NULL")
        .await
        .unwrap();
    let (s, _, html) = post(&app, &other, "/portal/verify", &[("code", &third)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("expired or was replaced"));

    // At most 3 sends per 15 minutes.
    let (s, _, html) = post(&app, &other, "/portal/code", &[("channel", "sms")]).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{html}");
    assert!(html.contains("You can ask for another in"));
    // The page says how long, from the same rule, for the island's countdown.
    let wait = |html: &str| -> Option<u32> { html.split(r#"data-wait=""#).nth(1)?.split('"').next()?.parse().ok() };
    assert!(wait(&html).is_some_and(|w| (1..=15 * 60).contains(&w)), "{html}");
    assert!(html.contains(r#"data-island="resend""#) && html.contains("You can ask for another code in "));
    let (_, html) = page(&app, &other, "/portal").await;
    assert!(wait(&html).is_some(), "{html}");
    // Once the oldest send leaves the window, a code can be asked for again at once.
    let db = &app.state().db;
    let oldest = share_code::Entity::find().order_by_asc(share_code::Column::CreatedAt).one(db).await.unwrap().unwrap();
    share_code::Entity::update_many()
        .col_expr(
            share_code::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(16)),
        )
        .filter(share_code::Column::Id.eq(oldest.id))
        .exec(db)
        .await
        .unwrap();
    let (_, html) = page(&app, &other, "/portal").await;
    assert!(wait(&html).is_none() && !html.contains("data-island=\"resend\""), "{html}");
    assert_eq!(count_audit(&app, "portal.code_requested").await, 3);
    let audit = audit_event::Entity::find().all(&app.state().db).await.unwrap();
    for code in [&first, &second, &third] {
        assert!(audit.iter().all(|e| !e.detail.contains(code.as_str())), "codes never reach the audit log");
    }
    app.stop().await;
});

/// Two server instances on one database, with one master key.
async fn two_instances(db: Db) -> Option<(TestApp, TestApp)> {
    let key = server::platform::crypto::Keys::generate_master();
    let k1 = key.clone();
    let a = spawn_with(db, move |c| c.security.master_key = Some(server::config::Secret::new(k1))).await?;
    let url = a.state().cfg.database_url();
    // The second instance runs no workers: the first delivers all mail, so the test
    // finds it in one place.
    let b = spawn_with(db, move |c| {
        c.security.master_key = Some(server::config::Secret::new(key));
        c.database.url = Some(server::config::Secret::new(url));
        c.workers.enabled = false;
    })
    .await?;
    Some((a, b))
}

async fn attempts_are_counted_across_instances(db: Db) {
    let Some((a, b)) = two_instances(db).await else { return };
    let w = world(&a).await;
    let (id, link) = share_with(&a, &w, VerifyMethod::Passcode, "gail@gp.test", RecipientKind::Other).await;
    let ca = open(&a, &link).await;
    let link_b = link.replace(&a.base, &b.base);
    let cb = open(&b, &link_b).await;
    for i in 1..=9 {
        let (app, c) = if i % 2 == 0 { (&a, &ca) } else { (&b, &cb) };
        let (s, _, html) = post(app, c, "/portal/verify", &[("passcode", "wrong passcode")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let left = 10 - i;
        let word = if left == 1 { "attempt" } else { "attempts" };
        assert!(html.contains(&format!("You have {left} {word} left.")), "attempt {i}: {html}");
    }
    let (s, _, html) = post(&a, &ca, "/portal/verify", &[("passcode", "wrong again")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(html.contains("This link is locked") && html.contains("020 7946 0000"), "{html}");
    // Locked everywhere, even with the right passcode.
    let (s, _, html) = post(&b, &cb, "/portal/verify", &[("passcode", PASSCODE)]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{html}");
    let row = share_row(&a, &id).await;
    assert_eq!((row.status.as_str(), row.failed_attempts), ("locked", 10));
    let told = notification::Entity::find()
        .filter(notification::Column::Kind.eq(notification::NotificationKind::ShareLocked))
        .count(&a.state().db);
    assert_eq!(told.await.unwrap(), 1, "the sender is told in the app");
    a.wait_for_mail(ADMIN_EMAIL, "was locked").await;
    assert_eq!(count_audit(&a, "share.locked").await, 1);
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempts_are_counted_across_instances_sqlite() {
    attempts_are_counted_across_instances(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempts_are_counted_across_instances_postgres() {
    attempts_are_counted_across_instances(Db::Postgres).await;
}

both_dbs!(date_of_birth_reading_downloading_and_the_session, |app: TestApp| async move {
    let w = world(&app).await;
    let (id, link) = share_with(&app, &w, VerifyMethod::DateOfBirth, "nora@example.com", RecipientKind::Client).await;
    let c = open(&app, &link).await;
    let (s, _, html) = post(&app, &c, "/portal/verify", &[("date_of_birth", "1990-03-02")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("does not match. You have 4 attempts left."), "date of birth allows fewer: {html}");
    let (s, loc, _) = post(&app, &c, "/portal/verify", &[("date_of_birth", "03/02/1990")]).await;
    assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/portal"));

    // Reading: shared sections only; views and downloads counted and audited.
    let (_, list) = page(&app, &c, "/portal").await;
    assert!(list.contains("Session 3") && list.contains("Shared with Nora Quinnell"), "{list}");
    let (s, html) = page(&app, &c, &format!("/portal/d/{}", w.note_id)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("SUBJECTIVE-TEXT") && !html.contains("INTERNAL-TEXT"), "{html}");
    let r = app.get(&c, &format!("/portal/d/{}/pdf", w.note_id)).await;
    assert_eq!(r.headers().get(header::CONTENT_TYPE).unwrap(), "application/pdf");
    let pdf = r.bytes().await.unwrap();
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), &pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg(tmp.path()).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SUBJECTIVE-TEXT") && !text.contains("INTERNAL-TEXT"), "{text}");
    assert!(text.contains("Shared with Nora Quinnell") && text.contains(&id[id.len() - 12..]), "watermark: {text}");
    let row = share_row(&app, &id).await;
    assert_eq!((row.status.as_str(), row.view_count), ("opened", 2));
    assert!(row.opened_at.is_some() && row.last_viewed_at.is_some());
    assert_eq!((count_audit(&app, "portal.viewed").await, count_audit(&app, "portal.downloaded").await), (1, 1));
    let opened = notification::Entity::find()
        .filter(notification::Column::Kind.eq(notification::NotificationKind::ShareOpened))
        .count(&app.state().db);
    assert_eq!(opened.await.unwrap(), 1);
    app.wait_for_mail(ADMIN_EMAIL, "opened the documents").await;

    // Another recipient's document is not reachable through this session.
    let (s, _) = page(&app, &c, "/portal/d/not-a-document").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The pages carry the session's clock for the island's idle warning.
    let (_, list) = page(&app, &c, "/portal").await;
    assert!(list.contains(r#"data-island="idle""#) && list.contains(r#"data-idle="900""#), "{list}");
    // "Stay signed in" (POST /portal/keepalive) extends the session on the server.
    let db = &app.state().db;
    let idle_for = |minutes: i64| {
        portal_session::Entity::update_many()
            .col_expr(
                portal_session::Column::LastSeenAt,
                sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(minutes)),
            )
            .exec(db)
    };
    idle_for(14).await.unwrap();
    let (s, _, _) = post(&app, &c, "/portal/keepalive", &[]).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let seen = portal_session::Entity::find().one(db).await.unwrap().unwrap().last_seen_at;
    assert!(chrono::Utc::now() - seen < chrono::Duration::minutes(1), "extended: {seen}");
    idle_for(16).await.unwrap();
    let (s, _, _) = post(&app, &c, "/portal/keepalive", &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "an ended session is not revived");

    // Idle for 15 minutes: the session ends on the server.
    portal_session::Entity::update_many()
        .col_expr(
            portal_session::Column::LastSeenAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(16)),
        )
        .exec(db)
        .await
        .unwrap();
    let (_, html) = page(&app, &c, "/portal").await;
    assert!(html.contains("Your session has ended"), "{html}");
    let r = app.get(&c, &format!("/portal/d/{}", w.note_id)).await;
    assert_eq!(location(&r), "/portal");

    // Revoked while reading: the next request is refused and the session ends.
    let c = open(&app, &link).await;
    post(&app, &c, "/portal/verify", &[("date_of_birth", "1990-02-03")]).await;
    assert_eq!(page(&app, &c, &format!("/portal/d/{}", w.note_id)).await.0, StatusCode::OK);
    db.execute_unprepared(&format!("UPDATE share SET status = 'revoked' WHERE id = '{id}'")).await.unwrap();
    let (s, html) = page(&app, &c, &format!("/portal/d/{}", w.note_id)).await;
    assert_eq!(s, StatusCode::GONE);
    assert!(html.contains("withdrawn") && !html.contains("SUBJECTIVE"), "{html}");
    let live = portal_session::Entity::find().filter(portal_session::Column::EndedAt.is_null()).count(db);
    assert_eq!(live.await.unwrap(), 0, "revoking ended the session");
    // And the link says so too, naming the practice to contact.
    let c = open(&app, &link).await;
    let (s, html) = page(&app, &c, "/portal").await;
    assert_eq!(s, StatusCode::GONE);
    assert!(html.contains("has been withdrawn") && html.contains("Calm Clinic"));
    app.stop().await;
});

both_dbs!(expired_link_only_and_aged_links, |app: TestApp| async move {
    let w = world(&app).await;
    // Link only: the button alone, and a POST is needed to open.
    let (id, link) = share_with(&app, &w, VerifyMethod::LinkOnly, "gail@gp.test", RecipientKind::Other).await;
    let c = open(&app, &link).await;
    let (_, html) = page(&app, &c, "/portal").await;
    assert!(html.contains("View documents") && !html.contains("name=\"code\""));
    assert!(share_row(&app, &id).await.opened_at.is_none());
    let (_, loc, _) = post(&app, &c, "/portal/verify", &[]).await;
    assert_eq!(loc, "/portal");
    assert!(share_row(&app, &id).await.opened_at.is_some());

    // Expired: says so and names the practice.
    let db = &app.state().db;
    let (id2, link2) = share_with(&app, &w, VerifyMethod::Passcode, "pat@example.com", RecipientKind::Other).await;
    let c = open(&app, &link2).await;
    db.execute_unprepared(&format!("UPDATE share SET expires_at = created_at WHERE id = '{id2}'")).await.unwrap();
    let (s, html) = page(&app, &c, "/portal").await;
    assert_eq!(s, StatusCode::GONE);
    assert!(html.contains("This link has expired") && html.contains("020 7946 0000"), "{html}");
    let (s, _, _) = post(&app, &c, "/portal/verify", &[("passcode", PASSCODE)]).await;
    assert_eq!(s, StatusCode::GONE);

    // Aged: renewed by email on request, never by the GET; the old link dies.
    let (id3, link3) = share_with(&app, &w, VerifyMethod::Passcode, "sam@example.com", RecipientKind::Other).await;
    share::Entity::update_many()
        .col_expr(
            share::Column::LinkIssuedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::hours(25)),
        )
        .filter(share::Column::Id.eq(&id3))
        .exec(db)
        .await
        .unwrap();
    let c = open(&app, &link3).await;
    let (_, html) = page(&app, &c, "/portal").await;
    assert!(html.contains("This link needs renewing"), "{html}");
    assert_eq!(count_audit(&app, "share.link_renewed").await, 0);
    let (s, _, html) = post(&app, &c, "/portal/refresh", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Check your email") && !html.contains("sam@example.com"), "the address is not shown");
    let mut fresh = String::new();
    for _ in 0..100 {
        let mail = app.wait_for_mail("sam@example.com", "shared documents").await;
        fresh = extract_link(&mail, &app.base, "/s/");
        if fresh != link3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_ne!(fresh, link3);
    let old = new_client();
    let r = old.get(&link3).send().await.unwrap();
    assert_eq!(location(&r), "/portal/link-invalid", "the old link is dead");
    let c = open(&app, &fresh).await;
    let (_, loc, _) = post(&app, &c, "/portal/verify", &[("passcode", PASSCODE)]).await;
    assert_eq!(loc, "/portal");

    // A link once used to verify does not age: it stays valid until the share expires.
    share::Entity::update_many()
        .col_expr(
            share::Column::LinkIssuedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::hours(48)),
        )
        .filter(share::Column::Id.eq(&id3))
        .exec(db)
        .await
        .unwrap();
    let again = open(&app, &fresh).await;
    let (s, html) = page(&app, &again, "/portal").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!html.contains("This link needs renewing") && html.contains("name=\"passcode\""), "{html}");
    let (_, loc, _) = post(&app, &again, "/portal/verify", &[("passcode", PASSCODE)]).await;
    assert_eq!(loc, "/portal");
    assert_eq!(count_audit(&app, "share.link_renewed").await, 1, "no second renewal");
    app.stop().await;
});

both_dbs!(failures_are_throttled_per_network, |app: TestApp| async move {
    let w = world(&app).await;
    let mut clients = Vec::new();
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        let (_, link) = share_with(&app, &w, VerifyMethod::Passcode, email, RecipientKind::Other).await;
        clients.push(open(&app, &link).await);
    }
    let mut refused = false;
    'outer: for c in &clients {
        for _ in 0..9 {
            let (s, _, html) = post(&app, c, "/portal/verify", &[("passcode", "not it at all")]).await;
            if s == StatusCode::TOO_MANY_REQUESTS {
                assert!(html.contains("many unsuccessful attempts from your network"), "{html}");
                refused = true;
                break 'outer;
            }
        }
    }
    assert!(refused, "20 failures from one network are throttled across shares");
    app.stop().await;
});

/// The events of one share in chain order (action names).
async fn share_events(app: &TestApp, id: &str) -> Vec<String> {
    use sea_orm::QueryOrder;
    audit_event::Entity::find()
        .filter(audit_event::Column::Target.eq(id))
        .order_by_asc(audit_event::Column::Seq)
        .all(&app.state().db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

/// Fires `n` verification posts at once through one barrier.
async fn verify_burst(
    app: &TestApp,
    c: &Client,
    n: usize,
    field: &str,
    value: impl Fn(usize) -> String,
) -> Vec<StatusCode> {
    burst(n, |i| form_post(app, c, "/portal/verify", &[(field, &value(i))], true))
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect()
}

both_dbs!(a_burst_of_guesses_gets_exactly_the_allowance, |app: TestApp| async move {
    let w = world(&app).await;
    // Passcode: 40 wrong at once, exactly 10 checked; the share locks; the right one after is refused.
    let (id, link) = share_with(&app, &w, VerifyMethod::Passcode, "p@example.com", RecipientKind::Other).await;
    let c = open(&app, &link).await;
    let answers = verify_burst(&app, &c, 40, "passcode", |i| format!("wrong passcode {i}")).await;
    assert!(answers.iter().all(|s| s.is_client_error()), "no 5xx: {answers:?}");
    let ev = share_events(&app, &id).await;
    assert_eq!(ev.iter().filter(|a| *a == "portal.verify_failed").count(), 10, "{ev:?}");
    assert_eq!(ev.iter().filter(|a| *a == "share.locked").count(), 1);
    let row = share_row(&app, &id).await;
    assert_eq!((row.status.as_str(), row.failed_attempts), ("locked", 10));
    let (s, _, html) = post(&app, &c, "/portal/verify", &[("passcode", PASSCODE)]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{html}");
    assert_eq!(share_row(&app, &id).await.status, "locked");
    assert!(!share_events(&app, &id).await.contains(&"portal.verified".to_owned()));

    // Date of birth: 30 wrong at once, exactly 5 checked; the right date after is refused.
    let (id, link) = share_with(&app, &w, VerifyMethod::DateOfBirth, "nora@example.com", RecipientKind::Client).await;
    let c = open(&app, &link).await;
    let answers = verify_burst(&app, &c, 30, "date_of_birth", |i| format!("19{:02}-01-01", i + 10)).await;
    assert!(answers.iter().all(|s| s.is_client_error()), "{answers:?}");
    let ev = share_events(&app, &id).await;
    assert_eq!(ev.iter().filter(|a| *a == "portal.verify_failed").count(), 5, "{ev:?}");
    let (s, _, _) = post(&app, &c, "/portal/verify", &[("date_of_birth", "1990-02-03")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(share_row(&app, &id).await.status, "locked");
    app.stop().await;
});

both_dbs!(a_burst_of_codes_and_sends_gets_exactly_the_allowance, |app: TestApp| async move {
    let w = world(&app).await;
    let (id, link) = share_with(&app, &w, VerifyMethod::Sms, "gail@gp.test", RecipientKind::Other).await;
    let c = open(&app, &link).await;
    // 12 "text me a code" at once: 3 codes sent, the limit per 15 minutes.
    let answers = burst(12, |_| form_post(&app, &c, "/portal/code", &[("channel", "sms")], true)).await;
    let sent = answers.iter().filter(|(s, _)| *s == StatusCode::SEE_OTHER).count();
    let refused = answers.iter().filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((sent, refused), (3, 9), "{answers:?}");
    assert_eq!(share_code::Entity::find().count(&app.state().db).await.unwrap(), 3);
    assert_eq!(count_audit(&app, "portal.code_requested").await, 3);
    let queued = server::platform::entities::outbox_sms::Entity::find().count(&app.state().db).await.unwrap();
    assert_eq!(queued, 3, "exactly three texts queued");
    // The three texts as the provider got them; the newest code is the one that counts.
    let file = app.state().cfg.sms_file();
    let mut codes: Vec<String> = Vec::new();
    for _ in 0..200 {
        codes = std::fs::read_to_string(&file)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["to"] == "+447400654321")
            .map(|l| l["text"].as_str().unwrap().chars().filter(char::is_ascii_digit).take(6).collect())
            .collect();
        if codes.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(codes.len(), 3, "three texts delivered");
    let current = share_code::Entity::find()
        .filter(share_code::Column::UsedAt.is_null())
        .one(&app.state().db)
        .await
        .unwrap()
        .unwrap();
    let state = app.state();
    let right =
        codes.iter().find(|c| state.keys.code_mac(&id, c) == current.code_hash).expect("the current code").clone();
    let answers = verify_burst(&app, &c, 40, "code", |i| {
        let n = (right.parse::<u32>().unwrap() + 1 + i as u32) % 1_000_000;
        format!("{n:06}")
    })
    .await;
    assert!(answers.iter().all(|s| s.is_client_error()), "{answers:?}");
    let ev = share_events(&app, &id).await;
    assert_eq!(ev.iter().filter(|a| *a == "portal.verify_failed").count(), 10, "{ev:?}");
    let (s, _, _) = post(&app, &c, "/portal/verify", &[("code", &right)]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the right code after the lock is refused");
    assert_eq!(share_row(&app, &id).await.status, "locked");
    app.stop().await;
});

both_dbs!(the_right_answer_inside_a_burst_never_opens_a_locked_share, |app: TestApp| async move {
    let w = world(&app).await;
    let (id, link) = share_with(&app, &w, VerifyMethod::Passcode, "q@example.com", RecipientKind::Other).await;
    let c = open(&app, &link).await;
    let answers =
        verify_burst(&app, &c, 40, "passcode", |i| if i == 25 { PASSCODE.to_owned() } else { format!("nope {i}") })
            .await;
    assert!(answers.iter().all(|s| s.is_client_error() || *s == StatusCode::SEE_OTHER), "{answers:?}");
    let ev = share_events(&app, &id).await;
    let failed = ev.iter().filter(|a| *a == "portal.verify_failed").count();
    assert!(failed <= 10, "at most the allowance is checked: {ev:?}");
    // Nothing is verified after the lock, and a locked share stays locked.
    if let Some(locked_at) = ev.iter().position(|a| a == "share.locked") {
        assert!(!ev[locked_at..].contains(&"portal.verified".to_owned()), "{ev:?}");
        assert_eq!(share_row(&app, &id).await.status, "locked");
    }
    app.stop().await;
});

both_dbs!(resending_a_link_ends_verified_sessions, |app: TestApp| async move {
    let w = world(&app).await;
    let (id, link) = share_with(&app, &w, VerifyMethod::DateOfBirth, "nora@example.com", RecipientKind::Client).await;
    let c = open(&app, &link).await;
    let (s, _, _) = post(&app, &c, "/portal/verify", &[("date_of_birth", "1990-02-03")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &c, "/portal").await;
    assert!(html.contains("Your documents"), "{html}");
    app.run(&w.admin.client, ResendShare { share_id: id }).await.unwrap();
    let (_, html) = page(&app, &c, "/portal").await;
    assert!(!html.contains("Session 3"), "the old session ended with the resend: {html}");
    app.stop().await;
});
