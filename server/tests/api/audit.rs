//! The audit log as staff read it: permission, filters, pages, the CSV export (streamed in
//! batches), the chain check naming an edited row, and the accounting of disclosures.

use crate::common::*;
use app::api::audit::{ClientAccounting, ListAudit, VerifyAuditChain};
use app::api::documents::SaveDocument;
use app::api::sharing::CreateShares;
use app::api::staff::GetMe;
use app::domain::audit::AuditFilter;
use app::domain::sharing::{Purpose, ShareRequest, VerifyMethod};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::json;

const PASSCODE: &str = "tide pool lantern 42";

both_dbs!(the_audit_log_is_filtered_paged_exported_and_verified, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(&app, &admin, "Anna Byrne", "anna@clinic.test", "Practitioner").await;
    let client_id = create_client(&app, &anna, "Nora", "Quinnell").await;
    let other_client = create_client(&app, &anna, "Otto", "Other").await;
    let draft = letter_draft("Letter to GP", "2026-11-21", "Dr Green", "LETTER-TEXT");
    let doc = app.run(&anna.client, SaveDocument { client_id: client_id.clone(), id: None, draft }).await.unwrap();
    let lee = typed_recipient("Lee Lawyer", "lee@law.test", VerifyMethod::Passcode, PASSCODE);
    let request = ShareRequest {
        expires_on: in_days(5),
        purpose: Purpose::Legal,
        purpose_text: "Court order 7".into(),
        ..share_request(&client_id, vec![doc.clone()], vec![lee])
    };
    let out = app.run(&anna.client, CreateShares { request }).await.unwrap();
    let share_id = out.shares[0].0.clone();
    // The recipient opens it: portal events are the client's too.
    let mail = app.wait_for_mail("lee@law.test", "shared documents").await;
    let link = extract_link(&mail, &app.base, "/s/");
    let c = new_client();
    c.get(&link).send().await.unwrap();
    app.form(&c, "/portal/verify", &[("passcode", "wrong")]).await;
    app.form(&c, "/portal/verify", &[("passcode", PASSCODE)]).await;
    app.get(&c, &format!("/portal/d/{doc}")).await;

    // Only staff who may view the log.
    let audit = |filter: AuditFilter| ListAudit { filter, page: 0 };
    assert_eq!(app.run(&anna.client, audit(AuditFilter::default())).await.unwrap_err().0, StatusCode::FORBIDDEN);
    assert_eq!(anna.client.get(app.url("/app/audit/export.csv")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let everything = app.run(&admin.client, audit(AuditFilter::default())).await.unwrap().items;
    assert!(everything.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    for e in &everything {
        let text = serde_json::to_string(e).unwrap();
        assert!(!text.contains(PASSCODE) && !text.contains("LETTER-TEXT") && !text.contains(&link), "{text}");
    }

    // By client: its share, portal and document events, nothing of the other client.
    let by_client = AuditFilter { client_id: Some(client_id.clone()), ..Default::default() };
    let page = app.run(&admin.client, audit(by_client)).await.unwrap();
    let actions: Vec<&str> = page.items.iter().map(|e| e.action.as_str()).collect();
    for a in ["share.created", "portal.verify_failed", "portal.verified", "portal.viewed", "document.created"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert!(!serde_json::to_string(&page).unwrap().contains(&other_client));
    let verified = page.items.iter().find(|e| e.action == "portal.verified").unwrap();
    assert_eq!(verified.actor, "Recipient: Lee Lawyer");
    assert_eq!(verified.target.as_deref(), Some(share_id.as_str()));
    assert!(verified.network.is_some(), "with the client network");

    // By kind (a family), by staff member, by date.
    let portal = AuditFilter { action: Some("portal.".into()), ..Default::default() };
    let page = app.run(&admin.client, audit(portal)).await.unwrap();
    assert!(page.items.iter().all(|e| e.action.starts_with("portal.")));
    let me = app.run(&anna.client, GetMe {}).await.unwrap();
    let by_anna = AuditFilter { staff_id: Some(me.staff_id), ..Default::default() };
    let page = app.run(&admin.client, audit(by_anna)).await.unwrap();
    assert!(page.items.iter().all(|e| e.actor == "Anna Byrne"));
    let long_ago = AuditFilter { to: Some("2000-01-01".into()), ..Default::default() };
    let page = app.run(&admin.client, audit(long_ago)).await.unwrap();
    assert!(page.items.is_empty(), "{page:?}");
    let bad_date = AuditFilter { from: Some("yesterday".into()), ..Default::default() };
    let (s, err) = app.run(&admin.client, audit(bad_date)).await.unwrap_err();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err:?}");

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
    let page = app.run(&admin.client, ListAudit { filter: AuditFilter::default(), page: 1 }).await.unwrap();
    assert_eq!((page.items.len(), page.has_more), (50, true));
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
    let check = app.run(&admin.client, VerifyAuditChain {}).await.unwrap();
    assert_eq!(check.first_broken, None);
    assert!(check.events > 2_100);
    let db = &st.db;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // PostgreSQL refuses UPDATE on the table; an operator with the owner's rights could
        // still disable the trigger, which is what the chain is for.
        db.execute_unprepared("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change").await.unwrap();
    } else {
        db.execute_unprepared("DROP TRIGGER IF EXISTS audit_event_no_update").await.unwrap();
    }
    db.execute_unprepared("UPDATE audit_event SET detail = '{\"forged\":true}' WHERE seq = 5").await.unwrap();
    let check = app.run(&admin.client, VerifyAuditChain {}).await.unwrap();
    assert_eq!(check.first_broken, Some(5));
    app.stop().await;
});

both_dbs!(accounting_of_disclosures_as_a_page_and_a_pdf, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(&app, &admin, "Anna Byrne", "anna@clinic.test", "Practitioner").await;
    let ben = invite_and_enrol(&app, &admin, "Ben Okafor", "ben@clinic.test", "Practitioner").await;
    let client_id = create_client(&app, &anna, "Nora", "Quinnell").await;
    let draft = letter_draft("Letter to GP", "2026-11-21", "Dr Green", "LETTER-TEXT");
    let doc = app.run(&anna.client, SaveDocument { client_id: client_id.clone(), id: None, draft }).await.unwrap();
    for (name, email, purpose) in
        [("Lee Lawyer", "lee@law.test", Purpose::Legal), ("Ivy Insurer", "ivy@ins.test", Purpose::Insurance)]
    {
        let recipient = typed_recipient(name, email, VerifyMethod::Passcode, PASSCODE);
        let request = ShareRequest {
            expires_on: in_days(5),
            purpose,
            ..share_request(&client_id, vec![doc.clone()], vec![recipient])
        };
        app.run(&anna.client, CreateShares { request }).await.unwrap();
    }
    let a = app.run(&anna.client, ClientAccounting { client_id: client_id.clone() }).await.unwrap();
    let d = &a.disclosures;
    assert_eq!(d.len(), 2);
    assert_eq!((d[0].recipient_name.as_str(), d[0].purpose.as_str()), ("Lee Lawyer", "Legal requirement"));
    assert_eq!(d[1].recipient_address, "ivy@ins.test");
    assert_eq!(d[0].documents[0], "Letter to GP (2026-11-21)");
    // Not for someone without access to the client.
    let refused = app.run(&ben.client, ClientAccounting { client_id: client_id.clone() }).await.unwrap_err();
    assert_eq!(refused.0, StatusCode::NOT_FOUND);
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
