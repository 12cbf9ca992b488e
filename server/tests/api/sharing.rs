//! Sharing: one share per recipient with its own token and second factor, snapshots with
//! the section rules applied, emails through the outbox without clinical data, and every
//! rule of the wizard enforced by the server.

use crate::common::*;
use app::api::documents::SaveDocument;
use app::api::records::{AddClientContact, CreateClient, GetClient, ListContacts, SaveContact};
use app::api::sharing::{
    CheckRecipients, CreateShares, PreviewShareEmail, SaveSharingSettings, SearchRecipients, SendTestEmail,
    ShareContext, SharingSettings,
};
use app::api::staff::CreateRole;
use app::domain::documents::{DocumentBody, DocumentKind, Section};
use app::domain::sharing::{
    Delivery, EmailTemplate, Purpose, RecipientDraft, RecipientKind, ShareRequest, VerifyMethod,
};
use app::dto::DocumentDraft;
use app::error::AppError;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::platform::entities::{OutboxStatus, share, share_document};
use std::collections::BTreeMap;

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
    let nora = CreateClient {
        email: "nora@example.com".into(),
        mobile: "07400 123456".into(),
        ..client_form("Nora", "Quinnell", "1990-02-03")
    };
    let client_id = app.run(&anna.client, nora).await.unwrap();
    let mother = AddClientContact {
        client_id: client_id.clone(),
        kind: "relationship".into(),
        name: "Pat Quinnell".into(),
        relationship: "Mother".into(),
        email: "pat@example.com".into(),
        phone: "07400 654321".into(),
    };
    app.run(&anna.client, mother).await.unwrap();
    let detail = app.run(&anna.client, GetClient { id: client_id.clone() }).await.unwrap();
    let mother_id = detail.contacts[0].id.clone();
    let gail = SaveContact {
        id: String::new(),
        name: "Dr Gail Green".into(),
        organisation: "Harbour GP".into(),
        kind: "gp".into(),
        email: "gail@gp.test".into(),
        phone: String::new(),
    };
    app.run(&admin.client, gail).await.unwrap();
    let contacts = app.run(&admin.client, ListContacts { query: "gail".into(), page: 0 }).await.unwrap();
    let gail_id = contacts.items[0].id.clone();
    let save = |draft: DocumentDraft| {
        let client_id = client_id.clone();
        let anna = &anna;
        async move { app.run(&anna.client, SaveDocument { client_id, id: None, draft }).await.unwrap() }
    };
    let note_id = save(note(
        "Session 3",
        "2026-11-20",
        false,
        vec![
            section("Subjective", "SUBJECTIVE-TEXT", false),
            section("Assessment", "ASSESSMENT-TEXT", false),
            section("Office use only", "INTERNAL-TEXT", true),
        ],
    ))
    .await;
    let letter_id = save(letter_draft("Letter to GP", "2026-11-21", "Dr Gail Green", "LETTER-TEXT")).await;
    World { admin, anna, ben, client_id, mother_id, gail_id, note_id, letter_id }
}

fn section(title: &str, text: &str, internal: bool) -> Section {
    Section { title: title.into(), text: text.into(), internal }
}

/// A consultation note as the document form sends it.
fn note(title: &str, date: &str, is_psychotherapy: bool, sections: Vec<Section>) -> DocumentDraft {
    DocumentDraft {
        kind: DocumentKind::ConsultationNote,
        title: title.into(),
        date: date.into(),
        is_psychotherapy,
        body: DocumentBody::Sections { sections },
    }
}

fn request(w: &World, recipients: Vec<RecipientDraft>) -> ShareRequest {
    share_request(&w.client_id, vec![w.note_id.clone(), w.letter_id.clone()], recipients)
}

fn client_recipient(w: &World) -> RecipientDraft {
    RecipientDraft {
        kind: RecipientKind::Client,
        ref_id: Some(w.client_id.clone()),
        name: "Nora Quinnell".into(),
        email: "nora@example.com".into(),
        phone: String::new(),
        method: VerifyMethod::DateOfBirth,
        passcode: String::new(),
        sections: BTreeMap::from([(w.note_id.clone(), vec![0])]),
    }
}

fn gail(w: &World) -> RecipientDraft {
    RecipientDraft {
        kind: RecipientKind::Contact,
        ref_id: Some(w.gail_id.clone()),
        ..typed_recipient("Dr Gail Green", "gail@gp.test", VerifyMethod::Passcode, "tide pool lantern 42")
    }
}

