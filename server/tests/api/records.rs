//! Clients, client access control and the contact book over HTTP, on SQLite and PostgreSQL.
//! Every read and write path is tried by someone who may and someone who may not.

use crate::common::*;
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
    let (_, me) = app.server_fn(&who.client, "get_me", &[]).await;
    me["staff_id"].as_str().unwrap().to_owned()
}

/// Every client path, as `who`, must answer `expected` for client `id`.
async fn assert_client_paths(app: &TestApp, who: &Staff, id: &str, expected: StatusCode) {
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("get_client", vec![("id", id)]),
        (
            "update_client",
            vec![("id", id), ("first_name", "Olive"), ("last_name", "Owens"), ("date_of_birth", "1985-06-15")],
        ),
        ("archive_client", vec![("id", id), ("archived", "false")]),
        (
            "add_client_contact",
            vec![
                ("client_id", id),
                ("kind", "emergency"),
                ("name", "Kim"),
                ("relationship", "Sister"),
                ("email", "kim@x.test"),
            ],
        ),
    ];
    for (name, args) in calls {
        let (status, body) = app.server_fn(&who.client, name, &args).await;
        assert_eq!(status, expected, "{name} as {}: {body}", who.email);
        if expected == StatusCode::NOT_FOUND {
            assert_eq!(body, serde_json::json!("NotFound"), "no hint that the client exists");
        }
    }
}

