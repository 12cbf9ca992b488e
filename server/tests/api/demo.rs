//! The demo-data command's seeding, on SQLite and PostgreSQL: each account sees exactly
//! the clients the access rules give it, documents open, and a second run is refused.

use crate::common::*;
use app::api::records::{ListClients, ListContacts};
use reqwest::StatusCode;

both_dbs!(demo_data_respects_access_and_runs_once, |app: TestApp| async move {
    let report = server::startup::demo_data(app.state()).await.expect("seeds an empty installation");
    assert_eq!((report.clients, report.contacts), (50, 30));
    assert!(report.documents >= 12 * 8, "documents of every kind for a dozen clients");
    assert_eq!(report.accounts.len(), 5);
    let pw = report.accounts[0].2.clone();
    assert!(report.accounts.iter().all(|a| a.2 == pw) && pw.len() >= 20, "one fresh password per run");
    let pw = pw.as_str();

    let admin = sign_in_first_time(&app, "admin@demo.dossier.test", pw).await;
    let anna = sign_in_first_time(&app, "anna@demo.dossier.test", pw).await;
    let sam = sign_in_first_time(&app, "sam@demo.dossier.test", pw).await;
    assert_eq!(count_clients(&app, &admin).await, 50, "admins see every client");
    // Clients are owned round-robin by three practitioners; every third is open to all.
    let anna_sees = count_clients(&app, &anna).await;
    let sam_sees = count_clients(&app, &sam).await;
    assert_eq!(sam_sees, 16, "the secretary sees only the clients open to all practitioners");
    assert!(anna_sees > sam_sees && anna_sees < 50, "{anna_sees}");

    // Her own first client has documents of every kind, readable and downloadable.
    let page = app.run(&anna.client, ListClients { query: String::new(), archived: false, page: 0 }).await.unwrap();
    let mut with_docs = None;
    for c in &page.items {
        if let Ok(docs) = app.run(&anna.client, documents_of(&c.id, None)).await
            && docs.items.len() >= 8
        {
            with_docs = Some(docs);
            break;
        }
    }
    let docs = with_docs.expect("a client with demo documents");
    for d in &docs.items {
        let id = &d.id;
        let pdf = anna.client.get(app.url(&format!("/app/documents/{id}/pdf"))).send().await.unwrap();
        assert_eq!(pdf.status(), StatusCode::OK, "{}", d.title);
    }
    let contacts = app.run(&sam.client, ListContacts { query: String::new(), page: 0 }).await.unwrap();
    assert_eq!(contacts.items.len(), 30);

    let again = server::startup::demo_data(app.state()).await;
    assert!(again.unwrap_err().contains("already has clients"));
    app.stop().await;
});

/// How many clients `who` can list, across pages.
async fn count_clients(app: &TestApp, who: &Staff) -> usize {
    let mut n = 0;
    for page in 0..3 {
        let p = app.run(&who.client, ListClients { query: String::new(), archived: false, page }).await.unwrap();
        n += p.items.len();
    }
    n
}

both_dbs!(setup_page_can_add_demo_data_and_shows_the_accounts_once, |app: TestApp| async move {
    let r = app
        .form(
            &new_client(),
            "/auth/setup",
            &[
                ("practice_name", "Tide Clinic"),
                ("name", "Tia Admin"),
                ("email", "tia@tide.test"),
                ("password", PASSWORD),
                ("demo", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Tide Clinic") && html.contains("anna@demo.dossier.test") && html.contains("shown only once")
    );
    let start = html.find("demo-").expect("the demo password is shown");
    let pw: String =
        html[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    assert_eq!(pw.len(), 21, "{pw}");
    // The practice's own admin and the demo practitioner both sign in; the data is there.
    let tia = sign_in_first_time(&app, "tia@tide.test", PASSWORD).await;
    let anna = sign_in_first_time(&app, "anna@demo.dossier.test", &pw).await;
    assert_eq!(count_clients(&app, &tia).await, 50);
    assert!(count_clients(&app, &anna).await > 0);
    app.stop().await;
});
