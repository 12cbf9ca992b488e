//! Security layers: CSRF, headers, production cookie attributes, session timeouts,
//! tenant isolation, the audit chain, start-up errors, and the authorisation architecture.

use crate::common::*;
use app::api::staff::{CreateRole, GetMe, InviteStaff, ListRoles, ListStaff};
use app::domain::Permission;
use leptos::server_fn::ServerFn;
use reqwest::{StatusCode, header};
use sea_orm::{ConnectionTrait, EntityTrait};

both_dbs!(state_changing_requests_need_our_origin, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let c = new_client();
    let form = [("email", ADMIN_EMAIL), ("password", PASSWORD)];
    let evil =
        c.post(app.url("/auth/login")).header(header::ORIGIN, "https://evil.example").form(&form).send().await.unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    let bare = c.post(app.url("/auth/login")).form(&form).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::FORBIDDEN, "no Origin and no Sec-Fetch-Site");
    let cross = c
        .post(app.url("/auth/login"))
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, &app.base)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let sf = c.post(app.url(GetMe::PATH)).header("sec-fetch-site", "same-site").send().await.unwrap();
    assert_eq!(sf.status(), StatusCode::FORBIDDEN, "server functions are covered too");
    let null_origin = c
        .post(app.url("/auth/login"))
        .header("sec-fetch-site", "same-origin")
        .header(header::ORIGIN, "null")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(null_origin.status(), StatusCode::OK, "Chromium's same-origin post under no-referrer");
    let ok = c.post(app.url("/auth/login")).header("sec-fetch-site", "same-origin").form(&form).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK, "same-origin passes (API answer)");
    app.stop().await;
});

both_dbs!(security_headers_on_every_response, |app: TestApp| async move {
    let c = new_client();
    for path in ["/setup", "/healthz", "/nope", "/portal/link-invalid"] {
        let r = app.get(&c, path).await;
        let h = r.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        for part in ["'nonce-", "'wasm-unsafe-eval'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"]
        {
            assert!(csp.contains(part), "{path}: CSP lacks {part}: {csp}");
        }
        assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert!(h.get("strict-transport-security").is_some());
        assert_eq!(h.get("cross-origin-opener-policy").unwrap(), "same-origin");
        assert_eq!(h.get("cache-control").unwrap(), "no-store", "{path}");
    }
    // The page's inline script carries the header's nonce; no third-party origins appear.
    let r = app.get(&c, "/setup").await;
    let csp = r.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "inline scripts carry the nonce");
    assert!(!html.contains("https://"), "no third-party resources");
    // The portal ships no script at all.
    let portal = app.get(&c, "/portal/link-invalid").await.text().await.unwrap();
    assert!(!portal.contains("<script"), "portal pages are server-rendered only");
    assert!(portal.contains("This link is not valid"));
    app.stop().await;
});

#[tokio::test]
async fn production_cookies_are_host_prefixed_secure_httponly_strict() {
    let app = spawn_with(Db::Sqlite, |c| c.security.insecure_dev_cookies = false).await.unwrap();
    setup_practice(&app, "Calm Clinic").await;
    let c = new_client();
    let r = app.form(&c, "/auth/login", &[("email", ADMIN_EMAIL), ("password", PASSWORD)]).await;
    let cookie = r.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-dossier_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    assert!(!cookie.contains("Domain="), "__Host- cookies have no Domain");
    app.stop().await;
}

