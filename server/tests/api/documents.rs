//! Documents: every structured kind created and read back, encryption at rest checked on
//! the raw rows, access following the client, uploads checked by content, PDFs rendered.

use crate::common::*;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};

async fn save(app: &TestApp, who: &Staff, client_id: &str, draft: Value) -> (StatusCode, Value) {
    let r = who
        .client
        .post(app.url("/api/save_document"))
        .header("origin", &app.base)
        .json(&json!({ "client_id": client_id, "id": null, "draft": draft }))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn json_fn(app: &TestApp, who: &Staff, name: &str, args: Value) -> (StatusCode, Value) {
    let r =
        who.client.post(app.url(&format!("/api/{name}"))).header("origin", &app.base).json(&args).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn drafts() -> Vec<Value> {
    let d = |kind: &str, title: &str, body: Value| json!({ "kind": kind, "title": title, "date": "2026-11-20", "is_psychotherapy": false, "body": body });
    vec![
        d(
            "IntakeForm",
            "Intake",
            json!({ "type": "Form", "items": [{ "question": "Reason for visit", "answer": "Trouble sleeping (SECRET-INTAKE)" }] }),
        ),
        d(
            "ConsentForm",
            "Consent to treatment",
            json!({ "type": "Consent", "text": "I consent to treatment.", "signer_name": "Nora Quinn", "signed_at": "2026-11-01" }),
        ),
        d(
            "ConsultationNote",
            "Session 1",
            json!({ "type": "Sections", "sections": [
            { "title": "Subjective", "text": "Feels better (SECRET-NOTE)", "internal": false },
            { "title": "Office use only", "text": "Billing code 42", "internal": true } ] }),
        ),
        d(
            "TreatmentPlan",
            "Plan",
            json!({ "type": "Sections", "sections": [{ "title": "Goals", "text": "Sleep 7h", "internal": false }] }),
        ),
        d(
            "Letter",
            "Letter to GP",
            json!({ "type": "Letter", "addressee": "Dr Gail Green", "body": "Dear Dr Green, ..." }),
        ),
        d(
            "Prescription",
            "Prescription",
            json!({ "type": "Prescription", "items": [{ "medication": "Melatonin", "dosage": "2 mg", "instructions": "At night" }], "notes": "" }),
        ),
        d(
            "Invoice",
            "Invoice 1001",
            json!({ "type": "Invoice", "currency": "GBP", "items": [{ "description": "Session", "quantity": 2, "unit_cents": 8500 }], "notes": "" }),
        ),
    ]
}

both_dbs!(every_structured_kind_is_stored_encrypted_and_read_back, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let client_id = create_client(&app, &admin, "Nora", "Quinn").await;
    let mut ids = Vec::new();
    for draft in drafts() {
        let (status, id) = save(&app, &admin, &client_id, draft.clone()).await;
        assert_eq!(status, StatusCode::OK, "{draft}: {id}");
        let id = id.as_str().unwrap().to_owned();
        let (status, view) = json_fn(&app, &admin, "get_document", json!({ "id": id })).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(view["body"], draft["body"], "content round-trips");
        assert_eq!(view["client_name"], "Nora Quinn");
        // Every kind renders to a PDF with its title.
        let pdf = admin.client.get(app.url(&format!("/app/documents/{id}/pdf"))).send().await.unwrap();
        assert_eq!(pdf.status(), StatusCode::OK);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
        ids.push(id);
    }
    // A note flagged as a psychotherapy note keeps the flag (the share wizard checks it).
    let mut psy = drafts()[2].clone();
    psy["title"] = json!("Process notes");
    psy["is_psychotherapy"] = json!(true);
    let (status, psy_id) = save(&app, &admin, &client_id, psy).await;
    assert_eq!(status, StatusCode::OK, "{psy_id}");
    let (_, view) = json_fn(&app, &admin, "get_document", json!({ "id": psy_id })).await;
    assert_eq!(view["row"]["is_psychotherapy"], true);
    let (_, view) = json_fn(&app, &admin, "get_document", json!({ "id": ids[2] })).await;
    assert_eq!(view["row"]["is_psychotherapy"], false);

    // The list: most recent first, filterable by kind and title.
    let (_, list) = json_fn(&app, &admin, "list_documents", json!({ "client_id": client_id, "kind": null })).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 8);
    let (_, notes) =
        json_fn(&app, &admin, "list_documents", json!({ "client_id": client_id, "kind": "ConsultationNote" })).await;
    let titles: Vec<_> = notes["items"].as_array().unwrap().iter().map(|d| d["title"].clone()).collect();
    assert_eq!(titles, vec![json!("Process notes"), json!("Session 1")], "newest first");
    let (_, found) =
        json_fn(&app, &admin, "list_documents", json!({ "client_id": client_id, "kind": null, "query": "gp" })).await;
    assert_eq!(found["items"][0]["title"], "Letter to GP");

    // By date: typed in the search (ISO, a month, or day/month/year), or a range.
    let mut old = drafts()[2].clone();
    old["title"] = json!("October review");
    old["date"] = json!("2026-10-20");
    assert_eq!(save(&app, &admin, &client_id, old).await.0, StatusCode::OK);
    let titles_for = |args: Value| {
        let (app, admin, client_id) = (&app, &admin, &client_id);
        async move {
            let mut a = json!({ "client_id": client_id, "kind": null });
            a.as_object_mut().unwrap().extend(args.as_object().unwrap().clone());
            let (status, list) = json_fn(app, admin, "list_documents", a).await;
            assert_eq!(status, StatusCode::OK, "{list}");
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["title"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    for q in ["2026-10-20", "20/10/2026", "2026-10"] {
        assert_eq!(titles_for(json!({ "query": q })).await, ["October review"], "{q}");
    }
    assert_eq!(titles_for(json!({ "to": "2026-10-31" })).await, ["October review"]);
    assert_eq!(titles_for(json!({ "from": "2026-11-01" })).await.len(), 8);
    assert_eq!(titles_for(json!({ "from": "2026-10-20", "to": "2026-10-20" })).await, ["October review"]);
    let (status, b) = json_fn(
        &app,
        &admin,
        "list_documents",
        json!({ "client_id": client_id, "kind": null, "from": "2026-11-02", "to": "2026-11-01" }),
    )
    .await;
    assert_eq!((status, b["Invalid"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("to")), "{b}");

    // The database alone reveals no content: scan every text column of every document row.
    let db = &app.state().db;
    let backend = db.get_database_backend();
    let rows = db
        .query_all(Statement::from_string(
            backend,
            "SELECT id, title, kind, wrapped_key, body FROM document".to_owned(),
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 9, "eight documents and the October review");
    for r in rows {
        let body: String = r.try_get("", "body").unwrap();
        let key: String = r.try_get("", "wrapped_key").unwrap();
        for needle in ["SECRET", "Melatonin", "Dear Dr Green", "Billing code", "consent"] {
            assert!(!body.contains(needle) && !key.contains(needle), "plaintext {needle} in the database");
        }
        assert!(body.starts_with("v1."));
    }
    app.stop().await;
});

both_dbs!(documents_follow_client_access_and_edit_permissions, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(&app, &admin, "Anna Practitioner", "anna@clinic.test", "Practitioner").await;
    let ben = invite_and_enrol(&app, &admin, "Ben Practitioner", "ben@clinic.test", "Practitioner").await;
    let sam = invite_and_enrol(&app, &admin, "Sam Secretary", "sam@clinic.test", "Secretary").await;
    let client_id = create_client(&app, &anna, "Olive", "Owens").await;
    let note = drafts()[2].clone();
    let (status, id) = save(&app, &anna, &client_id, note.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let id = id.as_str().unwrap().to_owned();
    // Ben has no access to the client: nothing about its documents.
    for (name, args) in
        [("get_document", json!({ "id": id })), ("list_documents", json!({ "client_id": client_id, "kind": null }))]
    {
        let (status, body) = json_fn(&app, &ben, name, args).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {body}");
    }
    let (status, _) = save(&app, &ben, &client_id, note.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for path in [format!("/app/documents/{id}/pdf"), format!("/app/documents/{id}/file")] {
        assert_eq!(ben.client.get(app.url(&path)).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Shared with everyone: the secretary can read but may not write notes (no "edit notes").
    let anna_id = {
        let (_, me) = app.server_fn(&anna.client, "get_me", &[]).await;
        me["staff_id"].as_str().unwrap().to_owned()
    };
    app.server_fn(&anna.client, "set_client_access", &[("id", &client_id), ("owner_id", &anna_id), ("mode", "all")])
        .await;
    let (status, _) = json_fn(&app, &sam, "get_document", json!({ "id": id })).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = save(&app, &sam, &client_id, note).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // ...but may write an invoice.
    let (status, _) = save(&app, &sam, &client_id, drafts()[6].clone()).await;
    assert_eq!(status, StatusCode::OK);
    // Invalid drafts are 422 with a field.
    let bad = json!({ "kind": "Invoice", "title": "X", "date": "2026-11-20", "is_psychotherapy": false,
        "body": { "type": "Invoice", "currency": "pounds", "items": [], "notes": "" } });
    let (status, body) = save(&app, &sam, &client_id, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "currency");
    let mismatched = json!({ "kind": "Letter", "title": "X", "date": "2026-11-20", "is_psychotherapy": false,
        "body": { "type": "Invoice", "currency": "GBP", "items": [], "notes": "" } });
    let (status, _) = save(&app, &admin, &client_id, mismatched).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
});

both_dbs!(the_practice_wide_list_follows_the_access_rule_and_pages_by_key, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(&app, &admin, "Anna Practitioner", "anna@clinic.test", "Practitioner").await;
    let ben = invite_and_enrol(&app, &admin, "Ben Practitioner", "ben@clinic.test", "Practitioner").await;
    let olive = create_client(&app, &anna, "Olive", "Owens").await;
    let bruno = create_client(&app, &ben, "Bruno", "Baker").await;
    // 55 letters for Olive (more than a page), a consent form for Bruno.
    let mut first_letter = None;
    for i in 0..55 {
        let mut d = drafts()[4].clone();
        d["title"] = json!(format!("Letter {i:02}"));
        d["date"] = json!(format!("2026-10-{:02}", 1 + i % 28));
        let (status, id) = save(&app, &anna, &olive, d.clone()).await;
        assert_eq!(status, StatusCode::OK);
        first_letter.get_or_insert((id, d));
    }
    assert_eq!(drafts()[1]["kind"], "ConsentForm");
    assert_eq!(save(&app, &ben, &bruno, drafts()[1].clone()).await.0, StatusCode::OK);
    async fn list_as(app: &TestApp, who: &Staff, filter: Value) -> Value {
        let (status, page) = json_fn(app, who, "list_practice_documents", json!({ "filter": filter })).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page
    }
    let names = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|d| d["client_name"].as_str().unwrap().to_owned()).collect()
    };
    // The access rule: each practitioner sees only their own client; the admin both.
    let first = list_as(&app, &anna, json!({})).await;
    assert!(names(&first).iter().all(|n| n == "Olive Owens") && first["has_more"] == true, "{first}");
    let bens = list_as(&app, &ben, json!({})).await;
    assert_eq!(names(&bens), ["Bruno Baker"]);
    assert_eq!(
        list_as(&app, &ben, json!({ "query": "owens" })).await["items"],
        json!([]),
        "nothing of a client Ben cannot see"
    );
    assert_eq!(list_as(&app, &ben, json!({ "client_id": olive })).await["items"], json!([]));
    let all = list_as(&app, &admin, json!({ "query": "baker" })).await;
    assert_eq!(names(&all), ["Bruno Baker"], "found by the client's name");
    // The search's ways in (the title, through its trigram index; the date; the client's
    // name) are merged newest first and page by key like the whole list.
    let titles = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|d| d["row"]["title"].as_str().unwrap().to_owned()).collect()
    };
    let mut tens = titles(&list_as(&app, &admin, json!({ "query": "letter 0" })).await);
    tens.sort();
    assert_eq!(tens, (0..10).map(|i| format!("Letter {i:02}")).collect::<Vec<_>>());
    let by_name = list_as(&app, &anna, json!({ "query": "owens" })).await;
    assert_eq!((by_name["items"].as_array().unwrap().len(), &by_name["has_more"]), (50, &json!(true)));
    let rest = list_as(&app, &anna, json!({ "query": "owens", "after": by_name["items"][49]["cursor"] })).await;
    assert_eq!((rest["items"].as_array().unwrap().len(), &rest["has_more"]), (5, &json!(false)));
    let on_day = list_as(&app, &admin, json!({ "query": "2026-10-02" })).await;
    assert_eq!(titles(&on_day).len(), 2, "Letters 01 and 29: {on_day}");
    // A title search that matches more than a page pages like the list itself: the first page
    // (on PostgreSQL, filled from the newest documents) and the next (the rest, from the
    // title index) are the list's own rows in its order; and the access rule still holds.
    let by_title = list_as(&app, &anna, json!({ "query": "letter" })).await;
    assert_eq!((titles(&by_title), &by_title["has_more"]), (titles(&first), &json!(true)));
    let more = list_as(&app, &anna, json!({ "query": "letter", "after": by_title["items"][49]["cursor"] })).await;
    assert_eq!((titles(&more).len(), &more["has_more"]), (5, &json!(false)));
    assert_eq!(list_as(&app, &ben, json!({ "query": "letter" })).await["items"], json!([]));
    // A renamed document is found by its new title only (the index follows the edit).
    let (letter_id, mut letter) = first_letter.unwrap();
    letter["title"] = json!("Referral to Dr Quince");
    let r = anna
        .client
        .post(app.url("/api/save_document"))
        .header("origin", &app.base)
        .json(&json!({ "client_id": olive, "id": letter_id, "draft": letter }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(titles(&list_as(&app, &admin, json!({ "query": "dr quince" })).await), ["Referral to Dr Quince"]);
    assert_eq!(list_as(&app, &admin, json!({ "query": "letter 00" })).await["items"], json!([]));
    assert_eq!(titles(&list_as(&app, &admin, json!({ "query": "letter 0" })).await).len(), 9);
    // Keyset pages: 50, then the rest, newest first, no row twice.
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    let cursor = first["items"][49]["cursor"].clone();
    let second = list_as(&app, &anna, json!({ "after": cursor })).await;
    assert_eq!((second["items"].as_array().unwrap().len(), &second["has_more"]), (5, &json!(false)));
    let mut seen: Vec<String> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|d| format!("{} {}", d["row"]["date"].as_str().unwrap(), d["row"]["title"].as_str().unwrap()))
        .collect();
    let in_order = seen.clone();
    seen.sort();
    seen.reverse();
    assert_eq!(
        in_order.iter().map(|s| &s[..10]).collect::<Vec<_>>(),
        seen.iter().map(|s| &s[..10]).collect::<Vec<_>>()
    );
    seen.dedup();
    assert_eq!(seen.len(), 55);
    // Filters: kind, author, dates; a bad range or cursor is a 422 naming the field.
    assert_eq!(list_as(&app, &admin, json!({ "kind": "ConsentForm" })).await["items"].as_array().unwrap().len(), 1);
    let (_, me) = app.server_fn(&ben.client, "get_me", &[]).await;
    let by_ben = list_as(&app, &admin, json!({ "author_id": me["staff_id"] })).await;
    assert_eq!(names(&by_ben), ["Bruno Baker"]);
    let october_2 = list_as(&app, &anna, json!({ "from": "2026-10-02", "to": "2026-10-02" })).await;
    assert_eq!(october_2["items"].as_array().unwrap().len(), 2, "Letters 01 and 29");
    for (filter, field) in [
        (json!({ "from": "2026-10-03", "to": "2026-10-02" }), "to"),
        (json!({ "from": "October" }), "from"),
        (json!({ "after": "not a cursor" }), "after"),
    ] {
        let (status, body) = json_fn(&app, &anna, "list_practice_documents", json!({ "filter": filter })).await;
        assert_eq!(
            (status, body["Invalid"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{body}"
        );
    }
    app.stop().await;
});

both_dbs!(uploads_are_checked_by_content_and_encrypted, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let client_id = create_client(&app, &admin, "Nora", "Quinn").await;
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("client_id", client_id.clone())
            .text("kind", "lab_result")
            .text("title", "Blood panel")
            .text("date", "2026-11-19")
            .text("description", "Full blood count")
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
        admin.client.post(app.url("/app/api/documents/upload")).header("origin", &app.base).multipart(form).send()
    };
    // A text file named .pdf is refused.
    let r = upload(b"hello, not a pdf".to_vec(), "fake.pdf").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("PDF, PNG or JPEG"));
    // A real PDF (rendered by Dossier itself) is accepted.
    let pdf = server::platform::pdf::render(
        &server::platform::pdf::PdfMeta {
            practice: "Lab",
            title: "Result",
            kind: app::domain::documents::DocumentKind::LabResult,
            client_name: "Nora Quinn",
            date: "2026-11-19",
            author: "Lab",
            watermark: None,
        },
        &app::domain::documents::DocumentBody::File { description: "LAB-PLAINTEXT-MARKER".into() },
    )
    .unwrap();
    let r = upload(pdf.clone(), "panel.pdf").await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let got = admin.client.get(app.url(&format!("/app/documents/{id}/file"))).send().await.unwrap();
    assert_eq!(got.headers()["content-type"], "application/pdf");
    assert_eq!(got.bytes().await.unwrap().to_vec(), pdf, "the original comes back byte for byte");
    // Stored encrypted.
    let f = server::platform::entities::document_file::Entity::find().one(&app.state().db).await.unwrap().unwrap();
    assert!(!f.ciphertext.windows(5).any(|w| w == b"%PDF-"), "no plaintext PDF in the database");
    // Too large.
    let r = upload(vec![0x25; server::documents::store::MAX_UPLOAD + 10], "big.pdf").await;
    assert!(r.map(|r| r.status().is_client_error()).unwrap_or(true));
    app.stop().await;
});

both_dbs!(master_key_rotation_rewraps_every_sealed_value, |app: TestApp| async move {
    use server::platform::crypto::Keys;
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let client_id = create_client(&app, &admin, "Nora", "Quinn").await;
    for draft in drafts().into_iter().take(3) {
        assert_eq!(save(&app, &admin, &client_id, draft).await.0, StatusCode::OK);
    }
    let db = &app.state().db;
    let old =
        Keys::parse_master(&std::fs::read_to_string(app.state().cfg.data.dir.join("master.key")).unwrap()).unwrap();
    let new = Keys::parse_master(&Keys::generate_master()).unwrap();
    let docs = || async { server::platform::entities::document::Entity::find().all(db).await.unwrap() };
    assert!(docs().await.iter().all(|d| d.key_id == Keys::from_master(&old).key_id()));

    // Phase 1: the new key is current, the old one retired.
    let during = Keys::with_retired(&new, &[old]);
    let first = server::rotate::rotate(db, &during).await.unwrap();
    assert!(first.unreadable.is_empty(), "{:?}", first.unreadable);
    assert!(first.resealed >= 4, "3 data keys and the admin's TOTP secret at least: {first:?}");
    // Idempotent: a second run finds everything current.
    let again = server::rotate::rotate(db, &during).await.unwrap();
    assert_eq!((again.resealed, again.current), (0, first.resealed + first.current));

    // Phase 2: with the old key gone, everything still opens; with only the old key, nothing does.
    let after = Keys::from_master(&new);
    let check = server::rotate::rotate(db, &after).await.unwrap();
    assert_eq!((check.resealed, check.unreadable.len()), (0, 0));
    let stale = server::rotate::rotate(db, &Keys::from_master(&old)).await.unwrap();
    assert_eq!(stale.unreadable.len() as u64, check.current, "no value is left under the old key");
    for d in docs().await {
        assert_eq!(d.key_id, after.key_id());
        let body = server::platform::vault::decrypt_body(&after, &d).expect("decrypts under the new key");
        assert!(!format!("{body:?}").is_empty());
        assert!(server::platform::vault::decrypt_body(&Keys::from_master(&old), &d).is_err());
    }
    app.stop().await;
});
