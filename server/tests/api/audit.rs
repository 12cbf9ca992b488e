//! The audit log as staff read it: permission, filters, pages, the CSV export (streamed in
//! batches), the chain check naming an edited row, and the accounting of disclosures.

use crate::common::*;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};

const PASSCODE: &str = "tide pool lantern 42";

both_dbs!(the_audit_log_is_filtered_paged_exported_and_verified, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(&app, &admin, "Anna Byrne", "anna@clinic.test", "Practitioner").await;
    let client_id = create_client(&app, &anna, "Nora", "Quinnell").await;
    let other_client = create_client(&app, &anna, "Otto", "Other").await;
    let (_, doc) = call(
        &app,
        &anna,
        "save_document",
        json!({ "client_id": client_id, "id": null, "draft": {
        "kind": "Letter", "title": "Letter to GP", "date": "2026-11-21", "is_psychotherapy": false,
        "body": { "type": "Letter", "addressee": "Dr Green", "body": "LETTER-TEXT" } } }),
    )
    .await;
    let (s, out) = call(
        &app,
        &anna,
        "create_shares",
        json!({ "request": {
        "client_id": client_id, "document_ids": [doc], "delivery": "Link", "expires_on": in_days(5),
        "purpose": "Legal", "purpose_text": "Court order 7", "message": "", "psychotherapy_authorisation": "",
        "confirmed_warnings": true,
        "recipients": [{ "kind": "Other", "ref_id": null, "name": "Lee Lawyer", "email": "lee@law.test",
                         "phone": "", "method": "Passcode", "passcode": PASSCODE, "sections": {} }] } }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let share_id = out["shares"][0][0].as_str().unwrap().to_owned();
    // The recipient opens it: portal events are the client's too.
    let mail = app.wait_for_mail("lee@law.test", "shared documents").await;
    let link = extract_link(&mail, &app.base, "/s/");
    let c = new_client();
    c.get(&link).send().await.unwrap();
    app.form(&c, "/portal/verify", &[("passcode", "wrong")]).await;
    app.form(&c, "/portal/verify", &[("passcode", PASSCODE)]).await;
    app.get(&c, &format!("/portal/d/{}", doc.as_str().unwrap())).await;

    // Only staff who may view the log.
    let all = json!({ "filter": {}, "page": 0 });
    assert_eq!(call(&app, &anna, "list_audit", all.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(anna.client.get(app.url("/app/audit/export.csv")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let (s, page) = call(&app, &admin, "list_audit", all).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let everything = page["items"].as_array().unwrap().clone();
    assert!(everything.windows(2).all(|w| w[0]["seq"].as_i64() > w[1]["seq"].as_i64()), "newest first");
    for e in &everything {
        let text = e.to_string();
        assert!(!text.contains(PASSCODE) && !text.contains("LETTER-TEXT") && !text.contains(&link), "{text}");
    }

    // By client: its share, portal and document events, nothing of the other client.
    let (_, page) = call(&app, &admin, "list_audit", json!({ "filter": { "client_id": client_id }, "page": 0 })).await;
    let actions: Vec<&str> = page["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["share.created", "portal.verify_failed", "portal.verified", "portal.viewed", "document.created"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert!(!page.to_string().contains(&other_client));
    let verified = page["items"].as_array().unwrap().iter().find(|e| e["action"] == "portal.verified").unwrap();
    assert_eq!(verified["actor"], "Recipient: Lee Lawyer");
    assert_eq!(verified["target"].as_str(), Some(share_id.as_str()));
    assert!(verified["network"].as_str().is_some(), "with the client network");

    // By kind (a family), by staff member, by date.
    let (_, page) = call(&app, &admin, "list_audit", json!({ "filter": { "action": "portal." }, "page": 0 })).await;
    assert!(page["items"].as_array().unwrap().iter().all(|e| e["action"].as_str().unwrap().starts_with("portal.")));
    let (_, me) = app.server_fn(&anna.client, "get_me", &[]).await;
    let (_, page) =
        call(&app, &admin, "list_audit", json!({ "filter": { "staff_id": me["staff_id"] }, "page": 0 })).await;
    assert!(page["items"].as_array().unwrap().iter().all(|e| e["actor"] == "Anna Byrne"));
    let (_, page) = call(&app, &admin, "list_audit", json!({ "filter": { "to": "2000-01-01" }, "page": 0 })).await;
    assert_eq!(page["items"], json!([]));
    let (s, b) = call(&app, &admin, "list_audit", json!({ "filter": { "from": "yesterday" }, "page": 0 })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");

    // Many events: pages of 50, and a CSV export streamed in batches of 1,000.
    let st = app.state();
    let practice = server::platform::entities::practice::Entity::find().one(&st.db).await.unwrap().unwrap();
    for i in 0..2_100 {
        server::platform::audit::append(
            &st.db,
            &practice.id,
            &server::platform::audit::Actor::System,
            "test.filler",
            None,
            &Default::default(),
            json!({ "n": i }),
        )
        .await
        .unwrap();
    }
    let (_, page) = call(&app, &admin, "list_audit", json!({ "filter": {}, "page": 1 })).await;
    assert_eq!((page["items"].as_array().unwrap().len(), page["has_more"].as_bool()), (50, Some(true)));
    let r = admin.client.get(app.url("/app/audit/export.csv?action=test.filler")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("content-length").is_none(), "streamed, not built in memory");
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2_100);
    assert_eq!(&records[0][3], "test.filler");
    assert_eq!(&records[2_099][7], "{\"n\":2099}", "quoted JSON survives");
    let seqs: Vec<i64> = records.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "oldest first, no duplicates across batches");

    // The chain: intact, then an edited row is named.
    let (s, check) = call(&app, &admin, "verify_audit_chain", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(check["first_broken"], Value::Null);
    assert!(check["events"].as_u64().unwrap() > 2_100);
    let db = &st.db;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // PostgreSQL refuses UPDATE on the table; an operator with the owner's rights could
        // still disable the trigger, which is what the chain is for.
        db.execute_unprepared("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change").await.unwrap();
    } else {
        db.execute_unprepared("DROP TRIGGER IF EXISTS audit_event_no_update").await.unwrap();
    }
    db.execute_unprepared("UPDATE audit_event SET detail = '{\"forged\":true}' WHERE seq = 5").await.unwrap();
    let (_, check) = call(&app, &admin, "verify_audit_chain", json!({})).await;
    assert_eq!(check["first_broken"], json!(5));
    app.stop().await;
});

both_dbs!(accounting_of_disclosures_as_a_page_and_a_pdf, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(&app, &admin, "Anna Byrne", "anna@clinic.test", "Practitioner").await;
    let ben = invite_and_enrol(&app, &admin, "Ben Okafor", "ben@clinic.test", "Practitioner").await;
    let client_id = create_client(&app, &anna, "Nora", "Quinnell").await;
    let (_, doc) = call(
        &app,
        &anna,
        "save_document",
        json!({ "client_id": client_id, "id": null, "draft": {
        "kind": "Letter", "title": "Letter to GP", "date": "2026-11-21", "is_psychotherapy": false,
        "body": { "type": "Letter", "addressee": "Dr Green", "body": "LETTER-TEXT" } } }),
    )
    .await;
    for (name, email, purpose) in
        [("Lee Lawyer", "lee@law.test", "Legal"), ("Ivy Insurer", "ivy@ins.test", "Insurance")]
    {
        let (s, out) = call(
            &app,
            &anna,
            "create_shares",
            json!({ "request": {
            "client_id": client_id, "document_ids": [doc], "delivery": "Link", "expires_on": in_days(5),
            "purpose": purpose, "purpose_text": "", "message": "", "psychotherapy_authorisation": "",
            "confirmed_warnings": true,
            "recipients": [{ "kind": "Other", "ref_id": null, "name": name, "email": email,
                             "phone": "", "method": "Passcode", "passcode": PASSCODE, "sections": {} }] } }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{out}");
    }
    let (s, a) = call(&app, &anna, "client_accounting", json!({ "client_id": client_id })).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let d = a["disclosures"].as_array().unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(
        (d[0]["recipient_name"].as_str(), d[0]["purpose"].as_str()),
        (Some("Lee Lawyer"), Some("Legal requirement"))
    );
    assert_eq!(d[1]["recipient_address"], "ivy@ins.test");
    assert_eq!(d[0]["documents"][0], "Letter to GP (2026-11-21)");
    // Not for someone without access to the client.
    assert_eq!(call(&app, &ben, "client_accounting", json!({ "client_id": client_id })).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        ben.client.get(app.url(&format!("/app/clients/{client_id}/disclosures.pdf"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let r = anna.client.get(app.url(&format!("/app/clients/{client_id}/disclosures.pdf"))).send().await.unwrap();
    assert_eq!(r.headers().get("content-type").unwrap(), "application/pdf");
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), r.bytes().await.unwrap()).unwrap();
    let out = std::process::Command::new("pdftotext").arg(tmp.path()).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in
        ["Accounting of disclosures", "Nora Quinnell", "Lee Lawyer", "ivy@ins.test", "Insurance claim", "Letter to GP"]
    {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert!(!text.contains("LETTER-TEXT"), "what was disclosed is named, not reproduced");
    app.stop().await;
});
