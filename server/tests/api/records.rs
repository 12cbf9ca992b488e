//! Clients, client access control and the contact book over HTTP, on SQLite and PostgreSQL.
//! Every read and write path is tried by someone who may and someone who may not.

use crate::common::*;
use app::api::records::{
    AddClientContact, ArchiveClient, CreateClient, GetClient, ListClients, ListContacts, RemoveClientContact,
    SaveContact, SetClientAccess, StaffOptions, UpdateClient,
};
use app::api::staff::{CreateRole, GetMe};
use app::domain::records::AccessMode;
use app::error::AppError;
use reqwest::StatusCode;

struct Team {
    admin: Staff,
    anna: Staff,
    ben: Staff,
    sam: Staff,
}

async fn team(app: &TestApp) -> Team {
    setup_practice(app, "Calm Clinic").await;
    let admin = sign_in_first_time(app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(app, &admin, "Anna Practitioner", "anna@clinic.test", "Practitioner").await;
    let ben = invite_and_enrol(app, &admin, "Ben Practitioner", "ben@clinic.test", "Practitioner").await;
    let sam = invite_and_enrol(app, &admin, "Sam Secretary", "sam@clinic.test", "Secretary").await;
    Team { admin, anna, ben, sam }
}

async fn staff_id(app: &TestApp, who: &Staff) -> String {
    app.run(&who.client, GetMe {}).await.unwrap().staff_id
}

/// Every client path, as `who`, must answer `expected` for client `id`.
async fn assert_client_paths(app: &TestApp, who: &Staff, id: &str, expected: StatusCode) {
    let c = &who.client;
    let update = UpdateClient {
        id: id.to_owned(),
        first_name: "Olive".into(),
        last_name: "Owens".into(),
        date_of_birth: "1985-06-15".into(),
        email: String::new(),
        mobile: String::new(),
    };
    let contact = AddClientContact {
        client_id: id.to_owned(),
        kind: "emergency".into(),
        name: "Kim".into(),
        relationship: "Sister".into(),
        email: "kim@x.test".into(),
        phone: String::new(),
    };
    let answers = [
        ("get_client", app.run(c, GetClient { id: id.to_owned() }).await.map(drop)),
        ("update_client", app.run(c, update).await),
        ("archive_client", app.run(c, ArchiveClient { id: id.to_owned(), archived: false }).await),
        ("add_client_contact", app.run(c, contact).await),
    ];
    for (name, answer) in answers {
        assert_eq!(status_of(&answer), expected, "{name} as {}: {answer:?}", who.email);
        if expected == StatusCode::NOT_FOUND {
            assert_eq!(answer.err().map(|(_, e)| e), Some(AppError::NotFound), "no hint that the client exists");
        }
    }
}

/// A new contact-book entry with only a name and a kind.
fn contact(name: &str, kind: &str) -> SaveContact {
    SaveContact {
        id: String::new(),
        name: name.to_owned(),
        organisation: String::new(),
        kind: kind.to_owned(),
        email: String::new(),
        phone: String::new(),
    }
}

both_dbs!(a_practitioners_client_is_theirs_alone_by_default, |app: TestApp| async move {
    let t = team(&app).await;
    let id = create_client(&app, &t.anna, "Olive", "Owens").await;
    let detail = app.run(&t.anna.client, GetClient { id: id.clone() }).await.unwrap();
    assert_eq!(detail.access.owner.name, "Anna Practitioner");
    assert_eq!(detail.access.mode, AccessMode::OwnerOnly);
    assert!(detail.can_manage_access);

    assert_eq!(visible_clients(&app, &t.anna, "").await, vec!["Olive Owens"]);
    assert!(visible_clients(&app, &t.ben, "").await.is_empty());
    assert!(visible_clients(&app, &t.sam, "olive").await.is_empty(), "search reveals nothing either");
    assert_eq!(visible_clients(&app, &t.admin, "").await, vec!["Olive Owens"], "admins see every client");

    assert_client_paths(&app, &t.anna, &id, StatusCode::OK).await;
    assert_client_paths(&app, &t.ben, &id, StatusCode::NOT_FOUND).await;
    assert_client_paths(&app, &t.sam, &id, StatusCode::NOT_FOUND).await;
    assert_client_paths(&app, &t.admin, &id, StatusCode::OK).await;
    // A made-up id answers exactly the same.
    assert_client_paths(&app, &t.ben, "0190f0f0-0000-7000-8000-000000000000", StatusCode::NOT_FOUND).await;
    let grab = SetClientAccess {
        id: id.clone(),
        owner_id: staff_id(&app, &t.ben).await,
        mode: "all".into(),
        selected: vec![],
    };
    let (status, _) = app.run(&t.ben.client, grab).await.unwrap_err();
    assert_eq!(status, StatusCode::NOT_FOUND, "cannot grab someone else's client");
    app.stop().await;
});

both_dbs!(access_modes_all_selected_and_ownership_transfer, |app: TestApp| async move {
    let t = team(&app).await;
    let id = create_client(&app, &t.anna, "Olive", "Owens").await;
    let (anna_id, ben_id) = (staff_id(&app, &t.anna).await, staff_id(&app, &t.ben).await);

    let access = |owner_id: &str, mode: &str, selected: Vec<String>| SetClientAccess {
        id: id.clone(),
        owner_id: owner_id.to_owned(),
        mode: mode.to_owned(),
        selected,
    };

    // All practitioners: everyone in the practice.
    app.run(&t.anna.client, access(&anna_id, "all", vec![])).await.unwrap();
    assert_eq!(visible_clients(&app, &t.ben, "").await, vec!["Olive Owens"]);
    assert_eq!(visible_clients(&app, &t.sam, "").await, vec!["Olive Owens"]);
    // ...but only the owner (or an admin) changes who has access.
    let (status, _) = app.run(&t.ben.client, access(&ben_id, "owner", vec![])).await.unwrap_err();
    assert_eq!(status, StatusCode::FORBIDDEN);

    // These practitioners: Ben yes, Sam no.
    app.run(&t.anna.client, access(&anna_id, "selected", vec![ben_id.clone()])).await.unwrap();
    assert_eq!(visible_clients(&app, &t.ben, "").await, vec!["Olive Owens"]);
    assert!(visible_clients(&app, &t.sam, "").await.is_empty());
    assert_client_paths(&app, &t.ben, &id, StatusCode::OK).await;
    assert_client_paths(&app, &t.sam, &id, StatusCode::NOT_FOUND).await;
    let detail = app.run(&t.anna.client, GetClient { id: id.clone() }).await.unwrap();
    assert_eq!(detail.access.selected[0].name, "Ben Practitioner");
    // "Selected" with nobody selected is refused with a field error.
    let (status, err) = app.run(&t.anna.client, access(&anna_id, "selected", vec![])).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err.field(), Some("selected"));
    // Unknown owner or mode.
    let (status, _) = app.run(&t.anna.client, access("nobody", "owner", vec![])).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app.run(&t.anna.client, access(&anna_id, "everyone", vec![])).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Hand the file to Ben, owner only: Anna loses it.
    app.run(&t.anna.client, access(&ben_id, "owner", vec![])).await.unwrap();
    assert!(visible_clients(&app, &t.anna, "").await.is_empty());
    assert_client_paths(&app, &t.anna, &id, StatusCode::NOT_FOUND).await;
    let detail = app.run(&t.ben.client, GetClient { id: id.clone() }).await.unwrap();
    assert_eq!(detail.access.owner.name, "Ben Practitioner");

    // A role with "can access all clients" sees it without being listed.
    let lead = CreateRole { name: "Clinical lead".into(), permissions: vec!["access_all_clients".into()] };
    app.run(&t.admin.client, lead).await.unwrap();
    let lead = invite_and_enrol(&app, &t.admin, "Lee Lead", "lee@clinic.test", "Clinical lead").await;
    assert_eq!(visible_clients(&app, &lead, "").await, vec!["Olive Owens"]);

    // Every change is audited.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let n = server::platform::entities::audit_event::Entity::find()
        .filter(server::platform::entities::audit_event::Column::Action.eq("client.access_changed"))
        .all(&app.state().db)
        .await
        .unwrap()
        .len();
    assert_eq!(n, 3, "one event per successful change, none for refused ones");
    app.stop().await;
});