#[tokio::test]
async fn idle_sessions_end_on_the_server() {
    let app = spawn_with(Db::Sqlite, |c| c.security.staff_idle_timeout_secs = 2).await.unwrap();
    setup_practice(&app, "Calm Clinic").await;
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(app.get(&admin.client, "/app").await.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    let r = app.get(&admin.client, "/app").await;
    assert_eq!(location(&r), "/login?m=session_ended");
    let (status, _) = app.run(&admin.client, GetMe {}).await.unwrap_err();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let rows = server::platform::entities::staff_session::Entity::find().all(&app.state().db).await.unwrap();
    assert!(rows.iter().all(|s| s.stage != "active"), "the expired session row is gone");
    app.stop().await;
}

both_dbs!(practices_never_see_each_other, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    // A second practice created by the CLI path.
    other_practice(&app).await;
    let s = app.state();
    let admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    let staff = app.run(&admin.client, ListStaff {}).await.unwrap();
    let emails: Vec<_> = staff.iter().map(|s| s.email.clone()).collect();
    assert_eq!(emails, vec![ADMIN_EMAIL.to_owned()]);
    let roles = app.run(&admin.client, ListRoles {}).await.unwrap();
    assert_eq!(roles.len(), 3, "only this practice's roles");
    // Another practice's role id is "not a role" here.
    let other_role = server::platform::entities::role::Entity::find()
        .all(&s.db)
        .await
        .unwrap()
        .into_iter()
        .find(|r| roles.iter().all(|x| x.id != r.id))
        .unwrap();
    let invite = InviteStaff { name: "X".into(), email: "x@clinic.test".into(), role_id: other_role.id };
    let (status, _) = app.run(&admin.client, invite).await.unwrap_err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Custom roles are per practice and audited.
    let billing = CreateRole { name: "Billing".into(), permissions: vec!["edit_invoices".into()] };
    let role = app.run(&admin.client, billing).await.unwrap();
    assert_eq!(role.permissions, [Permission::EditInvoices]);
    app.stop().await;
});

both_dbs!(audit_log_is_chained_and_append_only, |app: TestApp| async move {
    setup_practice(&app, "Calm Clinic").await;
    let _admin = sign_in_first_time(&app, ADMIN_EMAIL, PASSWORD).await;
    app.api_form(&new_client(), "/auth/login", &[("email", ADMIN_EMAIL), ("password", "wrong password!")]).await;
    let db = &app.state().db;
    let practice = server::platform::entities::practice::Entity::find().one(db).await.unwrap().unwrap();
    let n = server::platform::audit::verify_chain(db, &practice.id).await.unwrap().expect("intact");
    assert!(n >= 5, "setup, enrolment, sign-in and the failure are recorded ({n})");
    let events = server::platform::entities::audit_event::Entity::find().all(db).await.unwrap();
    let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
    for a in ["practice.created", "staff.created", "totp.enrolled", "signin.succeeded", "signin.failed"] {
        assert!(actions.contains(&a), "missing {a}: {actions:?}");
    }
    assert!(events.iter().all(|e| !e.detail.contains(PASSWORD)));
    // The database refuses edits...
    assert!(db.execute_unprepared("UPDATE audit_event SET action = 'x'").await.is_err());
    assert!(db.execute_unprepared("DELETE FROM audit_event").await.is_err());
    // ...and if someone with database rights edits a row anyway, verification names it.
    let backend = db.get_database_backend();
    if backend == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change").await.unwrap();
    } else {
        db.execute_unprepared("DROP TRIGGER audit_event_no_update").await.unwrap();
    }
    db.execute_unprepared("UPDATE audit_event SET detail = '{\"forged\":true}' WHERE seq = 3").await.unwrap();
    assert_eq!(server::platform::audit::verify_chain(db, &practice.id).await.unwrap(), Err(3));
    app.stop().await;
});