fn mother(w: &World) -> RecipientDraft {
    RecipientDraft {
        kind: RecipientKind::Relation,
        ref_id: Some(w.mother_id.clone()),
        phone: "+447400654321".into(),
        ..typed_recipient("Pat Quinnell", "pat@example.com", VerifyMethod::Sms, "")
    }
}

/// Checks a server function's answer: its status, and the field it names when refused as invalid.
fn expect<T: std::fmt::Debug>(answer: Result<T, (StatusCode, AppError)>, want: StatusCode, field: Option<&str>) {
    assert_eq!(status_of(&answer), want, "{answer:?}");
    if let Some(f) = field {
        assert_eq!(answer.as_ref().err().and_then(|(_, e)| e.field()), Some(f), "{answer:?}");
    }
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
    let ctx = app.run(&w.anna.client, ShareContext { client_id: w.client_id.clone() }).await.unwrap();
    assert_eq!(ctx.client.email.as_deref(), Some("nora@example.com"));
    assert_eq!(ctx.relations[0].name, "Pat Quinnell");
    assert_eq!(ctx.max_expiry_days, 14);
    let search = |query: &str| SearchRecipients { query: query.to_owned() };
    let found = app.run(&w.anna.client, search("gail")).await.unwrap();
    assert_eq!(found[0].name, "Dr Gail Green");
    assert_eq!(found[0].kind, RecipientKind::Contact);

    let req = request(&w, vec![client_recipient(&w), gail(&w), mother(&w)]);
    let out = app.run(&w.anna.client, CreateShares { request: req }).await.unwrap();
    assert_eq!(out.shares.len(), 3);

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
    let draft = note("Session 3", "2026-11-20", false, vec![section("Subjective", "REWRITTEN", false)]);
    let edit = SaveDocument { client_id: w.client_id.clone(), id: Some(w.note_id.clone()), draft };
    app.run(&w.anna.client, edit).await.unwrap();
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
    let typed = |name: &str| typed_recipient(name, "sam@spec.test", VerifyMethod::Passcode, "tide pool lantern 42");
    assert_eq!(app.run(&w.anna.client, search("spec.test")).await, Ok(vec![]));
    for name in ["Sam Special", "Dr Sam Special"] {
        app.run(&w.anna.client, CreateShares { request: request(&w, vec![typed(name)]) }).await.unwrap();
    }
    for q in ["spec.test", "dr sam"] {
        let found = app.run(&w.anna.client, search(q)).await.unwrap();
        assert_eq!(found.len(), 1, "{q}: {found:?}");
        assert_eq!(found[0].name, "Dr Sam Special");
        assert_eq!((found[0].kind, found[0].detail.as_str()), (RecipientKind::Other, "Shared with before"));
    }

    // Limited to known contacts: someone once typed in is neither offered nor accepted.
    let mut settings = app.run(&w.admin.client, SharingSettings {}).await.unwrap();
    settings.free_typed_recipients = false;
    app.run(&w.admin.client, SaveSharingSettings { settings }).await.unwrap();
    let found = app.run(&w.anna.client, search("spec.test")).await.unwrap();
    assert!(found.is_empty(), "no previous free-typed recipient: {found:?}");
    let found = app.run(&w.anna.client, search("gail")).await.unwrap();
    assert_eq!(found[0].kind, RecipientKind::Contact, "the contact book is still offered: {found:?}");
    let req = request(&w, vec![typed("Dr Sam Special")]);
    let (s, err) = app.run(&w.anna.client, CreateShares { request: req }).await.unwrap_err();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err:?}");
    assert_eq!(err.field(), Some("recipients.0.email"), "{err:?}");
    app.stop().await;
});