both_dbs!(a_practitioners_client_is_theirs_alone_by_default, |app: TestApp| async move {
    let t = team(&app).await;
    let id = create_client(&app, &t.anna, "Olive", "Owens").await;
    let (_, detail) = app.server_fn(&t.anna.client, "get_client", &[("id", &id)]).await;
    assert_eq!(detail["access"]["owner"]["name"], "Anna Practitioner");
    assert_eq!(detail["access"]["mode"], "OwnerOnly");
    assert_eq!(detail["can_manage_access"], true);

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
    let (status, _) = app
        .server_fn(
            &t.ben.client,
            "set_client_access",
            &[("id", &id), ("owner_id", &staff_id(&app, &t.ben).await), ("mode", "all")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "cannot grab someone else's client");
    app.stop().await;
});

both_dbs!(access_modes_all_selected_and_ownership_transfer, |app: TestApp| async move {
    let t = team(&app).await;
    let id = create_client(&app, &t.anna, "Olive", "Owens").await;
    let (anna_id, ben_id) = (staff_id(&app, &t.anna).await, staff_id(&app, &t.ben).await);

    // All practitioners: everyone in the practice.
    let (status, body) = app
        .server_fn(&t.anna.client, "set_client_access", &[("id", &id), ("owner_id", &anna_id), ("mode", "all")])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(visible_clients(&app, &t.ben, "").await, vec!["Olive Owens"]);
    assert_eq!(visible_clients(&app, &t.sam, "").await, vec!["Olive Owens"]);
    // ...but only the owner (or an admin) changes who has access.
    let (status, _) = app
        .server_fn(&t.ben.client, "set_client_access", &[("id", &id), ("owner_id", &ben_id), ("mode", "owner")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // These practitioners: Ben yes, Sam no.
    let (status, _) = app
        .server_fn(
            &t.anna.client,
            "set_client_access",
            &[("id", &id), ("owner_id", &anna_id), ("mode", "selected"), ("selected[0]", &ben_id)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(visible_clients(&app, &t.ben, "").await, vec!["Olive Owens"]);
    assert!(visible_clients(&app, &t.sam, "").await.is_empty());
    assert_client_paths(&app, &t.ben, &id, StatusCode::OK).await;
    assert_client_paths(&app, &t.sam, &id, StatusCode::NOT_FOUND).await;
    let (_, detail) = app.server_fn(&t.anna.client, "get_client", &[("id", &id)]).await;
    assert_eq!(detail["access"]["selected"][0]["name"], "Ben Practitioner");
    // "Selected" with nobody selected is refused with a field error.
    let (status, body) = app
        .server_fn(&t.anna.client, "set_client_access", &[("id", &id), ("owner_id", &anna_id), ("mode", "selected")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "selected");
    // Unknown owner or mode.
    let (status, _) = app
        .server_fn(&t.anna.client, "set_client_access", &[("id", &id), ("owner_id", "nobody"), ("mode", "owner")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .server_fn(&t.anna.client, "set_client_access", &[("id", &id), ("owner_id", &anna_id), ("mode", "everyone")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Hand the file to Ben, owner only: Anna loses it.
    let (status, _) = app
        .server_fn(&t.anna.client, "set_client_access", &[("id", &id), ("owner_id", &ben_id), ("mode", "owner")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(visible_clients(&app, &t.anna, "").await.is_empty());
    assert_client_paths(&app, &t.anna, &id, StatusCode::NOT_FOUND).await;
    let (_, detail) = app.server_fn(&t.ben.client, "get_client", &[("id", &id)]).await;
    assert_eq!(detail["access"]["owner"]["name"], "Ben Practitioner");

    // A role with "can access all clients" sees it without being listed.
    let (status, _) = app
        .server_fn(
            &t.admin.client,
            "create_role",
            &[("name", "Clinical lead"), ("permissions[0]", "access_all_clients")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
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
        let mut args = vec![("first_name", "Ann"), ("last_name", "Lee"), ("date_of_birth", "1985-06-15")];
        args.retain(|(a, _)| *a != k);
        args.push((k, v));
        let (status, body) = app.server_fn(&admin.client, "create_client", &args).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{k}={v}: {body}");
        assert_eq!(body["Invalid"]["field"], field);
    }
    assert!(visible_clients(&app, &admin, "").await.is_empty(), "nothing half-created");

    let (status, id) = app
        .server_fn(
            &admin.client,
            "create_client",
            &[
                ("first_name", "Nora"),
                ("last_name", "Quinn"),
                ("date_of_birth", "1990-02-03"),
                ("email", "Nora@Example.com"),
                ("mobile", "07400 123456"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let id = id.as_str().unwrap().to_owned();
    let (_, d) = app.server_fn(&admin.client, "get_client", &[("id", &id)]).await;
    assert_eq!(d["client"]["mobile"], "+447400123456", "stored in E.164");
    assert_eq!(d["client"]["email"], "nora@example.com");
    for i in 0..55 {
        create_client(&app, &admin, &format!("Person{i:02}"), "Zed").await;
    }
    assert_eq!(visible_clients(&app, &admin, "quinn").await, vec!["Nora Quinn"]);
    assert_eq!(visible_clients(&app, &admin, "example.com").await, vec!["Nora Quinn"], "search by email");
    assert_eq!(visible_clients(&app, &admin, "7400").await, vec!["Nora Quinn"], "search by phone");
    assert!(visible_clients(&app, &admin, "%").await.is_empty(), "LIKE wildcards are literal");
    let (_, p0) = app.server_fn(&admin.client, "list_clients", &[]).await;
    assert_eq!(p0["items"].as_array().unwrap().len(), 50);
    assert_eq!(p0["has_more"], true);
    let (_, p1) = app.server_fn(&admin.client, "list_clients", &[("page", "1")]).await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 6);
    assert_eq!(p1["has_more"], false);

    // Relationships and emergency contacts.
    let (status, body) = app
        .server_fn(
            &admin.client,
            "add_client_contact",
            &[("client_id", &id), ("kind", "emergency"), ("name", "Pat Quinn"), ("relationship", "Mother")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "needs a way to reach them: {body}");
    let (status, _) = app
        .server_fn(
            &admin.client,
            "add_client_contact",
            &[
                ("client_id", &id),
                ("kind", "emergency"),
                ("name", "Pat Quinn"),
                ("relationship", "Mother"),
                ("phone", "+44 7400 654321"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, d) = app.server_fn(&admin.client, "get_client", &[("id", &id)]).await;
    assert_eq!(d["contacts"][0]["phone"], "+447400654321");
    let contact_id = d["contacts"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) =
        app.server_fn(&admin.client, "remove_client_contact", &[("client_id", &id), ("contact_id", &contact_id)]).await;
    assert_eq!(status, StatusCode::OK);

    // Archive hides from the list, restore brings back.
    let (status, _) = app.server_fn(&admin.client, "archive_client", &[("id", &id), ("archived", "true")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(visible_clients(&app, &admin, "quinn").await.is_empty());
    let (_, archived) = app.server_fn(&admin.client, "list_clients", &[("archived", "true")]).await;
    assert_eq!(archived["items"][0]["last_name"], "Quinn");
    app.server_fn(&admin.client, "archive_client", &[("id", &id), ("archived", "false")]).await;
    assert_eq!(visible_clients(&app, &admin, "quinn").await, vec!["Nora Quinn"]);

    // The search index follows edits (on SQLite, the FTS5 table's triggers).
    let (status, _) = app
        .server_fn(
            &admin.client,
            "update_client",
            &[("id", &id), ("first_name", "Nora"), ("last_name", "Quigley"), ("date_of_birth", "1990-02-03")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
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
    app.server_fn(
        &admin.client,
        "save_contact",
        &[("name", "Acme Insurance"), ("kind", "insurer"), ("email", "claims@acme.test")],
    )
    .await;
    other_practice(&app).await;
    let olga = sign_in_first_time(&app, "olga@other.test", PASSWORD).await;
    assert!(visible_clients(&app, &olga, "").await.is_empty());
    assert_client_paths(&app, &olga, &id, StatusCode::NOT_FOUND).await;
    let (_, contacts) = app.server_fn(&olga.client, "list_contacts", &[]).await;
    assert!(contacts["items"].as_array().unwrap().is_empty());
    let (_, staff) = app.server_fn(&olga.client, "staff_options", &[]).await;
    assert_eq!(staff.as_array().unwrap().len(), 1, "only her own practice's staff");
    app.stop().await;
});

both_dbs!(contact_book_needs_the_manage_contacts_permission, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    app.server_fn(&admin.client, "create_role", &[("name", "Viewer")]).await;
    let viewer = invite_and_enrol(&app, &admin, "Vic Viewer", "vic@clinic.test", "Viewer").await;
    let (status, body) = app
        .server_fn(
            &admin.client,
            "save_contact",
            &[("name", "Dr Gail Green"), ("organisation", "Harbour GP"), ("kind", "gp"), ("phone", "020 7946 0000")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body.as_str().unwrap().to_owned();
    let (status, body) = app.server_fn(&admin.client, "save_contact", &[("name", "No Way"), ("kind", "gp")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app
        .server_fn(&admin.client, "save_contact", &[("name", "Bad Kind"), ("kind", "wizard"), ("email", "w@x.test")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .server_fn(&viewer.client, "save_contact", &[("name", "Sneaky"), ("kind", "other"), ("email", "s@x.test")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .server_fn(
            &viewer.client,
            "save_contact",
            &[("id", &id), ("name", "Renamed"), ("kind", "gp"), ("email", "g@x.test")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Everyone can look contacts up (they are recipients, not clinical records).
    let (_, list) = app.server_fn(&viewer.client, "list_contacts", &[("query", "harbour")]).await;
    assert_eq!(list["items"][0]["name"], "Dr Gail Green");
    assert_eq!(list["items"][0]["phone"], "+442079460000");
    let (status, _) = app
        .server_fn(
            &admin.client,
            "save_contact",
            &[("id", &id), ("name", "Dr Gail Green-Smith"), ("kind", "gp"), ("email", "gail@gp.test")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = app.server_fn(&admin.client, "list_contacts", &[("query", "green-smith")]).await;
    assert_eq!(list["items"][0]["email"], "gail@gp.test");
    app.stop().await;
});
