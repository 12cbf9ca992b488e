//! Documents: every structured kind created and read back, encryption at rest checked on
//! the raw rows, access following the client, uploads checked by content, PDFs rendered.

use crate::common::*;
use app::api::documents::{GetDocument, ListDocuments, ListPracticeDocuments, SaveDocument};
use app::api::records::SetClientAccess;
use app::api::staff::GetMe;
use app::domain::documents::{DocumentBody, DocumentKind, FormItem, InvoiceLine, PrescriptionItem, Section};
use app::dto::{DocumentDraft, DocumentFilter, DocumentListItem, Page};
use app::error::AppError;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::Value;

async fn save(
    app: &TestApp,
    who: &Staff,
    client_id: &str,
    draft: DocumentDraft,
) -> Result<String, (StatusCode, AppError)> {
    app.run(&who.client, SaveDocument { client_id: client_id.to_owned(), id: None, draft }).await
}

fn section(title: &str, text: &str, internal: bool) -> Section {
    Section { title: title.into(), text: text.into(), internal }
}

fn drafts() -> Vec<DocumentDraft> {
    let d = |kind: DocumentKind, title: &str, body: DocumentBody| DocumentDraft {
        kind,
        title: title.into(),
        date: "2026-11-20".into(),
        is_psychotherapy: false,
        body,
    };
    vec![
        d(
            DocumentKind::IntakeForm,
            "Intake",
            DocumentBody::Form {
                items: vec![FormItem {
                    question: "Reason for visit".into(),
                    answer: "Trouble sleeping (SECRET-INTAKE)".into(),
                }],
            },
        ),
        d(
            DocumentKind::ConsentForm,
            "Consent to treatment",
            DocumentBody::Consent {
                text: "I consent to treatment.".into(),
                signer_name: "Nora Quinn".into(),
                signed_at: "2026-11-01".into(),
            },
        ),
        d(
            DocumentKind::ConsultationNote,
            "Session 1",
            DocumentBody::Sections {
                sections: vec![
                    section("Subjective", "Feels better (SECRET-NOTE)", false),
                    section("Office use only", "Billing code 42", true),
                ],
            },
        ),
        d(
            DocumentKind::TreatmentPlan,
            "Plan",
            DocumentBody::Sections { sections: vec![section("Goals", "Sleep 7h", false)] },
        ),
        letter_draft("Letter to GP", "2026-11-20", "Dr Gail Green", "Dear Dr Green, ..."),
        d(
            DocumentKind::Prescription,
            "Prescription",
            DocumentBody::Prescription {
                items: vec![PrescriptionItem {
                    medication: "Melatonin".into(),
                    dosage: "2 mg".into(),
                    instructions: "At night".into(),
                }],
                notes: String::new(),
            },
        ),
        d(
            DocumentKind::Invoice,
            "Invoice 1001",
            DocumentBody::Invoice {
                currency: "GBP".into(),
                items: vec![InvoiceLine { description: "Session".into(), quantity: 2, unit_cents: 8500 }],
                notes: String::new(),
            },
        ),
    ]
}

