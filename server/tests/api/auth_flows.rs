//! Sign-in, enrolment, replay, throttling, invitations and password reset, end to end over
//! HTTP against SQLite and PostgreSQL.

use crate::common::*;
use app::api::auth::{GetEnrolment, GetRecoveryCodes, ReadFeedback};
use app::api::staff::{CreateRole, GetMe, InviteStaff, ListRoles, ListStaff};
use reqwest::StatusCode;

both_dbs!(first_run_setup_then_sign_in_with_totp, |app: TestApp| async move {
    // Before setup, everything points at /setup.
    let c = new_client();
    assert_eq!(location(&app.get(&c, "/").await), "/setup");
    assert_eq!(location(&app.get(&c, "/login").await), "/setup");
    assert_eq!(app.get(&c, "/setup").await.status(), StatusCode::OK);

    // Bad input: a specific message (browser) and a 422 (API), nothing created.
    let r = app
        .api_form(
            &c,
            "/auth/setup",
            &[("practice_name", "Calm Clinic"), ("name", "Ada"), ("email", "not-an-email"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .api_form(
            &c,
            "/auth/setup",
            &[("practice_name", "Calm Clinic"), ("name", "Ada"), ("email", ADMIN_EMAIL), ("password", "short")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("at least 12 characters"));
    let r = app
        .form(
            &c,
            "/auth/setup",
            &[("practice_name", ""), ("name", "Ada"), ("email", ADMIN_EMAIL), ("password", PASSWORD)],
        )
        .await;
    assert!(location(&r).starts_with("/setup?e="), "browser goes back with feedback");
    assert_eq!(location(&app.get(&c, "/").await), "/setup", "nothing was created");

    setup_practice(&app, "Calm Clinic").await;
    assert_eq!(location(&app.get(&c, "/setup").await), "/login", "setup happens once");
    let r = app
        .api_form(
            &c,
            "/auth/setup",
            &[("practice_name", "Other"), ("name", "Eve"), ("email", "eve@x.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // /app is closed without a session.
    assert_eq!(location(&app.get(&c, "/app").await), "/login");

    // Enrolment refuses a wrong code.
    let client = new_client();
    let r = app.form(&client, "/auth/login", &[("email", ADMIN_EMAIL), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/login/enrol");
    assert_eq!(
        location(&app.get(&client, "/app").await),
        "/login/enrol",
        "half signed-in is sent back to the step it is at"
    );
    let r = app.api_form(&client, "/auth/enrol", &[("code", "000000")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("not correct"));
    let e = app.run(&client, GetEnrolment {}).await.unwrap();
    let secret = e.secret_base32.clone();
    assert!(e.qr_svg_data_url.starts_with("data:image/svg+xml;base64,"));
    enrol_with(&app, &client, &secret).await;
    let codes = app.run(&client, GetRecoveryCodes {}).await.unwrap();
    assert_eq!(codes.len(), 10);
    let r = app.form(&client, "/auth/recovery-codes", &[]).await;
    assert_eq!(location(&r), "/app");

    let r = app.get(&client, "/app").await;
    assert_eq!(r.status(), StatusCode::OK);
    let me = app.run(&client, GetMe {}).await.unwrap();
    assert_eq!(me.name, "Ada Admin");
    assert_eq!(me.practice_name, "Calm Clinic");
    assert!(me.is_admin);

    // Sign out ends the session on the server.
    let r = app.form(&client, "/auth/logout", &[]).await;
    assert_eq!(location(&r), "/login?m=signed_out");
    let (status, _) = app.run(&client, GetMe {}).await.unwrap_err();
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The secret is stored encrypted, never in clear.
    use sea_orm::EntityTrait;
    let st = server::platform::entities::staff::Entity::find().one(&app.state().db).await.unwrap().unwrap();
    let stored = st.totp_secret.unwrap();
    assert!(!stored.contains(&secret) && stored.starts_with("v1."));
    app.stop().await;
});

both_dbs!(wrong_password_and_unknown_email_look_the_same, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let c = new_client();
    let a = app.api_form(&c, "/auth/login", &[("email", ADMIN_EMAIL), ("password", "wrong password here")]).await;
    let b =
        app.api_form(&c, "/auth/login", &[("email", "nobody@clinic.test"), ("password", "wrong password here")]).await;
    assert_eq!(a.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.status(), b.status());
    let (ta, tb) = (a.text().await.unwrap(), b.text().await.unwrap());
    assert_eq!(ta, tb);
    assert!(ta.contains("Email or password is incorrect."));
    // The browser gets the same message back through signed feedback.
    let r = app.form(&c, "/auth/login", &[("email", ADMIN_EMAIL), ("password", "wrong password here")]).await;
    let loc = location(&r);
    assert!(loc.starts_with("/login?e="));
    let token = loc.trim_start_matches("/login?e=");
    let fb = app.run(&c, ReadFeedback { token: token.to_owned() }).await.unwrap();
    assert_eq!(fb.map(|f| f.message).as_deref(), Some("Email or password is incorrect."));
    // A forged feedback token is ignored.
    let forged = "eyJmIjoiIiwibSI6IkNhbGwgNTU1In0.AAAAAAAAAAAAAAAAAAAAAA";
    let fb = app.run(&c, ReadFeedback { token: forged.to_owned() }).await.unwrap();
    assert!(fb.is_none());
    app.stop().await;
});

both_dbs!(totp_codes_cannot_be_replayed_and_recovery_codes_work_once, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    // Enrolment used the current step; a later step is needed for the next sign-in.
    let step = current_step() + 1;
    let code = totp_at_step(&admin.secret, step);
    let (_, r) = sign_in_with_code(&app, ADMIN_EMAIL, PASSWORD, &code).await;
    assert_eq!(location(&r), "/app", "a fresh code (next step, within skew) works");
    // The same code again: refused.
    let client = new_client();
    app.form(&client, "/auth/login", &[("email", ADMIN_EMAIL), ("password", PASSWORD)]).await;
    let r = app.api_form(&client, "/auth/mfa", &[("code", &code)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("not correct"));
    // An older step is refused too.
    let r = app.api_form(&client, "/auth/mfa", &[("code", &totp_at_step(&admin.secret, step - 1))]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A recovery code works once.
    let rc = admin.recovery_codes[0].clone();
    let r = app.form(&client, "/auth/mfa", &[("code", &rc)]).await;
    assert_eq!(location(&r), "/app");
    let (c2, _) = (new_client(), ());
    app.form(&c2, "/auth/login", &[("email", ADMIN_EMAIL), ("password", PASSWORD)]).await;
    let r = app.api_form(&c2, "/auth/mfa", &[("code", &rc)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
});

both_dbs!(repeated_failures_throttle_the_account, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let c = new_client();
    for _ in 0..5 {
        let r = app.api_form(&c, "/auth/login", &[("email", ADMIN_EMAIL), ("password", "not the password")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Even the right password is refused now, with a clear message and 429.
    let r = app.api_form(&c, "/auth/login", &[("email", ADMIN_EMAIL), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("Too many attempts"));
    // Unknown accounts are throttled the same way (no enumeration through the limiter).
    for _ in 0..5 {
        app.api_form(&c, "/auth/login", &[("email", "ghost@clinic.test"), ("password", "not the password")]).await;
    }
    let r = app.api_form(&c, "/auth/login", &[("email", "ghost@clinic.test"), ("password", "not the password")]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
});

both_dbs!(admin_invites_a_secretary_who_cannot_manage_staff, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let roles = app.run(&admin.client, ListRoles {}).await.unwrap();
    let secretary_role = roles.iter().find(|r| r.name == "Secretary").unwrap().id.clone();
    let invite = |name: &str, email: &str| InviteStaff {
        name: name.to_owned(),
        email: email.to_owned(),
        role_id: secretary_role.clone(),
    };

    // Invalid input is a 422 with a field.
    let (status, err) = app.run(&admin.client, invite("Sam", "nope")).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err.field(), Some("email"));

    app.run(&admin.client, invite("Sam Secretary", "sam@clinic.test")).await.unwrap();
    let (status, _) = app.run(&admin.client, invite("Sam Again", "sam@clinic.test")).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "duplicate email");

    let mail = app.wait_for_mail("sam@clinic.test", "invited").await;
    let link = extract_link(&mail, &app.base, "/invite/");
    let sam = new_client();
    let r = sam.get(&link).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/invite", "the token leaves the URL");
    let r = app.form(&sam, "/auth/invite", &[("password", "short")]).await;
    assert!(location(&r).starts_with("/invite?e="));
    let r = app.form(&sam, "/auth/invite", &[("password", "sam's long enough password")]).await;
    assert_eq!(location(&r), "/login/enrol");
    // The link is single use.
    let r = new_client().get(&link).send().await.unwrap();
    assert_eq!(location(&r), "/invite?m=invite_invalid");

    let secret = app.run(&sam, GetEnrolment {}).await.unwrap().secret_base32;
    enrol_with(&app, &sam, &secret).await;
    app.form(&sam, "/auth/recovery-codes", &[]).await;

    // The secretary is sent to the no-access page (a 403, under its own address, so the
    // browser hydrates what the server rendered) and refused the server functions (403).
    let r = app.get(&sam, "/app/staff").await;
    assert!(r.status().is_redirection() && location(&r) == "/app/forbidden", "{}", r.status());
    let r = app.get(&sam, "/app/forbidden").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("have access to this page"), "the no-access page is shown");
    let (status, err) = app.run(&sam, ListStaff {}).await.unwrap_err();
    assert_eq!(status, StatusCode::FORBIDDEN, "{err:?}");
    let (status, _) = app.run(&sam, invite("X", "x@clinic.test")).await.unwrap_err();
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.run(&sam, CreateRole { name: "Boss".into(), permissions: vec![] }).await.unwrap_err();
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(location(&app.get(&sam, "/app/audit").await), "/app/forbidden");
    assert_eq!(app.get(&sam, "/app/audit/export.csv").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(&sam, "/app").await.status(), StatusCode::OK);

    // The admin sees Sam as active.
    let staff = app.run(&admin.client, ListStaff {}).await.unwrap();
    let sam_row = staff.iter().find(|s| s.email == "sam@clinic.test").unwrap();
    assert_eq!(sam_row.status, "active");
    assert_eq!(sam_row.role_name, "Secretary");
    app.stop().await;
});

both_dbs!(password_reset_by_email, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let c = new_client();
    // Unknown and known addresses get the same answer.
    let a = app.api_form(&c, "/auth/forgot", &[("email", "ghost@clinic.test")]).await;
    let b = app.api_form(&c, "/auth/forgot", &[("email", ADMIN_EMAIL)]).await;
    assert_eq!(a.status(), b.status());
    assert_eq!(a.text().await.unwrap(), b.text().await.unwrap());
    let mail = app.wait_for_mail(ADMIN_EMAIL, "Reset").await;
    let link = extract_link(&mail, &app.base, "/reset/");
    let r = c.get(&link).send().await.unwrap();
    assert_eq!(location(&r), "/reset-password");
    let r = app.api_form(&c, "/auth/reset", &[("password", "tiny")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.form(&c, "/auth/reset", &[("password", "a brand new long password")]).await;
    assert_eq!(location(&r), "/login?m=password_changed");
    // The old session ended; the old password fails; the new one works; the link is dead.
    let (status, _) = app.run(&admin.client, GetMe {}).await.unwrap_err();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let r = app.api_form(&new_client(), "/auth/login", &[("email", ADMIN_EMAIL), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .form(&new_client(), "/auth/login", &[("email", ADMIN_EMAIL), ("password", "a brand new long password")])
        .await;
    assert_eq!(location(&r), "/login/mfa");
    let r = new_client().get(&link).send().await.unwrap();
    assert_eq!(location(&r), "/reset-password?m=reset_invalid");
    app.stop().await;
});