both_dbs!(outbox_sends_each_message_once_across_workers, |app: TestApp| async move {
    // Two extra workers race the server's own worker over the same queue.
    let s = app.state().clone();
    setup_practice(&app, "Calm Clinic").await;
    let practice = server::platform::entities::practice::Entity::find().one(&s.db).await.unwrap().unwrap();
    for i in 0..12 {
        let m = server::delivery::mail::OutgoingEmail {
            to: format!("r{i}@race.test"),
            to_name: None,
            subject: format!("race {i}"),
            text: "t".into(),
            html: "<p>t</p>".into(),
            from: None,
            from_name: None,
            attachments: Vec::new(),
        };
        server::delivery::mail::enqueue(&s.db, &s.keys, &practice.id, "test", &m).await.unwrap();
    }
    let transport = server::delivery::mail::Transport::from_config(&s.cfg).unwrap();
    let (a, b) = tokio::join!(
        server::delivery::mail::run_once(&s.db, &s.keys, &transport, &s.cfg.mail.from),
        server::delivery::mail::run_once(&s.db, &s.keys, &transport, &s.cfg.mail.from)
    );
    a.unwrap();
    b.unwrap();
    for _ in 0..50 {
        let rows = server::platform::entities::outbox_email::Entity::find().all(&s.db).await.unwrap();
        if rows.iter().all(|r| r.status == server::platform::entities::OutboxStatus::Sent) {
            assert!(rows.iter().all(|r| r.attempts == 1 && r.payload.is_none()), "each sent once, body erased");
            app.stop().await;
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("outbox did not drain");
});

#[tokio::test]
async fn health_and_metrics() {
    let app = spawn(Db::Sqlite).await.unwrap();
    let c = new_client();
    let r = app.get(&c, "/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    app.get(&c, "/setup").await;
    let m = app.get(&c, "/metrics").await.text().await.unwrap();
    assert!(m.contains("dossier_http_responses_total"), "{m}");
    app.stop().await;
}

fn run_binary(envs: &[(&str, &str)]) -> (i32, String) {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"));
    cmd.arg("migrate").current_dir(tmp.path()).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.env("DOSSIER__DATA__DIR", tmp.path().join("data"));
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "no panic traces: {err}");
    (out.status.code().unwrap_or(-1), err)
}

#[test]
fn start_up_errors_are_one_clear_line() {
    let (code, err) = run_binary(&[("DATABASE_URL", "mysql://nope/x")]);
    assert_eq!(code, 2);
    assert!(err.contains("unsupported database URL"), "{err}");
    let (code, err) = run_binary(&[("DATABASE_URL", "postgres://nobody:sekrit@127.0.0.1:1/none")]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot connect to the database") && !err.contains("sekrit"), "{err}");
    let (code, err) =
        run_binary(&[("DOSSIER__SECURITY__MODE", "production"), ("DOSSIER__SERVER__PUBLIC_URL", "https://x.test")]);
    assert_eq!(code, 2);
    assert!(err.contains("master_key"), "{err}");
    let (code, err) = run_binary(&[("DOSSIER__SERVER__BINDD", "1")]);
    assert_eq!(code, 2);
    assert!(err.contains("bindd"), "{err}");
    let (code, err) = run_binary(&[("DOSSIER__DATA__DIR", "/proc/dossier-cannot-write-here")]);
    assert_eq!(code, 2);
    assert!(err.contains("data folder"), "{err}");
    let (code, err) = run_binary(&[]);
    assert_eq!(code, 0, "{err}");
}

/// Only the session layer may construct a `StaffPrincipal`.
#[test]
fn only_the_session_layer_creates_principals() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut offenders = Vec::new();
    for dir in ["app/src", "server/src"] {
        visit(&root.join(dir), &mut |p, text| {
            if text.contains("__from_verified_session(")
                && !p.ends_with("server/src/web/session.rs")
                && !p.ends_with("app/src/ports.rs")
            {
                offenders.push(p.display().to_string());
            }
        });
    }
    assert!(offenders.is_empty(), "StaffPrincipal constructed outside the session layer: {offenders:?}");
}

fn visit(dir: &std::path::Path, f: &mut dyn FnMut(&std::path::Path, &str)) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            visit(&p, f);
        } else if p.extension().is_some_and(|x| x == "rs") {
            f(&p, &std::fs::read_to_string(&p).unwrap());
        }
    }
}

