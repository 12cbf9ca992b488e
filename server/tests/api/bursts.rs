//! Staff-side limits under parallel bursts, against a real server on both databases:
//! each burst goes through one barrier and the test counts exactly what got through.
//! Sign-in passwords and TOTP codes, concurrent audited events (the chain keeps every
//! one), first-run setup, malformed server-function bodies, the invite oracle, CSV
//! formula cells, and every staff page loaded directly (a server render that cannot
//! exhaust a worker's stack).

use crate::common::*;
use app::api::documents::SaveDocument;
use app::api::sharing::{CreateShares, SaveSharingSettings};
use app::api::staff::{InviteStaff, ListRoles};
use leptos::server_fn::ServerFn;
use reqwest::{StatusCode, header};
use sea_orm::{EntityTrait, PaginatorTrait};
use server::platform::entities::{practice, staff};

fn statuses(answers: &[(StatusCode, String)]) -> std::collections::BTreeMap<u16, usize> {
    let mut m = std::collections::BTreeMap::new();
    for (s, _) in answers {
        *m.entry(s.as_u16()).or_default() += 1;
    }
    m
}

async fn practice_id(app: &TestApp) -> String {
    practice::Entity::find().one(&app.state().db).await.unwrap().unwrap().id
}

both_dbs!(a_password_burst_gets_exactly_the_allowance, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let allowance = app.state().cfg.security.login_max_failures as usize;
    let before = audit_count(&app, "signin.failed").await;
    let c = new_client();
    // 40 at once: 39 wrong passwords and the right one among them.
    let answers = burst(40, |i| {
        let pw = if i == 20 { PASSWORD.to_owned() } else { format!("wrong guess {i}") };
        form_post(&app, &c, "/auth/login", &[("email", ADMIN_EMAIL), ("password", &pw)], false)
    })
    .await;
    let by = statuses(&answers);
    // Never more than the allowance of wrong passwords is checked, and the allowance is
    // used up. The right password spends an attempt too and gives it back once it has
    // succeeded: if that refund comes while the burst is still being answered, one more
    // wrong one is checked (5 wrong + 1 right); if it comes after every other request was
    // refused, only the rest of the allowance was (4 wrong + 1 right; seen on a loaded
    // machine); if the right one lands after the allowance is spent, it is refused (5 + 0).
    let wrong = by.get(&422).copied().unwrap_or(0);
    let right = by.get(&200).copied().unwrap_or(0);
    assert!(right <= 1, "{by:?}");
    assert!(wrong <= allowance && wrong + right >= allowance, "the allowance, no more: {by:?}");
    assert_eq!(by.get(&429).copied().unwrap_or(0), 40 - wrong - right, "{by:?}");
    assert!(!by.keys().any(|s| *s >= 500), "no 5xx under a burst: {by:?}");
    let failed = audit_count(&app, "signin.failed").await - before;
    assert_eq!(failed as usize, by.get(&422).copied().unwrap_or(0), "every checked failure is audited");
    // A success in the burst gave back only its own attempt: the failures still count.
    let r = app.api_form(&new_client(), "/auth/login", &[("email", ADMIN_EMAIL), ("password", "wrong again")]).await;
    if failed as usize >= allowance {
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    // Once the allowance is spent, the right password is refused too.
    let mut last = StatusCode::OK;
    for _ in 0..allowance {
        last =
            app.api_form(&new_client(), "/auth/login", &[("email", ADMIN_EMAIL), ("password", "nope")]).await.status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let r = app.api_form(&new_client(), "/auth/login", &[("email", ADMIN_EMAIL), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the right password after the lock is refused");
    app.stop().await;
});

both_dbs!(a_totp_burst_gets_exactly_the_allowance, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let allowance = app.state().cfg.security.login_max_failures as usize;
    let c = new_client();
    let r = app.form(&c, "/auth/login", &[("email", ADMIN_EMAIL), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/login/mfa");
    let before = audit_count(&app, "signin.failed").await;
    let wrong = totp_at_step(&admin.secret, current_step() + 1000);
    let answers = burst(17, |_| form_post(&app, &c, "/auth/mfa", &[("code", &wrong)], false)).await;
    let by = statuses(&answers);
    assert_eq!(by.get(&422).copied(), Some(allowance), "exactly the allowance is checked: {by:?}");
    assert_eq!(by.get(&429).copied(), Some(17 - allowance), "{by:?}");
    assert_eq!((audit_count(&app, "signin.failed").await - before) as usize, allowance);
    let r = app.api_form(&c, "/auth/mfa", &[("code", &totp_now(&admin.secret))]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the right code after the lock is refused");
    app.stop().await;
});

both_dbs_with!(
    concurrent_events_all_land_in_the_chain,
    |c: &mut server::config::Config| {
        c.security.login_max_failures = 1000;
        c.security.network_max_failures = 1000;
    },
    |app: TestApp| async move {
        setup_practice(&app, "Calm Clinic").await;
        let before = audit_count(&app, "signin.failed").await;
        let c = new_client();
        let answers = burst(30, |i| {
            form_post(&app, &c, "/auth/login", &[("email", ADMIN_EMAIL), ("password", &format!("wrong {i}"))], false)
        })
        .await;
        assert_eq!(statuses(&answers).get(&422).copied(), Some(30), "{:?}", statuses(&answers));
        assert_eq!(audit_count(&app, "signin.failed").await - before, 30, "30 failures, 30 events");
        let pid = practice_id(&app).await;
        let total = server::platform::entities::audit_event::Entity::find().count(&app.state().db).await.unwrap();
        assert_eq!(
            server::platform::audit::verify_chain(&app.state().db, &pid).await.unwrap(),
            Ok(total),
            "chain intact"
        );
        app.stop().await;
    }
);

both_dbs!(first_run_setup_happens_once, |app: TestApp| async move {
    let c = new_client();
    let answers = burst(6, |i| {
        let email = format!("admin{i}@clinic.test");
        form_post(
            &app,
            &c,
            "/auth/setup",
            &[("practice_name", "Calm Clinic"), ("name", "Ada Admin"), ("email", &email), ("password", PASSWORD)],
            true,
        )
    })
    .await;
    let done = answers.iter().filter(|(_, to)| to == "/login?m=setup_done").count();
    assert_eq!(done, 1, "{answers:?}");
    assert_eq!(practice::Entity::find().count(&app.state().db).await.unwrap(), 1);
    assert_eq!(staff::Entity::find().count(&app.state().db).await.unwrap(), 1);
    app.stop().await;
});

both_dbs!(malformed_server_function_bodies_are_4xx, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let send = |path: &str, ct: &str, body: Vec<u8>| {
        admin
            .client
            .post(app.url(path))
            .header(header::ORIGIN, &app.base)
            .header(header::CONTENT_TYPE, ct)
            .body(body)
            .send()
    };
    let json = "application/json";
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (CreateShares::PATH, json, b"{}".to_vec(), "request"),
        (CreateShares::PATH, json, b"{\"request\": {\"client_id\": \"a".to_vec(), "EOF"),
        (CreateShares::PATH, json, b"{\"request\": {\"client_id\": 5}}".to_vec(), "invalid type"),
        (CreateShares::PATH, json, vec![0xff, 0xfe, 0x7b], ""),
        (CreateShares::PATH, "application/x-www-form-urlencoded", b"request=1".to_vec(), ""),
        (CreateShares::PATH, "application/xml", b"<request/>".to_vec(), ""),
        (CreateShares::PATH, "multipart/form-data; boundary=x", b"--x\r\n\r\n--x--".to_vec(), ""),
        (SaveSharingSettings::PATH, json, b"{\"settings\": \"hunter2-secret\"}".to_vec(), "invalid type"),
    ];
    for (path, ct, body, names) in cases {
        let r = send(path, ct, body).await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_client_error(), "{path} {ct}: {status} {text}");
        assert!(!text.contains("transport") && !text.contains("incident"), "{path} {ct}: {text}");
        assert!(text.contains("The request could not be read"), "{path} {ct}: {text}");
        assert!(text.contains(names), "{path} {ct}: names the problem ({names}): {text}");
        assert!(!text.contains("hunter2"), "never echoes what was sent: {text}");
    }
    app.stop().await;
});

both_dbs!(invites_do_not_reveal_other_practices_accounts, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    other_practice(&app).await;
    let s = app.state();
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let roles = app.run(&admin.client, ListRoles {}).await.unwrap();
    let role = roles[0].id.clone();
    let invite = |email: &'static str| {
        let role = role.clone();
        let admin = &admin;
        let app = &app;
        async move {
            app.run(&admin.client, InviteStaff { name: "Pat Person".into(), email: email.into(), role_id: role }).await
        }
    };
    let fresh = invite("new.person@clinic.test").await;
    let elsewhere = invite("olga@other.test").await;
    // The same answer for a new address and another practice's account.
    assert_eq!(fresh, Ok("new.person@clinic.test".to_owned()));
    assert_eq!(elsewhere, Ok("olga@other.test".to_owned()));
    // The owner of the address is told instead, and nothing was created.
    let mail = app.wait_for_mail_with("olga@other.test", "An invitation to Calm Clinic", "another practice").await;
    assert!(mail.contains("already has a Dossier account with another practice"), "{mail}");
    let olga = staff::Entity::find().all(&s.db).await.unwrap();
    assert_eq!(olga.iter().filter(|st| st.email == "olga@other.test").count(), 1);
    // Someone already on this practice's list is named as such.
    let (status, err) = invite(ADMIN_EMAIL).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err:?}");
    assert!(err.to_string().contains("already on your staff list"), "{err:?}");
    app.stop().await;
});

