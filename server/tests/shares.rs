//! After sharing: the Shared tab's list and each action (revoke one or all, extend,
//! resend, unlock) with its permission and access checks and its audit event; revoking
//! cuts off an open recipient session on another instance; the expiry sweep.
mod common;

use common::*;
use reqwest::{Client, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use server::entities::{audit_event, notification, share};

struct World {
    admin: Staff,
    anna: Staff,
    ben: Staff,
    sue: Staff,
    client_id: String,
    doc_id: String,
}

const PASSCODE: &str = "tide pool lantern 42";

async fn world(app: &TestApp) -> World {
    setup_practice(app, "Calm Clinic").await;
    let admin = sign_in_first_time(app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(app, &admin, "Anna Byrne", "anna@clinic.test", "Practitioner").await;
    let ben = invite_and_enrol(app, &admin, "Ben Okafor", "ben@clinic.test", "Practitioner").await;
    let sue = invite_and_enrol(app, &admin, "Sue Secretary", "sue@clinic.test", "Secretary").await;
    let client_id = create_client(app, &anna, "Nora", "Quinnell").await;
    // Sue may see the client (selected access) but not share.
    let (_, sue_me) = app.server_fn(&sue.client, "get_me", &[]).await;
    let (_, anna_me) = app.server_fn(&anna.client, "get_me", &[]).await;
    let (s, b) = app
        .server_fn(
            &anna.client,
            "set_client_access",
            &[
                ("id", &client_id),
                ("owner_id", anna_me["staff_id"].as_str().unwrap()),
                ("mode", "selected"),
                ("selected[0]", sue_me["staff_id"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, doc) = call(
        app,
        &anna,
        "save_document",
        json!({ "client_id": client_id, "id": null, "draft": {
        "kind": "Letter", "title": "Letter to GP", "date": "2026-11-21", "is_psychotherapy": false,
        "body": { "type": "Letter", "addressee": "Dr Green", "body": "LETTER-TEXT" } } }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{doc}");
    World { admin, anna, ben, sue, client_id, doc_id: doc.as_str().unwrap().to_owned() }
}

async fn share_to(app: &TestApp, w: &World, email: &str) -> (String, String) {
    let (s, out) = call(
        app,
        &w.anna,
        "create_shares",
        json!({ "request": {
        "client_id": w.client_id, "document_ids": [w.doc_id], "delivery": "Link", "expires_on": in_days(5),
        "purpose": "Insurance", "purpose_text": "Claim 42", "message": "", "psychotherapy_authorisation": "",
        "confirmed_warnings": true,
        "recipients": [{ "kind": "Other", "ref_id": null, "name": "Gail Green", "email": email,
                         "phone": "", "method": "Passcode", "passcode": PASSCODE, "sections": {} }] } }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let id = out["shares"][0][0].as_str().unwrap().to_owned();
    let mail = app.wait_for_mail(email, "shared documents").await;
    (id, extract_link(&mail, &app.base, "/s/"))
}

/// Opens the link and verifies with the passcode: a recipient reading.
async fn reader(app: &TestApp, link: &str) -> Client {
    let c = new_client();
    c.get(link).send().await.unwrap();
    let r = app.form(&c, "/portal/verify", &[("passcode", PASSCODE)]).await;
    assert_eq!(location(&r), "/portal");
    c
}

async fn events(app: &TestApp, action: &str) -> u64 {
    audit_event::Entity::find().filter(audit_event::Column::Action.eq(action)).count(&app.state().db).await.unwrap()
}

async fn row(app: &TestApp, id: &str) -> share::Model {
    share::Entity::find_by_id(id.to_owned()).one(&app.state().db).await.unwrap().unwrap()
}

both_dbs!(the_shared_tab_lists_and_each_action_is_checked_and_audited, |app: TestApp| async move {
    let w = world(&app).await;
    let (id, link) = share_to(&app, &w, "gail@gp.test").await;

    // The list: what, to whom, how, why, by whom, status.
    let (s, list) =
        call(&app, &w.anna, "list_client_shares", json!({ "client_id": w.client_id, "status": null })).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let r = &list[0];
    assert_eq!((r["recipient_name"].as_str(), r["documents"][0].as_str()), (Some("Gail Green"), Some("Letter to GP")));
    assert_eq!(r["purpose"], "Insurance claim: Claim 42");
    assert_eq!(r["sender"], "Anna Byrne");
    assert_eq!(r["method"], "Email + secret passcode");
    let (_, opened) =
        call(&app, &w.anna, "list_client_shares", json!({ "client_id": w.client_id, "status": "Opened" })).await;
    assert_eq!(opened, json!([]), "filtered by status");
    let (s, history) = call(&app, &w.anna, "document_shares", json!({ "document_id": w.doc_id })).await;
    assert_eq!((s, history.as_array().unwrap().len()), (StatusCode::OK, 1));

    // Who may act: Ben has no access to the client (not found), Sue may see it but not share.
    for (who, expected) in [(&w.ben, StatusCode::NOT_FOUND), (&w.sue, StatusCode::FORBIDDEN)] {
        for (name, args) in [
            ("revoke_share", json!({ "share_id": id })),
            ("extend_share", json!({ "share_id": id, "expires_on": in_days(9) })),
            ("resend_share", json!({ "share_id": id })),
            ("unlock_share", json!({ "share_id": id })),
            ("revoke_client_shares", json!({ "client_id": w.client_id })),
        ] {
            let (s, b) = call(&app, who, name, args).await;
            assert!(s == expected || s == StatusCode::NOT_FOUND, "{name} by {}: {s} {b}", who.email);
        }
    }
    assert_eq!(
        call(&app, &w.ben, "list_client_shares", json!({ "client_id": w.client_id, "status": null })).await.0,
        StatusCode::NOT_FOUND
    );

    // Extend: at most the practice maximum from today.
    let (s, b) = call(&app, &w.anna, "extend_share", json!({ "share_id": id, "expires_on": in_days(15) })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["Invalid"]["message"].as_str().unwrap().contains("within 14 days"));
    assert_eq!(
        call(&app, &w.anna, "extend_share", json!({ "share_id": id, "expires_on": in_days(12) })).await.0,
        StatusCode::OK
    );
    assert_eq!(row(&app, &id).await.expires_at.date_naive().format("%Y-%m-%d").to_string(), in_days(12));

    // Resend: a new link; the old one is dead, the new one works.
    assert_eq!(call(&app, &w.anna, "resend_share", json!({ "share_id": id })).await.0, StatusCode::OK);
    let mut fresh = link.clone();
    for _ in 0..100 {
        fresh = extract_link(&app.wait_for_mail("gail@gp.test", "shared documents").await, &app.base, "/s/");
        if fresh != link {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_ne!(fresh, link);
    assert_eq!(location(&new_client().get(&link).send().await.unwrap()), "/portal/link-invalid");

    // Lock it with wrong passcodes, then unlock: attempts start again.
    let c = new_client();
    c.get(&fresh).send().await.unwrap();
    for _ in 0..10 {
        app.form(&c, "/portal/verify", &[("passcode", "wrong")]).await;
    }
    assert_eq!(row(&app, &id).await.status, "locked");
    let (_, locked) =
        call(&app, &w.anna, "list_client_shares", json!({ "client_id": w.client_id, "status": "Locked" })).await;
    assert_eq!(locked.as_array().unwrap().len(), 1);
    let (s, b) = call(&app, &w.anna, "resend_share", json!({ "share_id": id })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a locked share is unlocked first: {b}");
    assert_eq!(call(&app, &w.anna, "unlock_share", json!({ "share_id": id })).await.0, StatusCode::OK);
    let unlocked = row(&app, &id).await;
    assert_eq!((unlocked.status.as_str(), unlocked.failed_attempts), ("sent", 0));
    let c = reader(&app, &fresh).await;
    assert_eq!(app.get(&c, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::OK);
    let (_, notes) = call(&app, &w.anna, "list_notifications", json!({})).await;
    let texts: Vec<&str> = notes.as_array().unwrap().iter().map(|n| n["text"].as_str().unwrap()).collect();
    assert!(texts.iter().any(|t| t.contains("was locked")) && texts.iter().any(|t| t.contains("opened")), "{texts:?}");

    // Revoke: the reader is refused on the next request; extending or resending it is refused.
    assert_eq!(call(&app, &w.anna, "revoke_share", json!({ "share_id": id })).await.0, StatusCode::OK);
    assert_eq!(app.get(&c, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::GONE);
    for name in ["extend_share", "resend_share", "revoke_share"] {
        let (s, _) = call(&app, &w.anna, name, json!({ "share_id": id, "expires_on": in_days(3) })).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name} on a revoked share");
    }

    // Exactly one audit event per action.
    for (action, n) in
        [("share.extended", 1), ("share.resent", 1), ("share.unlocked", 1), ("share.revoked", 1), ("share.locked", 1)]
    {
        assert_eq!(events(&app, action).await, n, "{action}");
    }
    // Marking notifications read.
    assert_eq!(call(&app, &w.anna, "mark_notifications_read", json!({})).await.0, StatusCode::OK);
    let unread = notification::Entity::find().filter(notification::Column::ReadAt.is_null()).count(&app.state().db);
    assert_eq!(unread.await.unwrap(), 0);
    let _ = &w.admin;
    app.stop().await;
});

async fn revoke_reaches_another_instance(db: Db) {
    let key = server::crypto::Keys::generate_master();
    let k1 = key.clone();
    let Some(a) = spawn_with(db, move |c| c.security.master_key = Some(server::config::Secret::new(k1))).await else {
        return;
    };
    let url = a.state().cfg.database_url();
    let b = spawn_with(db, move |c| {
        c.security.master_key = Some(server::config::Secret::new(key));
        c.database.url = Some(server::config::Secret::new(url));
        c.workers.enabled = false;
    })
    .await
    .unwrap();
    let w = world(&a).await;
    let (id1, link1) = share_to(&a, &w, "one@example.com").await;
    let (id2, link2) = share_to(&a, &w, "two@example.com").await;
    // Both recipients read on instance B.
    let r1 = reader(&b, &link1.replace(&a.base, &b.base)).await;
    let r2 = reader(&b, &link2.replace(&a.base, &b.base)).await;
    assert_eq!(b.get(&r1, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::OK);
    // Revoke one on A: B refuses its next request; the other still reads.
    assert_eq!(call(&a, &w.anna, "revoke_share", json!({ "share_id": id1 })).await.0, StatusCode::OK);
    assert_eq!(b.get(&r1, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::GONE);
    assert_eq!(b.get(&r2, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::OK);
    // Revoke all on A: the other too.
    let (s, n) = call(&a, &w.anna, "revoke_client_shares", json!({ "client_id": w.client_id })).await;
    assert_eq!((s, n), (StatusCode::OK, json!(1)));
    assert_eq!(b.get(&r2, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::GONE);
    assert_eq!(row(&a, &id2).await.status, "revoked");
    assert_eq!(events(&a, "share.revoked").await, 2);
    assert_eq!(events(&a, "share.revoked_all").await, 1);
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_reaches_another_instance_sqlite() {
    revoke_reaches_another_instance(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_reaches_another_instance_postgres() {
    revoke_reaches_another_instance(Db::Postgres).await;
}

both_dbs!(the_sweep_expires_shares_and_reminds_senders, |app: TestApp| async move {
    let w = world(&app).await;
    let (gone, link) = share_to(&app, &w, "gone@example.com").await;
    let (soon, _) = share_to(&app, &w, "soon@example.com").await;
    let c = reader(&app, &link).await;
    let db = &app.state().db;
    let set_expiry = |id: String, at: chrono::DateTime<chrono::Utc>| async move {
        share::Entity::update_many()
            .col_expr(share::Column::ExpiresAt, sea_orm::sea_query::Expr::value(at))
            .filter(share::Column::Id.eq(id))
            .exec(db)
            .await
            .unwrap();
    };
    let now = chrono::Utc::now();
    set_expiry(gone.clone(), now - chrono::Duration::minutes(1)).await;
    set_expiry(soon.clone(), now + chrono::Duration::hours(5)).await;
    // Two sweeps at once (two instances): each share is expired and reminded once.
    let (x, y) = tokio::join!(server::shares::sweep_once(db), server::shares::sweep_once(db));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(x.0 + y.0 >= 1 && x.1 + y.1 <= 1, "{x:?} {y:?}");
    server::shares::sweep_once(db).await.unwrap();
    assert_eq!(row(&app, &gone).await.status, "expired");
    assert_eq!(events(&app, "share.expired").await, 1);
    let reminded = notification::Entity::find().filter(notification::Column::Kind.eq("share.expiring")).count(db);
    assert_eq!(reminded.await.unwrap(), 1);
    // The expired share's reader is cut off.
    assert_eq!(app.get(&c, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::GONE);
    // Extending brings an expired share back.
    assert_eq!(
        call(&app, &w.anna, "extend_share", json!({ "share_id": gone, "expires_on": in_days(2) })).await.0,
        StatusCode::OK
    );
    assert_eq!(row(&app, &gone).await.status, "opened");
    app.stop().await;
});