/// The layout's dependency rule (README, Architecture): foundations (`platform`,
/// `delivery`, `web`) import no area; an area imports foundations and, of another area,
/// only the access rule of `records` (`records::access`). Only the router wires areas
/// together.
#[test]
fn areas_import_foundations_and_the_access_rule_only() {
    const FOUNDATIONS: [&str; 3] = ["platform", "delivery", "web"];
    const AREAS: [&str; 7] = ["identity", "records", "documents", "intake", "sharing", "portal", "audit_log"];
    const ACCESS_RULE: [&str; 1] = ["records::access"];
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    visit(&src, &mut |p, text| {
        let rel = p.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        let top = rel.split('/').next().unwrap().trim_end_matches(".rs").to_owned();
        for path in crate_paths(text) {
            let target = path.split("::").next().unwrap_or("");
            if !AREAS.contains(&target) || target == top {
                continue;
            }
            if FOUNDATIONS.contains(&top.as_str()) {
                broken.push(format!("{rel} (a foundation) imports {path}"));
            } else if AREAS.contains(&top.as_str()) && !ACCESS_RULE.iter().any(|a| path.starts_with(a)) {
                broken.push(format!("{rel} imports {path}"));
            }
        }
    });
    assert!(broken.is_empty(), "imports that break the layout's rule: {broken:#?}");
}

/// No file of `server/src` imports, through `crate::` paths, a file that imports it back,
/// directly or through others: the layout has no import cycles (the two it had ran through
/// seven files).
#[test]
fn no_file_imports_in_a_circle() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let file_of = |path: &str| -> Option<String> {
        let mut parts = path.split("::");
        let (a, b) = (parts.next()?, parts.next().unwrap_or(""));
        [format!("{a}/{b}.rs"), format!("{a}/mod.rs"), format!("{a}.rs")]
            .into_iter()
            .find(|f| !f.starts_with('/') && !f.contains("/.rs") && src.join(f).is_file())
    };
    let mut edges: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    visit(&src, &mut |p, text| {
        let rel = p.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        let to: std::collections::BTreeSet<String> =
            crate_paths(text).iter().filter_map(|path| file_of(path)).filter(|f| *f != rel).collect();
        edges.insert(rel, to);
    });
    assert!(edges.len() > 40, "the walk found the source files: {}", edges.len());
    // Depth-first search; a file met again while still on the path closes a cycle.
    fn walk(
        f: &str,
        edges: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
        cycles: &mut Vec<String>,
    ) {
        if let Some(i) = path.iter().position(|p| p == f) {
            cycles.push(format!("{} -> {f}", path[i..].join(" -> ")));
            return;
        }
        if !done.insert(f.to_owned()) {
            return;
        }
        path.push(f.to_owned());
        for t in edges.get(f).into_iter().flatten() {
            walk(t, edges, path, done, cycles);
        }
        path.pop();
    }
    let (mut done, mut cycles) = (Default::default(), Vec::new());
    for f in edges.keys() {
        walk(f, &edges, &mut Vec::new(), &mut done, &mut cycles);
    }
    assert!(cycles.is_empty(), "files that import each other: {cycles:#?}");
}

/// Every `crate::a::b` path of a file, as "a::b" (or "a::" for `crate::a::{…}` and
/// `crate::a` alone), including the items of `use crate::{…}` groups.
fn crate_paths(text: &str) -> Vec<String> {
    let ident = |s: &str| {
        s.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_').collect::<String>()
    };
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The top-level items of the group.
            let (mut depth, mut item, mut end) = (0, String::new(), group.len());
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        end = k;
                        break;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
                if ch == ',' && depth == 0 {
                    out.push(first_two(&item, &ident));
                    item.clear();
                } else {
                    item.push(ch);
                }
            }
            out.push(first_two(&item, &ident));
            rest = &group[end..];
        } else {
            out.push(first_two(rest, &ident));
        }
    }
    out.retain(|p| !p.is_empty());
    out
}

fn first_two(item: &str, ident: &dyn Fn(&str) -> String) -> String {
    let item = item.trim();
    let a = ident(item);
    if a.is_empty() {
        return String::new();
    }
    let after = &item[a.len()..];
    match after.strip_prefix("::") {
        Some(r) => format!("{a}::{}", ident(r)),
        None => format!("{a}::"),
    }
}