both_dbs!(audit_csv_cells_cannot_become_formulas, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let evil = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let r = new_client()
        .post(app.url("/auth/login"))
        .header(header::ORIGIN, &app.base)
        .header(header::USER_AGENT, evil)
        .form(&[("email", ADMIN_EMAIL), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let csv = admin.client.get(app.url("/app/audit/export.csv")).send().await.unwrap().text().await.unwrap();
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let uas: Vec<String> = rows.records().map(|r| r.unwrap()[6].to_owned()).collect();
    assert!(uas.iter().any(|u| u == &format!("'{evil}")), "neutralised: {uas:?}");
    assert!(!uas.iter().any(|u| u.starts_with('=')), "{uas:?}");
    app.stop().await;
});

both_dbs!(password_reset_answers_the_same_for_every_address, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let c = new_client();
    let known = app.api_form(&c, "/auth/forgot", &[("email", ADMIN_EMAIL)]).await;
    let (ks, kb) = (known.status(), known.text().await.unwrap());
    let unknown = app.api_form(&c, "/auth/forgot", &[("email", "nobody@clinic.test")]).await;
    let (us, ub) = (unknown.status(), unknown.text().await.unwrap());
    assert_eq!((ks, kb), (us, ub));
    // The known address still gets its email, from the task that answers nothing.
    app.wait_for_mail(ADMIN_EMAIL, "Reset your Dossier password").await;
    app.stop().await;
});

