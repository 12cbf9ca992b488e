//! Public intake forms: settings permissions, the owner chosen by link and routing rule,
//! validation with every error shown and answers kept, the honeypot, rate limiting,
//! possible duplicates resolved only by staff, and the audit trail.

use crate::common::*;
use app::api::documents::GetDocument;
use app::api::intake::{IntakeSettings, ListIntakeSubmissions, ResolveIntakeSubmission, SaveIntakeForm};
use app::api::records::{CreateClient, GetClient, ListClients};
use app::domain::documents::{DocumentBody, DocumentKind};
use app::domain::intake::{IntakeForm, Question, QuestionKind, Routing};
use reqwest::StatusCode;

fn form(ada: &str, bo: &str) -> IntakeForm {
    let q = Question::new;
    IntakeForm {
        enabled: true,
        title: "New client intake".into(),
        intro: "Tell us about you.".into(),
        questions: vec![
            q("q1", "What would you like help with?", QuestionKind::LongText, true, &[]),
            q("q2", "Have you had therapy before?", QuestionKind::YesNo, false, &[]),
            q(
                "q3",
                "Which practitioner would you like to see?",
                QuestionKind::Choice,
                false,
                &["Dr Ada", "Dr Bo", "No preference"],
            ),
        ],
        routing: Routing {
            question_id: Some("q3".into()),
            rules: [("Dr Ada".to_owned(), ada.to_owned()), ("Dr Bo".to_owned(), bo.to_owned())].into(),
        },
        default_owner_id: None,
    }
}

fn owner_id(settings: &app::domain::intake::IntakeSettings, name: &str) -> String {
    settings.owners.iter().find(|o| o.1 == name).unwrap().0.clone()
}

fn link_of(settings: &app::domain::intake::IntakeSettings, name: &str) -> String {
    settings.practitioner_links.iter().find(|o| o.1 == name).unwrap().2.clone()
}

async fn submit(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.form(&new_client(), path, fields).await
}

fn person<'a>(first: &'a str, last: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("first_name", first),
        ("last_name", last),
        ("date_of_birth", "1990-04-02"),
        ("email", email),
        ("mobile", ""),
        ("q1", "Trouble sleeping"),
        ("q2", "no"),
        ("website", ""),
    ]
}