both_dbs!(the_server_enforces_every_wizard_rule, |app: TestApp| async move {
    let w = world(&app).await;
    // Another practitioner without access: not found, as if the client did not exist.
    let c = &w.anna.client;
    expect(app.run(&w.ben.client, ShareContext { client_id: w.client_id.clone() }).await, StatusCode::NOT_FOUND, None);
    let to_gail = || CreateShares { request: request(&w, vec![gail(&w)]) };
    expect(app.run(&w.ben.client, to_gail()).await, StatusCode::NOT_FOUND, None);
    // A role without the share permission.
    let role = app.run(&w.admin.client, CreateRole { name: "Reception".into(), permissions: vec![] }).await.unwrap();
    assert!(!role.id.is_empty(), "{role:?}");
    let clerk = invite_and_enrol(&app, &w.admin, "Cal Clerk", "cal@clinic.test", "Reception").await;
    expect(app.run(&clerk.client, to_gail()).await, StatusCode::FORBIDDEN, None);

    let with = |f: &dyn Fn(&mut ShareRequest)| {
        let mut r = request(&w, vec![gail(&w)]);
        f(&mut r);
        r
    };
    for (req, field) in [
        (with(&|r| r.expires_on = in_days(15)), "expires_on"),
        (with(&|r| r.expires_on = in_days(0)), "expires_on"),
        (with(&|r| r.expires_on = "next week".into()), "expires_on"),
        (with(&|r| r.document_ids = vec![]), "document_ids"),
        (with(&|r| r.recipients = vec![]), "recipients"),
        (with(&|r| r.recipients[0].passcode = "short".into()), "recipients.0.passcode"),
        (with(&|r| r.recipients[0].method = VerifyMethod::DateOfBirth), "recipients.0.method"),
        (with(&|r| r.recipients[0].method = VerifyMethod::Sms), "recipients.0.phone"),
        (with(&|r| r.recipients[0].email = "not-an-email".into()), "recipients.0.email"),
        (with(&|r| r.recipients[0].sections = BTreeMap::from([(w.note_id.clone(), vec![0])])), "recipients.0.sections"),
        (with(&|r| r.purpose = Purpose::Other), "purpose_text"),
        (with(&|r| r.delivery = Delivery::Attachment), "delivery"),
        (with(&|r| r.recipients = vec![gail(&w), gail(&w)]), "recipients.1.email"),
    ] {
        expect(app.run(c, CreateShares { request: req }).await, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
    }
    // A document of another client is not found.
    let other = create_client(&app, &w.anna, "Omar", "Reyes").await;
    let mut r = request(&w, vec![gail(&w)]);
    r.client_id = other;
    expect(app.run(c, CreateShares { request: r }).await, StatusCode::NOT_FOUND, None);

    // Psychotherapy notes need the client's recorded authorisation.
    let draft = note("Process notes", "2026-11-22", true, vec![section("Notes", "PSY", false)]);
    let psy = app.run(c, SaveDocument { client_id: w.client_id.clone(), id: None, draft }).await.unwrap();
    let mut r = request(&w, vec![gail(&w)]);
    r.document_ids = vec![psy];
    let answer = app.run(c, CreateShares { request: r.clone() }).await;
    expect(answer, StatusCode::UNPROCESSABLE_ENTITY, Some("psychotherapy_authorisation"));
    r.psychotherapy_authorisation = "Signed authorisation form, 2026-11-20".into();
    expect(app.run(c, CreateShares { request: r }).await, StatusCode::OK, None);

    // The misdirection guard: a first-time typed address and one a keystroke from a known
    // one are flagged; sending without confirming is refused.
    let typed = typed_recipient("Gale Green", "gail@gp.tesx", VerifyMethod::Passcode, "tide pool lantern 42");
    let mut r = request(&w, vec![typed]);
    r.confirmed_warnings = false;
    let warnings = app.run(c, CheckRecipients { request: r.clone() }).await.unwrap();
    assert!(warnings[0].message.contains("very close to gail@gp.test"), "{warnings:?}");
    expect(app.run(c, CreateShares { request: r }).await, StatusCode::CONFLICT, None);
    app.stop().await;
});

both_dbs!(sharing_settings_are_admin_only_validated_and_audited, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(&app, &admin, "Anna Byrne", "anna@clinic.test", "Practitioner").await;
    let settings = app.run(&admin.client, SharingSettings {}).await.unwrap();
    assert_eq!(app.run(&anna.client, SharingSettings {}).await.unwrap_err().0, StatusCode::FORBIDDEN);
    let mut bad = settings.clone();
    bad.template.body = "Hello {{ recipient_name }}, {{ diagnosis }} {{ link }}".into();
    let (s, err) = app.run(&admin.client, SaveSharingSettings { settings: bad }).await.unwrap_err();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(matches!(&err, AppError::Invalid { message, .. } if message.contains("diagnosis")), "{err:?}");
    let mut good = settings.clone();
    good.max_expiry_days = 5;
    good.from.invoices = "billing@calm.test".into();
    app.run(&admin.client, SaveSharingSettings { settings: good }).await.unwrap();
    let after = app.run(&admin.client, SharingSettings {}).await.unwrap();
    assert_eq!(after.max_expiry_days, 5);
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
    renamed.practice_name = "Calm Clinic Harbour".into();
    app.run(&admin.client, SaveSharingSettings { settings: renamed }).await.unwrap();
    let practice = server::platform::entities::practice::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(practice.name, "Calm Clinic Harbour");
    let mut unnamed = after.clone();
    unnamed.practice_name = "  ".into();
    let (s, err) = app.run(&admin.client, SaveSharingSettings { settings: unnamed }).await.unwrap_err();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err.field(), Some("practice_name"), "{err:?}");

    // Preview and "send a test to me" use the template being edited, unsaved.
    let template = EmailTemplate {
        subject: "Documents from {{ practice_name }}".into(),
        body: "Dear {{ recipient_name }},\n\n{{ link }}\n\nUntil {{ expires }}.".into(),
    };
    let p = app.run(&admin.client, PreviewShareEmail { template: template.clone() }).await.unwrap();
    assert_eq!(p.subject, "Documents from Calm Clinic Harbour");
    assert!(p.text.starts_with("Dear Ada Admin,"), "{p:?}");
    let no_link = EmailTemplate { subject: "x".into(), body: "no link".into() };
    let (s, err) = app.run(&admin.client, PreviewShareEmail { template: no_link }).await.unwrap_err();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err:?}");
    assert_eq!(
        app.run(&anna.client, PreviewShareEmail { template: template.clone() }).await.unwrap_err().0,
        StatusCode::FORBIDDEN
    );
    let to = app.run(&admin.client, SendTestEmail { template }).await;
    assert_eq!(to, Ok(ADMIN_EMAIL.to_owned()));
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
    let now = app.run(&admin.client, SharingSettings {}).await.unwrap();
    let href = now.logo_url.clone().expect("a logo");
    let r = app.client.get(app.url(&href)).send().await.unwrap();
    assert_eq!(r.headers().get("content-type").unwrap(), "image/png");
    assert!(r.headers().get("cache-control").unwrap().to_str().unwrap().contains("immutable"));
    assert_eq!(r.bytes().await.unwrap().len(), 2000);
    // Saving the other settings leaves the logo alone.
    app.run(&admin.client, SaveSharingSettings { settings: now }).await.unwrap();
    let again = app.run(&admin.client, SharingSettings {}).await.unwrap();
    assert_eq!(again.logo_url.as_deref(), Some(href.as_str()));
    app.stop().await;
});