// Every staff route, loaded directly (a full server render, as on a reload), on this
// debug build: each answers, and the server is still there afterwards.
both_dbs!(every_staff_page_renders_on_a_direct_load, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let client_id = create_client(&app, &admin, "Nora", "Quinnell").await;
    let draft = letter_draft("Referral", "2026-11-20", "Dr Lee", "Dear colleague");
    let doc_id = app.run(&admin.client, SaveDocument { client_id: client_id.clone(), id: None, draft }).await.unwrap();
    let routes = [
        "/app".to_owned(),
        "/app/clients".into(),
        format!("/app/clients/{client_id}"),
        "/app/contacts".into(),
        "/app/documents".into(),
        format!("/app/documents/{doc_id}"),
        format!("/app/clients/{client_id}/documents/new"),
        format!("/app/clients/{client_id}/share"),
        "/app/shared".into(),
        "/app/audit".into(),
        format!("/app/clients/{client_id}/disclosures"),
        "/app/settings".into(),
        "/app/settings/intake".into(),
        "/app/settings/sharing".into(),
        "/app/intake".into(),
        "/app/staff".into(),
        "/app/forbidden".into(),
    ];
    for path in &routes {
        let r = app.get(&admin.client, path).await;
        let status = r.status();
        let html = r.text().await.unwrap();
        // The no-access page answers 403 to everyone who reaches it.
        let expected = if path == "/app/forbidden" { StatusCode::FORBIDDEN } else { StatusCode::OK };
        assert_eq!(status, expected, "{path}");
        assert!(html.contains("</html>"), "{path} rendered whole");
    }
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "still serving after every page");
    app.stop().await;
});