both_dbs!(clients_validate_search_page_and_archive, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let bad = [
        (("first_name", ""), "first_name"),
        (("date_of_birth", "15/06/1985"), "date_of_birth"),
        (("date_of_birth", "2999-01-01"), "date_of_birth"),
        (("email", "nope@"), "email"),
        (("mobile", "12"), "mobile"),
    ];
    for ((k, v), field) in bad {
        let mut args = client_form("Ann", "Lee", "1985-06-15");
        match k {
            "first_name" => args.first_name = v.to_owned(),
            "date_of_birth" => args.date_of_birth = v.to_owned(),
            "email" => args.email = v.to_owned(),
            _ => args.mobile = v.to_owned(),
        }
        let (status, err) = app.run(&admin.client, args).await.unwrap_err();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{k}={v}: {err:?}");
        assert_eq!(err.field(), Some(field));
    }
    assert!(visible_clients(&app, &admin, "").await.is_empty(), "nothing half-created");

    let nora = CreateClient {
        email: "Nora@Example.com".into(),
        mobile: "07400 123456".into(),
        ..client_form("Nora", "Quinn", "1990-02-03")
    };
    let id = app.run(&admin.client, nora).await.unwrap();
    let d = app.run(&admin.client, GetClient { id: id.clone() }).await.unwrap();
    assert_eq!(d.client.mobile.as_deref(), Some("+447400123456"), "stored in E.164");
    assert_eq!(d.client.email.as_deref(), Some("nora@example.com"));
    for i in 0..55 {
        create_client(&app, &admin, &format!("Person{i:02}"), "Zed").await;
    }
    assert_eq!(visible_clients(&app, &admin, "quinn").await, vec!["Nora Quinn"]);
    assert_eq!(visible_clients(&app, &admin, "example.com").await, vec!["Nora Quinn"], "search by email");
    assert_eq!(visible_clients(&app, &admin, "7400").await, vec!["Nora Quinn"], "search by phone");
    assert!(visible_clients(&app, &admin, "%").await.is_empty(), "LIKE wildcards are literal");
    let p0 = app.run(&admin.client, ListClients { query: String::new(), archived: false, page: 0 }).await.unwrap();
    assert_eq!(p0.items.len(), 50);
    assert!(p0.has_more);
    let p1 = app.run(&admin.client, ListClients { query: String::new(), archived: false, page: 1 }).await.unwrap();
    assert_eq!(p1.items.len(), 6);
    assert!(!p1.has_more);

    // Relationships and emergency contacts.
    let mother = AddClientContact {
        client_id: id.clone(),
        kind: "emergency".into(),
        name: "Pat Quinn".into(),
        relationship: "Mother".into(),
        email: String::new(),
        phone: String::new(),
    };
    let (status, err) = app.run(&admin.client, mother.clone()).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "needs a way to reach them: {err:?}");
    app.run(&admin.client, AddClientContact { phone: "+44 7400 654321".into(), ..mother }).await.unwrap();
    let d = app.run(&admin.client, GetClient { id: id.clone() }).await.unwrap();
    assert_eq!(d.contacts[0].phone.as_deref(), Some("+447400654321"));
    let contact_id = d.contacts[0].id.clone();
    app.run(&admin.client, RemoveClientContact { client_id: id.clone(), contact_id }).await.unwrap();

    // Archive hides from the list, restore brings back.
    app.run(&admin.client, ArchiveClient { id: id.clone(), archived: true }).await.unwrap();
    assert!(visible_clients(&app, &admin, "quinn").await.is_empty());
    let archived = app.run(&admin.client, ListClients { query: String::new(), archived: true, page: 0 }).await.unwrap();
    assert_eq!(archived.items[0].last_name, "Quinn");
    app.run(&admin.client, ArchiveClient { id: id.clone(), archived: false }).await.unwrap();
    assert_eq!(visible_clients(&app, &admin, "quinn").await, vec!["Nora Quinn"]);

    // The search index follows edits (on SQLite, the FTS5 table's triggers).
    let renamed = UpdateClient {
        id: id.clone(),
        first_name: "Nora".into(),
        last_name: "Quigley".into(),
        date_of_birth: "1990-02-03".into(),
        email: String::new(),
        mobile: String::new(),
    };
    app.run(&admin.client, renamed).await.unwrap();
    assert!(visible_clients(&app, &admin, "quinn").await.is_empty(), "the old name is gone from the index");
    assert_eq!(visible_clients(&app, &admin, "quigley").await, vec!["Nora Quigley"]);
    assert_eq!(visible_clients(&app, &admin, "qu").await, vec!["Nora Quigley"], "short queries still work");
    assert_eq!(visible_clients(&app, &admin, "ra qui").await, vec!["Nora Quigley"], "substrings across words");
    app.stop().await;
});