both_dbs!(every_structured_kind_is_stored_encrypted_and_read_back, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let client_id = create_client(&app, &admin, "Nora", "Quinn").await;
    let mut ids = Vec::new();
    for draft in drafts() {
        let id = save(&app, &admin, &client_id, draft.clone()).await.unwrap_or_else(|e| panic!("{draft:?}: {e:?}"));
        let view = app.run(&admin.client, GetDocument { id: id.clone() }).await.unwrap();
        assert_eq!(view.body, draft.body, "content round-trips");
        assert_eq!(view.client_name, "Nora Quinn");
        // Every kind renders to a PDF with its title.
        let pdf = admin.client.get(app.url(&format!("/app/documents/{id}/pdf"))).send().await.unwrap();
        assert_eq!(pdf.status(), StatusCode::OK);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
        ids.push(id);
    }
    // A note flagged as a psychotherapy note keeps the flag (the share wizard checks it).
    let psy = DocumentDraft { title: "Process notes".into(), is_psychotherapy: true, ..drafts()[2].clone() };
    let psy_id = save(&app, &admin, &client_id, psy).await.unwrap();
    let view = app.run(&admin.client, GetDocument { id: psy_id }).await.unwrap();
    assert!(view.row.is_psychotherapy);
    let view = app.run(&admin.client, GetDocument { id: ids[2].clone() }).await.unwrap();
    assert!(!view.row.is_psychotherapy);

    // The list: most recent first, filterable by kind and title.
    let list = app.run(&admin.client, documents_of(&client_id, None)).await.unwrap();
    assert_eq!(list.items.len(), 8);
    let notes = app.run(&admin.client, documents_of(&client_id, Some(DocumentKind::ConsultationNote))).await.unwrap();
    let titles: Vec<_> = notes.items.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles, ["Process notes", "Session 1"], "newest first");
    let by_title = ListDocuments { query: "gp".into(), ..documents_of(&client_id, None) };
    let found = app.run(&admin.client, by_title).await.unwrap();
    assert_eq!(found.items[0].title, "Letter to GP");

    // By date: typed in the search (ISO, a month, or day/month/year), or a range.
    let old = DocumentDraft { title: "October review".into(), date: "2026-10-20".into(), ..drafts()[2].clone() };
    save(&app, &admin, &client_id, old).await.unwrap();
    let all_of = || documents_of(&client_id, None);
    let titles_for = |args: ListDocuments| {
        let (app, admin) = (&app, &admin);
        async move {
            let list = app.run(&admin.client, args).await.unwrap();
            list.items.into_iter().map(|d| d.title).collect::<Vec<_>>()
        }
    };
    for q in ["2026-10-20", "20/10/2026", "2026-10"] {
        assert_eq!(titles_for(ListDocuments { query: q.into(), ..all_of() }).await, ["October review"], "{q}");
    }
    assert_eq!(titles_for(ListDocuments { to: "2026-10-31".into(), ..all_of() }).await, ["October review"]);
    assert_eq!(titles_for(ListDocuments { from: "2026-11-01".into(), ..all_of() }).await.len(), 8);
    let october_20 = ListDocuments { from: "2026-10-20".into(), to: "2026-10-20".into(), ..all_of() };
    assert_eq!(titles_for(october_20).await, ["October review"]);
    let reversed = ListDocuments { from: "2026-11-02".into(), to: "2026-11-01".into(), ..all_of() };
    let (status, err) = app.run(&admin.client, reversed).await.unwrap_err();
    assert_eq!((status, err.field()), (StatusCode::UNPROCESSABLE_ENTITY, Some("to")), "{err:?}");

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
    let id = save(&app, &anna, &client_id, note.clone()).await.unwrap();
    // Ben has no access to the client: nothing about its documents.
    for (name, answer) in [
        ("get_document", app.run(&ben.client, GetDocument { id: id.clone() }).await.map(drop)),
        ("list_documents", app.run(&ben.client, documents_of(&client_id, None)).await.map(drop)),
    ] {
        assert_eq!(status_of(&answer), StatusCode::NOT_FOUND, "{name}: {answer:?}");
    }
    let (status, _) = save(&app, &ben, &client_id, note.clone()).await.unwrap_err();
    assert_eq!(status, StatusCode::NOT_FOUND);
    for path in [format!("/app/documents/{id}/pdf"), format!("/app/documents/{id}/file")] {
        assert_eq!(ben.client.get(app.url(&path)).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Shared with everyone: the secretary can read but may not write notes (no "edit notes").
    let anna_id = app.run(&anna.client, GetMe {}).await.unwrap().staff_id;
    let open_to_all =
        SetClientAccess { id: client_id.clone(), owner_id: anna_id, mode: "all".into(), selected: vec![] };
    app.run(&anna.client, open_to_all).await.unwrap();
    app.run(&sam.client, GetDocument { id: id.clone() }).await.unwrap();
    let (status, _) = save(&app, &sam, &client_id, note).await.unwrap_err();
    assert_eq!(status, StatusCode::FORBIDDEN);
    // ...but may write an invoice.
    save(&app, &sam, &client_id, drafts()[6].clone()).await.unwrap();
    // Invalid drafts are 422 with a field.
    let invoice = |kind: DocumentKind, currency: &str| DocumentDraft {
        kind,
        title: "X".into(),
        date: "2026-11-20".into(),
        is_psychotherapy: false,
        body: DocumentBody::Invoice { currency: currency.into(), items: vec![], notes: String::new() },
    };
    let (status, err) = save(&app, &sam, &client_id, invoice(DocumentKind::Invoice, "pounds")).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err.field(), Some("currency"));
    let mismatched = invoice(DocumentKind::Letter, "GBP");
    let (status, _) = save(&app, &admin, &client_id, mismatched).await.unwrap_err();
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
        d.title = format!("Letter {i:02}");
        d.date = format!("2026-10-{:02}", 1 + i % 28);
        let id = save(&app, &anna, &olive, d.clone()).await.unwrap();
        first_letter.get_or_insert((id, d));
    }
    assert_eq!(drafts()[1].kind, DocumentKind::ConsentForm);
    save(&app, &ben, &bruno, drafts()[1].clone()).await.unwrap();
    async fn list_as(app: &TestApp, who: &Staff, filter: DocumentFilter) -> Page<DocumentListItem> {
        app.run(&who.client, ListPracticeDocuments { filter }).await.unwrap()
    }
    let all_of = DocumentFilter::default;
    let search = |query: &str| DocumentFilter { query: query.into(), ..Default::default() };
    let names =
        |page: &Page<DocumentListItem>| -> Vec<String> { page.items.iter().map(|d| d.client_name.clone()).collect() };
    // The access rule: each practitioner sees only their own client; the admin both.
    let first = list_as(&app, &anna, all_of()).await;
    assert!(names(&first).iter().all(|n| n == "Olive Owens") && first.has_more, "{first:?}");
    let bens = list_as(&app, &ben, all_of()).await;
    assert_eq!(names(&bens), ["Bruno Baker"]);
    let found = list_as(&app, &ben, search("owens")).await;
    assert!(found.items.is_empty(), "nothing of a client Ben cannot see: {found:?}");
    let of_olive = DocumentFilter { client_id: Some(olive.clone()), ..Default::default() };
    let found = list_as(&app, &ben, of_olive).await;
    assert!(found.items.is_empty(), "{found:?}");
    let all = list_as(&app, &admin, search("baker")).await;
    assert_eq!(names(&all), ["Bruno Baker"], "found by the client's name");
    // The search's ways in (the title, through its trigram index; the date; the client's
    // name) are merged newest first and page by key like the whole list.
    let titles =
        |page: &Page<DocumentListItem>| -> Vec<String> { page.items.iter().map(|d| d.row.title.clone()).collect() };
    let mut tens = titles(&list_as(&app, &admin, search("letter 0")).await);
    tens.sort();
    assert_eq!(tens, (0..10).map(|i| format!("Letter {i:02}")).collect::<Vec<_>>());
    let by_name = list_as(&app, &anna, search("owens")).await;
    assert_eq!((by_name.items.len(), by_name.has_more), (50, true));
    let after = Some(by_name.items[49].cursor.clone());
    let rest = list_as(&app, &anna, DocumentFilter { after, ..search("owens") }).await;
    assert_eq!((rest.items.len(), rest.has_more), (5, false));
    let on_day = list_as(&app, &admin, search("2026-10-02")).await;
    assert_eq!(titles(&on_day).len(), 2, "Letters 01 and 29: {on_day:?}");
    // A title search that matches more than a page pages like the list itself: the first page
    // (on PostgreSQL, filled from the newest documents) and the next (the rest, from the
    // title index) are the list's own rows in its order; and the access rule still holds.
    let by_title = list_as(&app, &anna, search("letter")).await;
    assert_eq!((titles(&by_title), by_title.has_more), (titles(&first), true));
    let after = Some(by_title.items[49].cursor.clone());
    let more = list_as(&app, &anna, DocumentFilter { after, ..search("letter") }).await;
    assert_eq!((titles(&more).len(), more.has_more), (5, false));
    let found = list_as(&app, &ben, search("letter")).await;
    assert!(found.items.is_empty(), "{found:?}");
    // A renamed document is found by its new title only (the index follows the edit).
    let (letter_id, mut letter) = first_letter.unwrap();
    letter.title = "Referral to Dr Quince".into();
    app.run(&anna.client, SaveDocument { client_id: olive.clone(), id: Some(letter_id), draft: letter }).await.unwrap();
    assert_eq!(titles(&list_as(&app, &admin, search("dr quince")).await), ["Referral to Dr Quince"]);
    let found = list_as(&app, &admin, search("letter 00")).await;
    assert!(found.items.is_empty(), "{found:?}");
    assert_eq!(titles(&list_as(&app, &admin, search("letter 0")).await).len(), 9);
    // Keyset pages: 50, then the rest, newest first, no row twice.
    assert_eq!(first.items.len(), 50);
    let cursor = first.items[49].cursor.clone();
    let second = list_as(&app, &anna, DocumentFilter { after: Some(cursor), ..all_of() }).await;
    assert_eq!((second.items.len(), second.has_more), (5, false));
    let mut seen: Vec<String> =
        first.items.iter().chain(&second.items).map(|d| format!("{} {}", d.row.date, d.row.title)).collect();
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
    let consent = DocumentFilter { kind: Some(DocumentKind::ConsentForm), ..all_of() };
    assert_eq!(list_as(&app, &admin, consent).await.items.len(), 1);
    let me = app.run(&ben.client, GetMe {}).await.unwrap();
    let by_ben = list_as(&app, &admin, DocumentFilter { author_id: Some(me.staff_id), ..all_of() }).await;
    assert_eq!(names(&by_ben), ["Bruno Baker"]);
    let october_2 = DocumentFilter { from: "2026-10-02".into(), to: "2026-10-02".into(), ..all_of() };
    assert_eq!(list_as(&app, &anna, october_2).await.items.len(), 2, "Letters 01 and 29");
    for (filter, field) in [
        (DocumentFilter { from: "2026-10-03".into(), to: "2026-10-02".into(), ..all_of() }, "to"),
        (DocumentFilter { from: "October".into(), ..all_of() }, "from"),
        (DocumentFilter { after: Some("not a cursor".into()), ..all_of() }, "after"),
    ] {
        let (status, err) = app.run(&anna.client, ListPracticeDocuments { filter }).await.unwrap_err();
        assert_eq!((status, err.field()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{err:?}");
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
        save(&app, &admin, &client_id, draft).await.unwrap();
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