both_dbs!(attachments_carry_watermarked_pdfs_and_no_link, |app: TestApp| async move {
    let w = world(&app).await;
    // Not allowed until the practice allows it.
    let mut req = request(&w, vec![gail(&w)]);
    req.delivery = Delivery::Attachment;
    let (s, err) = app.run(&w.anna.client, CreateShares { request: req.clone() }).await.unwrap_err();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err:?}");
    assert_eq!(err.field(), Some("delivery"));
    let mut settings = app.run(&w.admin.client, SharingSettings {}).await.unwrap();
    settings.attachments_allowed = true;
    app.run(&w.admin.client, SaveSharingSettings { settings }).await.unwrap();
    // No second factor is asked for: a contact without a phone and a passcode is fine.
    req.recipients[0].method = VerifyMethod::Sms;
    let marker = uuid::Uuid::now_v7().to_string();
    req.message = format!("Reference {marker}");
    app.run(&w.anna.client, CreateShares { request: req }).await.unwrap();
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
        let gail = CreateClient { email: "gail@gp.test".into(), ..client_form("Gail", "Green", "1970-01-02") };
        let client_id = app.run(&admin.client, gail).await.unwrap();
        let draft = letter_draft("Letter", "2026-11-21", "Gail", "LETTER-TEXT");
        let doc = app.run(&admin.client, SaveDocument { client_id: client_id.clone(), id: None, draft }).await.unwrap();
        let recipient = RecipientDraft {
            kind: RecipientKind::Client,
            ref_id: Some(client_id.clone()),
            ..typed_recipient("Gail Green", "gail@gp.test", VerifyMethod::DateOfBirth, "")
        };
        let req = ShareRequest {
            expires_on: in_days(3),
            purpose: Purpose::PatientRequest,
            ..share_request(&client_id, vec![doc], vec![recipient])
        };
        app.run(&admin.client, CreateShares { request: req }).await.unwrap();
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
        assert_eq!((row.status, row.attempts), (OutboxStatus::Queued, 1));
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
        assert_eq!((row.status, row.attempts, row.payload.is_none()), (OutboxStatus::Sent, 2, true));
        assert_eq!(share::Entity::find().one(db).await.unwrap().unwrap().status, "sent");
        app.wait_for_mail("gail@gp.test", "shared documents").await;
        app.stop().await;
    }
);