both_dbs!(intake_links_route_new_clients_to_the_right_owner, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let ada = invite_and_enrol(&app, &admin, "Ada Lovelace", "ada@clinic.test", "Practitioner").await;
    let bo = invite_and_enrol(&app, &admin, "Bo Diddley", "bo@clinic.test", "Practitioner").await;

    // Only admins (ManageSettings) see and change the form.
    let settings = app.run(&admin.client, IntakeSettings {}).await.unwrap();
    assert_eq!(app.run(&ada.client, IntakeSettings {}).await.unwrap_err().0, StatusCode::FORBIDDEN);
    let (ada_id, bo_id) = (owner_id(&settings, "Ada Lovelace"), owner_id(&settings, "Bo Diddley"));
    let general = settings.general_link.clone();
    let ada_link = link_of(&settings, "Ada Lovelace");
    assert!(general.starts_with("/intake/") && general.len() > 20, "unguessable link: {general}");

    // Switched off by default: the public page says so, with a 404.
    let r = app.get(&new_client(), &general).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("This form is not available"));
    assert_eq!(
        app.run(&ada.client, SaveIntakeForm { form: form(&ada_id, &bo_id) }).await.unwrap_err().0,
        StatusCode::FORBIDDEN
    );
    // Saving checks the form: a routing rule to a stranger is refused.
    let (status, err) =
        app.run(&admin.client, SaveIntakeForm { form: form(&ada_id, "not-a-staff-id") }).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err:?}");
    let mut bad = form(&ada_id, &bo_id);
    bad.questions[2].options = vec!["Only one".into()];
    assert_eq!(
        app.run(&admin.client, SaveIntakeForm { form: bad }).await.unwrap_err().0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.run(&admin.client, SaveIntakeForm { form: form(&ada_id, &bo_id) }).await.unwrap();

    let page = app.get(&new_client(), &general).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Which practitioner would you like to see?") && html.contains("Calm Clinic"));
    assert!(!html.contains("<script"), "the public form ships no script");

    // Ada's personal link: Ada owns the new client; Bo cannot see it.
    let r = submit(&app, &ada_link, &person("Nora", "Quinn", "nora@example.com")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{ada_link}/thanks"));
    assert!(app.get(&new_client(), &format!("{ada_link}/thanks")).await.text().await.unwrap().contains("Thank you"));
    assert_eq!(visible_clients(&app, &ada, "Nora").await, vec!["Nora Quinn"]);
    assert!(visible_clients(&app, &bo, "Nora").await.is_empty());

    // The general link with a rule: "Dr Bo" goes to Bo.
    let mut f = person("Omar", "Reyes", "omar@example.com");
    f.push(("q3", "Dr Bo"));
    assert_eq!(submit(&app, &general, &f).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(visible_clients(&app, &bo, "Omar").await, vec!["Omar Reyes"]);
    assert!(visible_clients(&app, &ada, "Omar").await.is_empty());
    // No rule for the answer: the default owner (here the first admin).
    let mut f = person("Pia", "Sand", "pia@example.com");
    f.push(("q3", "No preference"));
    assert_eq!(submit(&app, &general, &f).await.status(), StatusCode::SEE_OTHER);
    assert!(visible_clients(&app, &ada, "Pia").await.is_empty() && visible_clients(&app, &bo, "Pia").await.is_empty());
    assert_eq!(visible_clients(&app, &admin, "Pia").await, vec!["Pia Sand"]);

    // The answers are an intake-form document of the new client.
    let list = app.run(&bo.client, ListClients { query: "Omar".into(), archived: false, page: 0 }).await.unwrap();
    let omar = list.items[0].id.clone();
    let docs = app.run(&bo.client, documents_of(&omar, Some(DocumentKind::IntakeForm))).await.unwrap();
    let doc = docs.items[0].id.clone();
    let view = app.run(&bo.client, GetDocument { id: doc }).await.unwrap();
    let DocumentBody::Form { items } = &view.body else { panic!("not a form: {:?}", view.body) };
    assert!(items.iter().any(|i| i.question == "Which practitioner would you like to see?" && i.answer == "Dr Bo"));
    assert!(items.iter().any(|i| i.question == "Have you had therapy before?" && i.answer == "No"));
    assert!(items.iter().any(|i| i.question == "Date of birth" && i.answer == "1990-04-02"));

    // Bad answers: 422, every error named beside its field, the answers kept, nothing stored.
    let r = submit(
        &app,
        &general,
        &[
            ("first_name", ""),
            ("last_name", "Keepme"),
            ("date_of_birth", "2999-01-01"),
            ("email", "not-an-email"),
            ("mobile", "12"),
            ("q1", ""),
            ("q2", "perhaps"),
            ("q3", "Dr Who"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for id in ["e-first_name", "e-date_of_birth", "e-email", "e-mobile", "e-q1", "e-q2", "e-q3"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "no error for {id}");
    }
    assert!(html.contains("7 answers need your attention"));
    assert!(html.contains("value=\"Keepme\""), "answers are kept");
    assert!(visible_clients(&app, &admin, "Keepme").await.is_empty());

    // The honeypot: looks like success, stores nothing.
    let mut f = person("Bot", "Filler", "bot@example.com");
    f.retain(|(k, _)| *k != "website");
    f.push(("website", "http://spam.example"));
    let r = submit(&app, &general, &f).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(visible_clients(&app, &admin, "Filler").await.is_empty());

    // Unknown links show the same "not available" page.
    assert_eq!(app.get(&new_client(), "/intake/AAAAAAAAAAAAAAAA").await.status(), StatusCode::NOT_FOUND);
    let r = submit(&app, "/intake/AAAAAAAAAAAAAAAA", &person("X", "Y", "x@example.com")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Every submission is audited, without the answers.
    let db = &app.state().db;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let events = server::platform::entities::audit_event::Entity::find()
        .filter(server::platform::entities::audit_event::Column::Action.is_in(["intake.submitted", "intake.rejected"]))
        .all(db)
        .await
        .unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "intake.submitted").count(), 3);
    assert_eq!(events.iter().filter(|e| e.action == "intake.rejected").count(), 1);
    assert!(events.iter().all(|e| !e.detail.contains("sleeping") && !e.detail.contains("Quinn")));
    app.stop().await;
});

both_dbs!(possible_duplicates_are_attached_only_when_staff_confirm, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let ada = invite_and_enrol(&app, &admin, "Ada Lovelace", "ada@clinic.test", "Practitioner").await;
    let settings = app.run(&admin.client, IntakeSettings {}).await.unwrap();
    let ada_id = owner_id(&settings, "Ada Lovelace");
    let ada_link = link_of(&settings, "Ada Lovelace");
    app.run(&admin.client, SaveIntakeForm { form: form(&ada_id, &ada_id) }).await.unwrap();
    // An existing client of the admin's, with the same email.
    let nora = CreateClient { email: "nora@example.com".into(), ..client_form("Nora", "Quinn", "1990-04-02") };
    let existing = app.run(&admin.client, nora).await.unwrap();
    let r = submit(&app, &ada_link, &person("Nora", "Quinn", "NORA@example.com")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app.get(&new_client(), &format!("{ada_link}/thanks")).await.text().await.unwrap();
    assert!(!html.contains("already"), "the public page reveals nothing about existing clients");

    // Ada owns the new record and sees no match (she may not see the admin's client).
    let subs = app.run(&ada.client, ListIntakeSubmissions { page: 0 }).await.unwrap();
    assert_eq!(subs.items.len(), 1);
    assert_eq!(subs.items[0].possible_match, None);
    let sub_id = subs.items[0].id.clone();
    let resolve = |attach: bool| ResolveIntakeSubmission { id: sub_id.clone(), attach };
    assert_eq!(
        app.run(&ada.client, resolve(true)).await.unwrap_err().0,
        StatusCode::NOT_FOUND,
        "attaching needs access to the existing client"
    );
    // The admin sees the match and attaches.
    let subs = app.run(&admin.client, ListIntakeSubmissions { page: 0 }).await.unwrap();
    assert_eq!(subs.items[0].possible_match.as_ref().map(|m| m.client_id.as_str()), Some(existing.as_str()));
    let new_client_id = subs.items[0].client_id.clone();
    app.run(&admin.client, resolve(true)).await.unwrap();
    let docs = app.run(&admin.client, documents_of(&existing, Some(DocumentKind::IntakeForm))).await.unwrap();
    assert_eq!(docs.items.len(), 1, "the intake form moved to the existing client");
    let detail = app.run(&admin.client, GetClient { id: new_client_id }).await.unwrap();
    assert!(detail.client.archived, "the duplicate record is archived");
    assert_eq!(
        app.run(&admin.client, resolve(false)).await.unwrap_err().0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a submission is resolved once"
    );
    app.stop().await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_form_is_rate_limited_per_network() {
    let app = spawn(Db::Sqlite).await.unwrap();
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let settings = app.run(&admin.client, IntakeSettings {}).await.unwrap();
    let me = settings.owners[0].0.clone();
    app.run(&admin.client, SaveIntakeForm { form: form(&me, &me) }).await.unwrap();
    let general = settings.general_link.clone();
    for _ in 0..server::intake::PER_NETWORK_PER_HOUR {
        assert_eq!(submit(&app, &general, &[("first_name", "")]).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = submit(&app, &general, &person("Late", "Comer", "late@example.com")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("try again in"));
    assert!(visible_clients(&app, &admin, "Comer").await.is_empty());
    app.stop().await;
}