both_dbs!(other_practices_never_see_clients_or_contacts, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let id = create_client(&app, &admin, "Olive", "Owens").await;
    let acme = contact("Acme Insurance", "insurer");
    app.run(&admin.client, SaveContact { email: "claims@acme.test".into(), ..acme }).await.unwrap();
    other_practice(&app).await;
    let olga = sign_in_first_time(&app, "olga@other.test", PASSWORD).await;
    assert!(visible_clients(&app, &olga, "").await.is_empty());
    assert_client_paths(&app, &olga, &id, StatusCode::NOT_FOUND).await;
    let contacts = app.run(&olga.client, ListContacts { query: String::new(), page: 0 }).await.unwrap();
    assert!(contacts.items.is_empty());
    let staff = app.run(&olga.client, StaffOptions {}).await.unwrap();
    assert_eq!(staff.len(), 1, "only her own practice's staff");
    app.stop().await;
});

both_dbs!(contact_book_needs_the_manage_contacts_permission, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    app.run(&admin.client, CreateRole { name: "Viewer".into(), permissions: vec![] }).await.unwrap();
    let viewer = invite_and_enrol(&app, &admin, "Vic Viewer", "vic@clinic.test", "Viewer").await;
    let gail = SaveContact {
        organisation: "Harbour GP".into(),
        phone: "020 7946 0000".into(),
        ..contact("Dr Gail Green", "gp")
    };
    let id = app.run(&admin.client, gail).await.unwrap();
    let (status, err) = app.run(&admin.client, contact("No Way", "gp")).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err:?}");
    let bad_kind = SaveContact { email: "w@x.test".into(), ..contact("Bad Kind", "wizard") };
    let (status, _) = app.run(&admin.client, bad_kind).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let sneaky = SaveContact { email: "s@x.test".into(), ..contact("Sneaky", "other") };
    let (status, _) = app.run(&viewer.client, sneaky).await.unwrap_err();
    assert_eq!(status, StatusCode::FORBIDDEN);
    let rename = SaveContact { id: id.clone(), email: "g@x.test".into(), ..contact("Renamed", "gp") };
    let (status, _) = app.run(&viewer.client, rename).await.unwrap_err();
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Everyone can look contacts up (they are recipients, not clinical records).
    let list = app.run(&viewer.client, ListContacts { query: "harbour".into(), page: 0 }).await.unwrap();
    assert_eq!(list.items[0].name, "Dr Gail Green");
    assert_eq!(list.items[0].phone.as_deref(), Some("+442079460000"));
    let renamed = SaveContact { id: id.clone(), email: "gail@gp.test".into(), ..contact("Dr Gail Green-Smith", "gp") };
    app.run(&admin.client, renamed).await.unwrap();
    let list = app.run(&admin.client, ListContacts { query: "green-smith".into(), page: 0 }).await.unwrap();
    assert_eq!(list.items[0].email.as_deref(), Some("gail@gp.test"));
    app.stop().await;
});
