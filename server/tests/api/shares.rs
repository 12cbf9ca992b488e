//! After sharing: the Shared tab's list and each action (revoke one or all, extend,
//! resend, unlock) with its permission and access checks and its audit event; revoking
//! cuts off an open recipient session on another instance; the expiry sweep.

use crate::common::*;
use reqwest::{Client, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use server::platform::entities::{audit_event, notification, share};

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
    // Each names the client and the documents.
    assert!(
        texts.contains(
            &"A share with Gail Green (Nora Quinnell’s “Letter to GP”) was locked after too many failed attempts."
        ) && texts.contains(&"Gail Green opened Nora Quinnell’s “Letter to GP”."),
        "{texts:?}"
    );
    let (_, ben_notes) = call(&app, &w.ben, "list_notifications", json!({})).await;
    assert_eq!(ben_notes, json!([]), "notifications are the sender's own");

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
    let key = server::platform::crypto::Keys::generate_master();
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
    let (x, y) = tokio::join!(server::sharing::after::sweep_once(db), server::sharing::after::sweep_once(db));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(x.0 + y.0 >= 1 && x.1 + y.1 <= 1, "{x:?} {y:?}");
    server::sharing::after::sweep_once(db).await.unwrap();
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

both_dbs_with!(
    the_practice_wide_list_filters_pages_and_revokes_in_bulk,
    |c: &mut server::config::Config| c.workers.poll_ms = 50,
    |app: TestApp| async move {
        let w = world(&app).await;
        let recipient = |i: usize| {
            json!({ "kind": "Other", "ref_id": null, "name": format!("Reader {i:02}"), "email": format!("r{i:02}@example.org"),
                    "phone": "", "method": "Passcode", "passcode": PASSCODE, "sections": {} })
        };
        for batch in 0..3 {
            let (s, out) = call(
                &app,
                &w.anna,
                "create_shares",
                json!({ "request": {
                    "client_id": w.client_id, "document_ids": [w.doc_id], "delivery": "Link", "expires_on": in_days(5),
                    "purpose": "Treatment", "purpose_text": "", "message": "", "psychotherapy_authorisation": "",
                    "confirmed_warnings": true, "recipients": (0..20).map(|i| recipient(batch * 20 + i)).collect::<Vec<_>>() } }),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{out}");
        }
        // The mail worker moves each share from queued to sent: wait for all 60, so the
        // states this test sets below are not changed under it.
        let db = &app.state().db;
        for _ in 0..600 {
            if share::Entity::find().filter(share::Column::Status.eq("sent")).count(db).await.unwrap() == 60 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(share::Entity::find().filter(share::Column::Status.eq("sent")).count(db).await.unwrap(), 60);
        async fn list_as(app: &TestApp, who: &Staff, filter: serde_json::Value) -> serde_json::Value {
            let (s, page) = call(app, who, "list_shares", json!({ "filter": filter })).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            page
        }
        let ids = |page: &serde_json::Value| -> Vec<String> {
            page["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
        };
        // Keyset pages of 50, newest first, each share once; every row names the client.
        let first = list_as(&app, &w.anna, json!({})).await;
        assert_eq!((first["items"].as_array().unwrap().len(), &first["has_more"]), (50, &json!(true)));
        assert_eq!(first["items"][0]["client_name"], "Nora Quinnell");
        let last = &first["items"][49];
        let cursor = format!("{}|{}", last["sent_at"].as_str().unwrap(), last["id"].as_str().unwrap());
        let second = list_as(&app, &w.anna, json!({ "after": cursor })).await;
        assert_eq!((second["items"].as_array().unwrap().len(), &second["has_more"]), (10, &json!(false)));
        let mut all = ids(&first);
        all.extend(ids(&second));
        let mut unique = all.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 60);
        // The access rule: Ben cannot see the client, so none of its shares.
        assert_eq!(list_as(&app, &w.ben, json!({})).await["items"], json!([]));
        // Sue (access, no share permission) sees them but may not revoke.
        assert_eq!(list_as(&app, &w.sue, json!({})).await["items"].as_array().unwrap().len(), 50);
        // "Shared by me".
        assert_eq!(list_as(&app, &w.admin, json!({ "mine": true })).await["items"], json!([]));
        assert_eq!(list_as(&app, &w.anna, json!({ "mine": true })).await["items"].as_array().unwrap().len(), 50);

        // Attention: a locked share, a delivery given up, an unopened share expiring within
        // a day; not a share expiring in five days, nor one already expired.
        let set = |id: &str, status: &str, hours: i64| {
            let (id, status) = (id.to_owned(), status.to_owned());
            async move {
                share::Entity::update_many()
                    .col_expr(share::Column::Status, sea_orm::sea_query::Expr::value(status))
                    .col_expr(
                        share::Column::ExpiresAt,
                        sea_orm::sea_query::Expr::value(chrono::Utc::now() + chrono::Duration::hours(hours)),
                    )
                    .filter(share::Column::Id.eq(id))
                    .exec(db)
                    .await
                    .unwrap();
            }
        };
        set(&all[0], "locked", 100).await;
        set(&all[1], "failed", 100).await;
        set(&all[2], "sent", 12).await;
        set(&all[3], "sent", -1).await;
        set(&all[4], "opened", 12).await;
        let attention = list_as(&app, &w.anna, json!({ "attention": true })).await;
        assert_eq!(ids(&attention), all[..3].to_vec(), "{attention}");
        let statuses: Vec<&str> =
            attention["items"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["Locked", "Failed", "Sent"]);
        assert_eq!(ids(&list_as(&app, &w.anna, json!({ "status": "Expired" })).await), [all[3].clone()]);
        assert_eq!(ids(&list_as(&app, &w.anna, json!({ "status": "Locked" })).await), [all[0].clone()]);
        // Dates: sent today; nothing sent tomorrow; a reversed range is refused.
        assert_eq!(list_as(&app, &w.anna, json!({ "since": in_days(1) })).await["items"], json!([]));
        assert_eq!(list_as(&app, &w.anna, json!({ "until": in_days(0) })).await["items"].as_array().unwrap().len(), 50);
        for (filter, field) in
            [(json!({ "since": in_days(1), "until": in_days(0) }), "until"), (json!({ "after": "nonsense" }), "after")]
        {
            let (s, b) = call(&app, &w.anna, "list_shares", json!({ "filter": filter })).await;
            assert_eq!((s, b["Invalid"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{b}");
        }

        // Bulk revoke: each share checked, all or none.
        let pick = json!({ "share_ids": [all[5], all[6], all[0]] });
        assert_eq!(call(&app, &w.ben, "revoke_shares", pick.clone()).await.0, StatusCode::NOT_FOUND);
        assert_eq!(call(&app, &w.sue, "revoke_shares", pick.clone()).await.0, StatusCode::FORBIDDEN);
        assert_eq!(row(&app, &all[5]).await.status, "sent", "nothing revoked by a refused request");
        let (s, n) = call(&app, &w.anna, "revoke_shares", pick.clone()).await;
        assert_eq!((s, n), (StatusCode::OK, json!(3)));
        for id in [&all[5], &all[6], &all[0]] {
            assert_eq!(row(&app, id).await.status, "revoked");
        }
        assert_eq!(events(&app, "share.revoked").await, 3, "one audit event each");
        assert_eq!(call(&app, &w.anna, "revoke_shares", pick).await.1, json!(0), "already revoked");
        let (s, b) = call(&app, &w.anna, "revoke_shares", json!({ "share_ids": [] })).await;
        assert_eq!((s, b["Invalid"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("share_ids")));
        app.stop().await;
    }
);

both_dbs!(lists_say_who_may_act_and_show_times_in_the_practice_zone, |app: TestApp| async move {
    let w = world(&app).await;
    share_to(&app, &w, "gail@gp.test").await;
    async fn shares(app: &TestApp, who: &Staff, client_id: &str) -> serde_json::Value {
        let (s, b) = call(app, who, "list_client_shares", json!({ "client_id": client_id, "status": null })).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        b
    }

    // The list and the client's file say whether the caller may act: Sue sees both, with
    // nothing to press; Anna may share and act.
    assert_eq!(shares(&app, &w.anna, &w.client_id).await[0]["can_act"], true);
    assert_eq!(shares(&app, &w.sue, &w.client_id).await[0]["can_act"], false);
    let (_, anna_file) = app.server_fn(&w.anna.client, "get_client", &[("id", &w.client_id)]).await;
    let (_, sue_file) = app.server_fn(&w.sue.client, "get_client", &[("id", &w.client_id)]).await;
    assert_eq!((anna_file["can_share"].as_bool(), sue_file["can_share"].as_bool()), (Some(true), Some(false)));
    let (_, doc) = call(&app, &w.sue, "get_document", json!({ "id": w.doc_id })).await;
    assert_eq!(doc["can_share"], false);

    // The practice's zone: set up without a browser, it is UTC; an unknown zone is
    // refused beside its field; a real one is what staff see.
    let (_, me) = app.server_fn(&w.anna.client, "get_me", &[]).await;
    assert_eq!(me["time_zone"], "UTC");
    let (_, mut settings) = call(&app, &w.admin, "sharing_settings", json!({})).await;
    settings["time_zone"] = json!("Mars/Olympus_Mons");
    let (s, b) = call(&app, &w.admin, "save_sharing_settings", json!({ "settings": settings })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["Invalid"]["field"], "time_zone", "{b}");
    settings["time_zone"] = json!("America/New_York");
    let (s, b) = call(&app, &w.admin, "save_sharing_settings", json!({ "settings": settings })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, me) = app.server_fn(&w.anna.client, "get_me", &[]).await;
    assert_eq!(me["time_zone"], "America/New_York");
    let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let offset_now = {
        use chrono::Offset;
        chrono::Utc::now().with_timezone(&ny).offset().fix().local_minus_utc()
    };
    let offset_of = |t: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap()).unwrap().offset().local_minus_utc()
    };
    let list = shares(&app, &w.anna, &w.client_id).await;
    assert_eq!(offset_of(&list[0]["sent_at"]), offset_now, "{}", list[0]["sent_at"]);
    let (s, audit) = call(&app, &w.admin, "list_audit", json!({ "filter": {}, "page": 0 })).await;
    assert_eq!(s, StatusCode::OK, "{audit}");
    assert_eq!(offset_of(&audit["items"][0]["at"]), offset_now);
    // The audit export stays UTC, ISO 8601 with `Z`.
    let csv = w.admin.client.get(app.url("/app/audit/export.csv")).send().await.unwrap().text().await.unwrap();
    let first = csv.lines().nth(1).unwrap();
    assert!(first.split(',').nth(1).is_some_and(|at| at.ends_with('Z')), "{first}");
    app.stop().await;
});

/// PostgreSQL sessions run without JIT: the access rule's fenced `EXISTS` gives a
/// practitioner's lists cost estimates in the millions, and compiling those queries with
/// LLVM took 240 ms each for 3 ms of work (`platform::db::connect_and_migrate`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sessions_run_without_jit() {
    use sea_orm::ConnectionTrait;
    let Some(app) = spawn(Db::Postgres).await else { return };
    let statement = sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, "SHOW jit");
    let row = app.state().db.query_one(statement).await.unwrap().expect("one row");
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "off");
    app.stop().await;
}
