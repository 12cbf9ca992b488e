//! Text messages and voice calls: the Twilio-compatible provider against a local HTTP
//! endpoint that records what it receives, through the outbox (retries, permanent
//! failures, exactly once with several workers), and the file sink of the embedded default.

use crate::common::{twilio::*, *};
use app::api::sharing::SendTestSms;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::Value;
use server::platform::entities::{OutboxStatus, outbox_sms};
use std::{sync::atomic::Ordering, time::Duration};

/// Waits until `n` requests reached the recorder.
async fn wait_for(rec: &Recorder, n: usize) -> Vec<Recorded> {
    for _ in 0..100 {
        if rec.seen().len() >= n {
            return rec.seen();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {n} provider requests, got {:?}", rec.seen());
}

async fn wait_until(app: &TestApp, id: &str, what: &str, ok: impl Fn(&outbox_sms::Model) -> bool) -> outbox_sms::Model {
    for _ in 0..100 {
        let row = outbox_sms::Entity::find_by_id(id.to_owned()).one(&app.state().db).await.unwrap().unwrap();
        if ok(&row) {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("outbox_sms {id} never became {what}");
}

async fn wait_status(app: &TestApp, id: &str, status: OutboxStatus) -> outbox_sms::Model {
    wait_until(app, id, &format!("{status:?}"), |r| r.status == status).await
}

async fn newest(app: &TestApp) -> outbox_sms::Model {
    let mut rows = outbox_sms::Entity::find().all(&app.state().db).await.unwrap();
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    rows.pop().unwrap()
}

async fn twilio_provider_through_the_outbox(db: Db) {
    let (rec, url) = start_recorder().await;
    let Some(app) = spawn_with(db, |c| {
        c.sms.provider = server::config::SmsProviderKind::Twilio;
        c.sms.twilio_base_url = url;
        c.sms.account_sid = "AC0123".into();
        c.sms.auth_token = Some(server::config::Secret::new("tok-secret"));
        c.sms.from = "+15005550006".into();
    })
    .await
    else {
        return;
    };
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(&app, &admin, "Anna Byrne", "anna@clinic.test", "Practitioner").await;

    // Admins only; the number is checked.
    let test = |phone: &str, voice: bool| SendTestSms { phone: phone.to_owned(), voice };
    assert_eq!(app.run(&anna.client, test("07400 123456", false)).await.unwrap_err().0, StatusCode::FORBIDDEN);
    let (s, err) = app.run(&admin.client, test("call me maybe", false)).await.unwrap_err();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err:?}");
    assert_eq!(err.field(), Some("phone"));

    // A text: Messages.json, basic auth, To/From/Body.
    let hint = app.run(&admin.client, test("07400 123456", false)).await;
    assert_eq!(hint, Ok("••56".to_owned()));
    let seen = wait_for(&rec, 1).await;
    let m = &seen[0];
    assert_eq!(m.path, "/2010-04-01/Accounts/AC0123/Messages.json");
    use base64::Engine;
    let expected = base64::engine::general_purpose::STANDARD.encode("AC0123:tok-secret");
    assert_eq!(m.authorization, format!("Basic {expected}"));
    assert_eq!(m.form["To"], "+447400123456");
    assert_eq!(m.form["From"], "+15005550006");
    assert!(m.form["Body"].contains("test message") && m.form["Body"].contains("Calm Clinic"), "{:?}", m.form);
    let row = wait_status(&app, &newest(&app).await.id, OutboxStatus::Sent).await;
    assert!(row.provider_ref.as_deref().is_some_and(|r| r.starts_with("SM")), "{row:?}");
    assert!(row.payload.is_none(), "the number and text are erased once delivered");
    assert_eq!(
        (row.to_hint.as_str(), row.channel, row.attempts),
        ("••56", server::platform::entities::Channel::Sms, 1)
    );

    // A call: Calls.json with TwiML that speaks the text.
    app.run(&admin.client, test("+44 7400 123456", true)).await.unwrap();
    let seen = wait_for(&rec, 2).await;
    assert_eq!(seen[1].path, "/2010-04-01/Accounts/AC0123/Calls.json");
    assert!(seen[1].form["Twiml"].starts_with("<Response><Say>This is a test call"), "{:?}", seen[1].form);
    let row = wait_status(&app, &newest(&app).await.id, OutboxStatus::Sent).await;
    assert!(row.provider_ref.as_deref().is_some_and(|r| r.starts_with("CA")));

    // The provider is down once: the attempt is recorded, then retried after the backoff.
    rec.fail.store(1, Ordering::SeqCst);
    app.run(&admin.client, test("07400 123456", false)).await.unwrap();
    let id = newest(&app).await.id;
    let row = wait_until(&app, &id, "retrying", |r| r.status == OutboxStatus::Queued && r.attempts == 1).await;
    assert!(row.last_error.as_deref().is_some_and(|e| e.contains("503")), "{row:?}");
    assert!(row.payload.is_some());
    app.state().db.execute_unprepared("UPDATE outbox_sms SET next_attempt_at = created_at").await.unwrap();
    let row = wait_status(&app, &id, OutboxStatus::Sent).await;
    assert_eq!(row.attempts, 2);
    assert_eq!(rec.seen().len(), 4);

    // The provider refuses the number: failed at once, not retried.
    rec.reject.store(1, Ordering::SeqCst);
    app.run(&admin.client, test("07400 123456", false)).await.unwrap();
    let row = wait_status(&app, &newest(&app).await.id, OutboxStatus::Failed).await;
    assert_eq!(row.attempts, 1);
    assert!(row.last_error.as_deref().is_some_and(|e| e.contains("21211")), "{row:?}");
    assert!(row.payload.is_none());

    // Several workers (the server's and two more) deliver each message exactly once.
    let st = app.state().clone();
    let practice = server::platform::entities::practice::Entity::find().one(&st.db).await.unwrap().unwrap();
    let before = rec.seen().len();
    for i in 0..12 {
        let msg = server::delivery::sms::OutgoingSms {
            channel: server::delivery::sms::Channel::Sms,
            to: format!("+4474001234{i:02}"),
            text: format!("race {i}"),
        };
        server::delivery::sms::enqueue(&st.db, &st.keys, &practice.id, None, "test", &msg).await.unwrap();
    }
    let provider = server::delivery::sms::provider_from_config(&st.cfg).unwrap();
    let (a, b) = tokio::join!(
        server::delivery::sms::run_once(&st.db, &st.keys, provider.as_ref()),
        server::delivery::sms::run_once(&st.db, &st.keys, provider.as_ref())
    );
    a.unwrap();
    b.unwrap();
    wait_for(&rec, before + 12).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let races: Vec<String> =
        rec.seen().iter().filter_map(|r| r.form.get("Body").filter(|b| b.starts_with("race")).cloned()).collect();
    assert_eq!(races.len(), 12, "each message once: {races:?}");
    let audit = server::platform::entities::audit_event::Entity::find().all(&st.db).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "settings.test_sms_queued"
            && e.detail.contains("••56")
            && !e.detail.contains("123456")),
        "audited without the number"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_provider_through_the_outbox_sqlite() {
    twilio_provider_through_the_outbox(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_provider_through_the_outbox_postgres() {
    twilio_provider_through_the_outbox(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_default_writes_texts_to_a_file() {
    let app = spawn(Db::Sqlite).await.unwrap();
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    app.run(&admin.client, SendTestSms { phone: "07400 123456".into(), voice: true }).await.unwrap();
    let file = app.state().cfg.sms_file();
    // The worker sends in the background: wait for a whole line (the file can exist, empty
    // or half written, before it does; found on a cold, busy machine).
    for _ in 0..600 {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        if let Some(line) = text.lines().last().filter(|_| text.ends_with('\n')) {
            let line: Value = serde_json::from_str(line).unwrap();
            assert_eq!(line["to"], "+447400123456");
            assert_eq!(line["channel"], "voice");
            assert!(line["text"].as_str().unwrap().contains("test call"));
            app.stop().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing written to {}", file.display());
}
