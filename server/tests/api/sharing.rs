//! Sharing: one share per recipient with its own token and second factor, snapshots with
//! the section rules applied, emails through the outbox without clinical data, and every
//! rule of the wizard enforced by the server.

use crate::common::*;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use server::platform::entities::{share, share_document};

struct World {
    admin: Staff,
    anna: Staff,
    ben: Staff,
    client_id: String,
    mother_id: String,
    gail_id: String,
    note_id: String,
    letter_id: String,
}

async fn world(app: &TestApp) -> World {
    setup_practice(app, "Calm Clinic").await;
    let admin = sign_in_first_time(app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(app, &admin, "Anna Byrne", "anna@clinic.test", "Practitioner").await;
    let ben = invite_and_enrol(app, &admin, "Ben Okafor", "ben@clinic.test", "Practitioner").await;
    let (status, id) = app
        .server_fn(
            &anna.client,
            "create_client",
            &[
                ("first_name", "Nora"),
                ("last_name", "Quinnell"),
                ("date_of_birth", "1990-02-03"),
                ("email", "nora@example.com"),
                ("mobile", "07400 123456"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{id}");
    let client_id = id.as_str().unwrap().to_owned();
    let (status, _) = app
        .server_fn(
            &anna.client,
            "add_client_contact",
            &[
                ("client_id", &client_id),
                ("kind", "relationship"),
                ("name", "Pat Quinnell"),
                ("relationship", "Mother"),
                ("email", "pat@example.com"),
                ("phone", "07400 654321"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, detail) = app.server_fn(&anna.client, "get_client", &[("id", &client_id)]).await;
    let mother_id = detail["contacts"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .server_fn(
            &admin.client,
            "save_contact",
            &[("name", "Dr Gail Green"), ("organisation", "Harbour GP"), ("kind", "gp"), ("email", "gail@gp.test")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, contacts) = app.server_fn(&admin.client, "list_contacts", &[("query", "gail")]).await;
    let gail_id = contacts["items"][0]["id"].as_str().unwrap().to_owned();
    let save = |draft: Value| {
        let client_id = client_id.clone();
        let anna = &anna;
        async move {
            let (status, id) =
                call(app, anna, "save_document", json!({ "client_id": client_id, "id": null, "draft": draft })).await;
            assert_eq!(status, StatusCode::OK, "{id}");
            id.as_str().unwrap().to_owned()
        }
    };
    let note_id = save(
        json!({ "kind": "ConsultationNote", "title": "Session 3", "date": "2026-11-20", "is_psychotherapy": false,
        "body": { "type": "Sections", "sections": [
            { "title": "Subjective", "text": "SUBJECTIVE-TEXT", "internal": false },
            { "title": "Assessment", "text": "ASSESSMENT-TEXT", "internal": false },
            { "title": "Office use only", "text": "INTERNAL-TEXT", "internal": true } ] } }),
    )
    .await;
    let letter_id =
        save(json!({ "kind": "Letter", "title": "Letter to GP", "date": "2026-11-21", "is_psychotherapy": false,
        "body": { "type": "Letter", "addressee": "Dr Gail Green", "body": "LETTER-TEXT" } }))
        .await;
    World { admin, anna, ben, client_id, mother_id, gail_id, note_id, letter_id }
}

fn request(w: &World, recipients: Value) -> Value {
    json!({ "request": {
        "client_id": w.client_id,
        "document_ids": [w.note_id, w.letter_id],
        "recipients": recipients,
        "delivery": "Link",
        "expires_on": in_days(7),
        "purpose": "Treatment",
        "purpose_text": "",
        "message": "",
        "psychotherapy_authorisation": "",
        "confirmed_warnings": true,
    } })
}

fn client_recipient(w: &World) -> Value {
    json!({ "kind": "Client", "ref_id": w.client_id, "name": "Nora Quinnell", "email": "nora@example.com",
            "phone": "", "method": "DateOfBirth", "passcode": "", "sections": { w.note_id.clone(): [0] } })
}

fn gail(w: &World) -> Value {
    json!({ "kind": "Contact", "ref_id": w.gail_id, "name": "Dr Gail Green", "email": "gail@gp.test",
            "phone": "", "method": "Passcode", "passcode": "tide pool lantern 42", "sections": {} })
}

fn mother(w: &World) -> Value {
    json!({ "kind": "Relation", "ref_id": w.mother_id, "name": "Pat Quinnell", "email": "pat@example.com",
            "phone": "+447400654321", "method": "Sms", "passcode": "", "sections": {} })
}

fn open_snapshot(app: &TestApp, s: &share::Model, d: &share_document::Model) -> String {
    let keys = &app.state().keys;
    let dek = keys.unwrap_key(&s.wrapped_key, &format!("share:{}:dek", s.id)).expect("share key unwraps");
    let plain =
        server::platform::crypto::open_with(&dek, &d.snapshot, &format!("share:{}:doc:{}", s.id, d.document_id))
            .expect("opens");
    String::from_utf8(plain).unwrap()
}

both_dbs!(one_share_per_recipient_with_snapshots_and_clean_emails, |app: TestApp| async move {
    let w = world(&app).await;
    let (status, ctx) = call(&app, &w.anna, "share_context", json!({ "client_id": w.client_id })).await;
    assert_eq!(status, StatusCode::OK, "{ctx}");
    assert_eq!(ctx["client"]["email"], "nora@example.com");
    assert_eq!(ctx["relations"][0]["name"], "Pat Quinnell");
    assert_eq!(ctx["max_expiry_days"], 14);
    let (_, found) = call(&app, &w.anna, "search_recipients", json!({ "query": "gail" })).await;
    assert_eq!(found[0]["name"], "Dr Gail Green");
    assert_eq!(found[0]["kind"], "Contact");

    let (status, out) =
        call(&app, &w.anna, "create_shares", request(&w, json!([client_recipient(&w), gail(&w), mother(&w)]))).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["shares"].as_array().unwrap().len(), 3);

    let db = &app.state().db;
    let shares = share::Entity::find().all(db).await.unwrap();
    assert_eq!(shares.len(), 3);
    let tokens: std::collections::BTreeSet<_> = shares.iter().map(|s| s.token_hash.clone()).collect();
    assert_eq!(tokens.len(), 3, "each recipient has their own link");
    let by_email = |e: &str| shares.iter().find(|s| s.recipient_email == e).unwrap().clone();
    let (nora, g, pat) = (by_email("nora@example.com"), by_email("gail@gp.test"), by_email("pat@example.com"));
    assert_eq!((nora.method.as_str(), g.method.as_str(), pat.method.as_str()), ("date_of_birth", "passcode", "sms"));
    assert!(g.passcode_hash.as_deref().is_some_and(|h| h.starts_with("$argon2id$")), "passcodes are hashed");
    assert!(nora.passcode_hash.is_none());

    // Snapshots: the client got the chosen section only; third parties the whole note;
    // nobody the internal section.
    let snaps = share_document::Entity::find().all(db).await.unwrap();
    assert_eq!(snaps.len(), 6);
    let note_for = |s: &share::Model| {
        let d = snaps.iter().find(|d| d.share_id == s.id && d.document_id == w.note_id).unwrap();
        open_snapshot(&app, s, d)
    };
    let (n, gg) = (note_for(&nora), note_for(&g));
    assert!(n.contains("SUBJECTIVE-TEXT") && !n.contains("ASSESSMENT-TEXT") && !n.contains("INTERNAL-TEXT"), "{n}");
    assert!(gg.contains("SUBJECTIVE-TEXT") && gg.contains("ASSESSMENT-TEXT") && !gg.contains("INTERNAL-TEXT"), "{gg}");
    assert!(snaps.iter().all(|d| !d.snapshot.contains("TEXT")), "snapshots are encrypted at rest");

    // Later edits do not change what was shared.
    let (status, _) = call(&app, &w.anna, "save_document", json!({ "client_id": w.client_id, "id": w.note_id, "draft": {
        "kind": "ConsultationNote", "title": "Session 3", "date": "2026-11-20", "is_psychotherapy": false,
        "body": { "type": "Sections", "sections": [{ "title": "Subjective", "text": "REWRITTEN", "internal": false }] } } })).await;
    assert_eq!(status, StatusCode::OK);
    assert!(note_for(&g).contains("SUBJECTIVE-TEXT"));

    // The emails: practice, sender, expiry and the link; no clinical data, no passcode.
    for to in ["nora@example.com", "gail@gp.test", "pat@example.com"] {
        let mail = app.wait_for_mail(to, "shared documents").await;
        assert!(mail.contains("Calm Clinic") && mail.contains("Anna Byrne"), "{mail}");
        assert!(mail.contains(&format!("{}/s/", app.base)), "the link");
        // Recipients are greeted by their own name; the client's name never goes to others.
        let client_name = if to == "gail@gp.test" { "Quinnell" } else { "Nora-never" };
        for secret in
            ["SUBJECTIVE", "LETTER-TEXT", "Session 3", "Letter to GP", client_name, "tide pool lantern", "Consultation"]
        {
            assert!(!mail.contains(secret), "{secret} must not be in the email to {to}");
        }
    }
    // The worker marks the shares sent.
    for _ in 0..50 {
        if share::Entity::find().filter(share::Column::Status.eq("sent")).all(db).await.unwrap().len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(share::Entity::find().filter(share::Column::Status.eq("sent")).all(db).await.unwrap().len(), 3);
    let events = server::platform::entities::audit_event::Entity::find()
        .filter(server::platform::entities::audit_event::Column::Action.eq("share.created"))
        .all(db)
        .await
        .unwrap();
    assert_eq!(events.len(), 3, "one audit event per share");
    assert!(events.iter().all(|e| !e.detail.contains("TEXT") && !e.detail.contains("tide pool")));

    // A typed-in recipient is offered by the autocomplete afterwards, under their newest name.
    let typed = |name: &str| {
        json!({ "kind": "Other", "ref_id": null, "name": name, "email": "sam@spec.test",
                "phone": "", "method": "Passcode", "passcode": "tide pool lantern 42", "sections": {} })
    };
    assert_eq!(call(&app, &w.anna, "search_recipients", json!({ "query": "spec.test" })).await.1, json!([]));
    for name in ["Sam Special", "Dr Sam Special"] {
        let (s, b) = call(&app, &w.anna, "create_shares", request(&w, json!([typed(name)]))).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    for q in ["spec.test", "dr sam"] {
        let (_, found) = call(&app, &w.anna, "search_recipients", json!({ "query": q })).await;
        assert_eq!(found.as_array().unwrap().len(), 1, "{q}: {found}");
        assert_eq!(found[0]["name"], "Dr Sam Special");
        assert_eq!(
            (found[0]["kind"].as_str(), found[0]["detail"].as_str()),
            (Some("Other"), Some("Shared with before"))
        );
    }

    // Limited to known contacts: someone once typed in is neither offered nor accepted.
    let (_, mut settings) = call(&app, &w.admin, "sharing_settings", json!({})).await;
    settings["free_typed_recipients"] = json!(false);
    assert_eq!(call(&app, &w.admin, "save_sharing_settings", json!({ "settings": settings })).await.0, StatusCode::OK);
    let (_, found) = call(&app, &w.anna, "search_recipients", json!({ "query": "spec.test" })).await;
    assert_eq!(found, json!([]), "no previous free-typed recipient: {found}");
    let (_, found) = call(&app, &w.anna, "search_recipients", json!({ "query": "gail" })).await;
    assert_eq!(found[0]["kind"], "Contact", "the contact book is still offered: {found}");
    let (s, b) = call(&app, &w.anna, "create_shares", request(&w, json!([typed("Dr Sam Special")]))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["Invalid"]["field"], "recipients.0.email", "{b}");
    app.stop().await;
});

both_dbs!(the_server_enforces_every_wizard_rule, |app: TestApp| async move {
    let w = world(&app).await;
    let expect = |status: StatusCode, body: &Value, want: StatusCode, field: Option<&str>| {
        assert_eq!(status, want, "{body}");
        if let Some(f) = field {
            assert_eq!(body["Invalid"]["field"], f, "{body}");
        }
    };
    // Another practitioner without access: not found, as if the client did not exist.
    let (s, b) = call(&app, &w.ben, "share_context", json!({ "client_id": w.client_id })).await;
    expect(s, &b, StatusCode::NOT_FOUND, None);
    let (s, b) = call(&app, &w.ben, "create_shares", request(&w, json!([gail(&w)]))).await;
    expect(s, &b, StatusCode::NOT_FOUND, None);
    // A role without the share permission.
    let (_, role) = app.server_fn(&w.admin.client, "create_role", &[("name", "Reception")]).await;
    assert!(role["id"].is_string(), "{role}");
    let clerk = invite_and_enrol(&app, &w.admin, "Cal Clerk", "cal@clinic.test", "Reception").await;
    let (s, b) = call(&app, &clerk, "create_shares", request(&w, json!([gail(&w)]))).await;
    expect(s, &b, StatusCode::FORBIDDEN, None);

    let with = |f: &dyn Fn(&mut Value)| {
        let mut r = request(&w, json!([gail(&w)]));
        f(&mut r["request"]);
        r
    };
    for (req, field) in [
        (with(&|r| r["expires_on"] = json!(in_days(15))), "expires_on"),
        (with(&|r| r["expires_on"] = json!(in_days(0))), "expires_on"),
        (with(&|r| r["expires_on"] = json!("next week")), "expires_on"),
        (with(&|r| r["document_ids"] = json!([])), "document_ids"),
        (with(&|r| r["recipients"] = json!([])), "recipients"),
        (with(&|r| r["recipients"][0]["passcode"] = json!("short")), "recipients.0.passcode"),
        (with(&|r| r["recipients"][0]["method"] = json!("DateOfBirth")), "recipients.0.method"),
        (with(&|r| r["recipients"][0]["method"] = json!("Sms")), "recipients.0.phone"),
        (with(&|r| r["recipients"][0]["email"] = json!("not-an-email")), "recipients.0.email"),
        (with(&|r| r["recipients"][0]["sections"] = json!({ w.note_id.clone(): [0] })), "recipients.0.sections"),
        (with(&|r| r["purpose"] = json!("Other")), "purpose_text"),
        (with(&|r| r["delivery"] = json!("Attachment")), "delivery"),
        (with(&|r| r["recipients"] = json!([gail(&w), gail(&w)])), "recipients.1.email"),
    ] {
        let (s, b) = call(&app, &w.anna, "create_shares", req).await;
        expect(s, &b, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
    }
    // A document of another client is not found.
    let other = create_client(&app, &w.anna, "Omar", "Reyes").await;
    let mut r = request(&w, json!([gail(&w)]));
    r["request"]["client_id"] = json!(other);
    let (s, b) = call(&app, &w.anna, "create_shares", r).await;
    expect(s, &b, StatusCode::NOT_FOUND, None);

    // Psychotherapy notes need the client's recorded authorisation.
    let (_, psy) = call(
        &app,
        &w.anna,
        "save_document",
        json!({ "client_id": w.client_id, "id": null, "draft": {
        "kind": "ConsultationNote", "title": "Process notes", "date": "2026-11-22", "is_psychotherapy": true,
        "body": { "type": "Sections", "sections": [{ "title": "Notes", "text": "PSY", "internal": false }] } } }),
    )
    .await;
    let mut r = request(&w, json!([gail(&w)]));
    r["request"]["document_ids"] = json!([psy]);
    let (s, b) = call(&app, &w.anna, "create_shares", r.clone()).await;
    expect(s, &b, StatusCode::UNPROCESSABLE_ENTITY, Some("psychotherapy_authorisation"));
    r["request"]["psychotherapy_authorisation"] = json!("Signed authorisation form, 2026-11-20");
    let (s, b) = call(&app, &w.anna, "create_shares", r).await;
    expect(s, &b, StatusCode::OK, None);

    // The misdirection guard: a first-time typed address and one a keystroke from a known
    // one are flagged; sending without confirming is refused.
    let typed = json!({ "kind": "Other", "ref_id": null, "name": "Gale Green", "email": "gail@gp.tesx",
        "phone": "", "method": "Passcode", "passcode": "tide pool lantern 42", "sections": {} });
    let mut r = request(&w, json!([typed]));
    r["request"]["confirmed_warnings"] = json!(false);
    let (s, warnings) = call(&app, &w.anna, "check_recipients", r.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(warnings[0]["message"].as_str().unwrap().contains("very close to gail@gp.test"), "{warnings}");
    let (s, b) = call(&app, &w.anna, "create_shares", r).await;
    expect(s, &b, StatusCode::CONFLICT, None);
    app.stop().await;
});

both_dbs!(sharing_settings_are_admin_only_validated_and_audited, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(&app, &admin, "Anna Byrne", "anna@clinic.test", "Practitioner").await;
    let (s, settings) = call(&app, &admin, "sharing_settings", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(call(&app, &anna, "sharing_settings", json!({})).await.0, StatusCode::FORBIDDEN);
    let mut bad = settings.clone();
    bad["template"]["body"] = json!("Hello {{ recipient_name }}, {{ diagnosis }} {{ link }}");
    let (s, b) = call(&app, &admin, "save_sharing_settings", json!({ "settings": bad })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b["Invalid"]["message"].as_str().unwrap().contains("diagnosis"), "{b}");
    let mut good = settings.clone();
    good["max_expiry_days"] = json!(5);
    good["from"]["invoices"] = json!("billing@calm.test");
    let (s, b) = call(&app, &admin, "save_sharing_settings", json!({ "settings": good })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, after) = call(&app, &admin, "sharing_settings", json!({})).await;
    assert_eq!(after["max_expiry_days"], 5);
    let db = &app.state().db;
    let events = server::platform::entities::audit_event::Entity::find()
        .filter(server::platform::entities::audit_event::Column::Action.eq("settings.sharing_saved"))
        .all(db)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert!(events[0].detail.contains("max_expiry_days") && events[0].detail.contains("from"));

    // The practice's name lives on the practice; an empty one is refused by field.
    let mut renamed = after.clone();
    renamed["practice_name"] = json!("Calm Clinic Harbour");
    assert_eq!(call(&app, &admin, "save_sharing_settings", json!({ "settings": renamed })).await.0, StatusCode::OK);
    let practice = server::platform::entities::practice::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(practice.name, "Calm Clinic Harbour");
    let mut unnamed = after.clone();
    unnamed["practice_name"] = json!("  ");
    let (s, b) = call(&app, &admin, "save_sharing_settings", json!({ "settings": unnamed })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["Invalid"]["field"], "practice_name", "{b}");

    // Preview and "send a test to me" use the template being edited, unsaved.
    let template = json!({ "subject": "Documents from {{ practice_name }}",
                           "body": "Dear {{ recipient_name }},\n\n{{ link }}\n\nUntil {{ expires }}." });
    let (s, p) = call(&app, &admin, "preview_share_email", json!({ "template": template })).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["subject"], "Documents from Calm Clinic Harbour");
    assert!(p["text"].as_str().unwrap().starts_with("Dear Ada Admin,"), "{p}");
    let (s, b) =
        call(&app, &admin, "preview_share_email", json!({ "template": { "subject": "x", "body": "no link" } })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(
        call(&app, &anna, "preview_share_email", json!({ "template": template })).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, to) = call(&app, &admin, "send_test_email", json!({ "template": template })).await;
    assert_eq!((s, to.as_str()), (StatusCode::OK, Some(ADMIN_EMAIL)));
    let mail = app.wait_for_mail(ADMIN_EMAIL, "Documents from Calm Clinic Harbour").await;
    assert!(mail.contains("Dear Ada Admin"), "{mail}");

    // The logo: PNG or JPEG up to 24 KB, admins only, served with immutable caching.
    let png = |len: usize| {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.resize(len, 0);
        b
    };
    let upload = |who: &Staff, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("logo.png").mime_str("image/png").unwrap());
        who.client.post(app.url("/app/settings/logo")).header("origin", &app.base).multipart(form).send()
    };
    for (bytes, code) in
        [(png(30 * 1024), "logo_too_big"), (b"not an image".to_vec(), "logo_type"), (png(2000), "logo_saved")]
    {
        let r = upload(&admin, bytes).await.unwrap();
        assert_eq!(location(&r), format!("/app/settings/sharing?m={code}"));
    }
    assert_eq!(upload(&anna, png(2000)).await.unwrap().status(), StatusCode::FORBIDDEN);
    let (_, now) = call(&app, &admin, "sharing_settings", json!({})).await;
    let href = now["logo_url"].as_str().expect("a logo").to_owned();
    let r = app.client.get(app.url(&href)).send().await.unwrap();
    assert_eq!(r.headers().get("content-type").unwrap(), "image/png");
    assert!(r.headers().get("cache-control").unwrap().to_str().unwrap().contains("immutable"));
    assert_eq!(r.bytes().await.unwrap().len(), 2000);
    // Saving the other settings leaves the logo alone.
    assert_eq!(call(&app, &admin, "save_sharing_settings", json!({ "settings": now })).await.0, StatusCode::OK);
    let (_, again) = call(&app, &admin, "sharing_settings", json!({})).await;
    assert_eq!(again["logo_url"].as_str(), Some(href.as_str()));
    app.stop().await;
});

both_dbs!(attachments_carry_watermarked_pdfs_and_no_link, |app: TestApp| async move {
    let w = world(&app).await;
    // Not allowed until the practice allows it.
    let mut req = request(&w, json!([gail(&w)]));
    req["request"]["delivery"] = json!("Attachment");
    let (s, b) = call(&app, &w.anna, "create_shares", req.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["Invalid"]["field"], "delivery");
    let (_, mut settings) = call(&app, &w.admin, "sharing_settings", json!({})).await;
    settings["attachments_allowed"] = json!(true);
    assert_eq!(call(&app, &w.admin, "save_sharing_settings", json!({ "settings": settings })).await.0, StatusCode::OK);
    // No second factor is asked for: a contact without a phone and a passcode is fine.
    req["request"]["recipients"][0]["method"] = json!("Sms");
    let marker = uuid::Uuid::now_v7().to_string();
    req["request"]["message"] = json!(format!("Reference {marker}"));
    let (s, out) = call(&app, &w.anna, "create_shares", req).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let db = &app.state().db;
    let sh = share::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!((sh.delivery.as_str(), sh.method.as_str()), ("attachment", "none"));
    let mail = app.wait_for_mail_with("gail@gp.test", "shared documents", &marker).await;
    assert!(mail.contains("attached to this email") && !mail.contains("/s/"), "no link in an attachment email: {mail}");
    let files = mail_attachments(&app, "gail@gp.test", "shared documents", &marker).await;
    let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, ["Session 3.pdf", "Letter to GP.pdf"], "{files:?}");
    assert!(files.iter().all(|f| f.1 == "application/pdf" && f.2 > 500), "{files:?}");
    app.stop().await;
});

both_dbs_with!(
    share_email_is_retried_after_an_smtp_failure,
    |c: &mut server::config::Config| c.workers.enabled = false,
    |app: TestApp| async move {
        // No worker runs in this server: the test drives the outbox itself.
        setup_practice(&app, "Calm Clinic").await;
        let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
        let (_, id) = app
            .server_fn(
                &admin.client,
                "create_client",
                &[
                    ("first_name", "Gail"),
                    ("last_name", "Green"),
                    ("date_of_birth", "1970-01-02"),
                    ("email", "gail@gp.test"),
                ],
            )
            .await;
        let client_id = id.as_str().unwrap().to_owned();
        let (s, doc) = call(
            &app,
            &admin,
            "save_document",
            json!({ "client_id": client_id, "id": null, "draft": {
            "kind": "Letter", "title": "Letter", "date": "2026-11-21", "is_psychotherapy": false,
            "body": { "type": "Letter", "addressee": "Gail", "body": "LETTER-TEXT" } } }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{doc}");
        let (s, out) = call(
            &app,
            &admin,
            "create_shares",
            json!({ "request": {
            "client_id": client_id, "document_ids": [doc], "delivery": "Link", "expires_on": in_days(3),
            "purpose": "PatientRequest", "purpose_text": "", "message": "", "psychotherapy_authorisation": "",
            "confirmed_warnings": true,
            "recipients": [{ "kind": "Client", "ref_id": client_id, "name": "Gail Green", "email": "gail@gp.test",
                             "phone": "", "method": "DateOfBirth", "passcode": "", "sections": {} }] } }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{out}");
        let st = app.state();
        let db = &st.db;
        // A server that refuses connections: the attempt is recorded and retried later.
        let mut down = (*st.cfg).clone();
        down.mail.transport = server::config::MailTransportKind::Smtp;
        down.mail.smtp_host = "127.0.0.1".into();
        down.mail.smtp_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        down.mail.smtp_tls = server::config::SmtpTls::None;
        let broken = server::delivery::mail::Transport::from_config(&down).unwrap();
        server::delivery::mail::run_once(db, &st.keys, &broken, &st.cfg.mail.from).await.unwrap();
        let row = server::platform::entities::outbox_email::Entity::find()
            .filter(server::platform::entities::outbox_email::Column::ShareId.is_not_null())
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((row.status.as_str(), row.attempts), ("queued", 1));
        assert!(row.last_error.as_deref().is_some_and(|e| e.starts_with("smtp:")), "{:?}", row.last_error);
        assert!(row.next_attempt_at > chrono::Utc::now(), "backs off");
        assert!(row.payload.is_some(), "kept for the retry");
        assert_eq!(share::Entity::find().one(db).await.unwrap().unwrap().status, "queued");
        // Nothing is due yet; once the backoff has passed the real server takes it.
        let good = server::delivery::mail::Transport::from_config(&st.cfg).unwrap();
        let due = |db: &sea_orm::DatabaseConnection| {
            use sea_orm::ConnectionTrait;
            let db = db.clone();
            async move { db.execute_unprepared("UPDATE outbox_email SET next_attempt_at = created_at").await.unwrap() }
        };
        due(db).await;
        let n = server::delivery::mail::run_once(db, &st.keys, &good, &st.cfg.mail.from).await.unwrap();
        assert!(n >= 1);
        let row = server::platform::entities::outbox_email::Entity::find_by_id(row.id).one(db).await.unwrap().unwrap();
        assert_eq!((row.status.as_str(), row.attempts, row.payload.is_none()), ("sent", 2, true));
        assert_eq!(share::Entity::find().one(db).await.unwrap().unwrap().status, "sent");
        app.wait_for_mail("gail@gp.test", "shared documents").await;
        app.stop().await;
    }
);
