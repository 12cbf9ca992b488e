//! After sharing: the Shared tab's list and each action (revoke one or all, extend,
//! resend, unlock) with its permission and access checks and its audit event; revoking
//! cuts off an open recipient session on another instance; the expiry sweep.

use crate::common::*;
use app::api::audit::ListAudit;
use app::api::documents::{GetDocument, SaveDocument};
use app::api::records::{GetClient, SetClientAccess};
use app::api::sharing::{
    CreateShares, DocumentShares, ExtendShare, ListClientShares, ListNotifications, ListShares, MarkNotificationsRead,
    ResendShare, RevokeClientShares, RevokeShare, RevokeShares, SaveSharingSettings, SharingSettings, UnlockShare,
};
use app::api::staff::GetMe;
use app::domain::audit::AuditFilter;
use app::domain::sharing::{Purpose, ShareFilter, ShareRequest, ShareRow, ShareStatus, VerifyMethod};
use app::dto::Page;
use app::error::AppError;
use reqwest::{Client, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::platform::entities::{audit_event, notification, share};

struct World {
    admin: Staff,
    anna: Staff,
    ben: Staff,
    sue: Staff,
    client_id: String,
    doc_id: String,
}

const PASSCODE: &str = "tide pool lantern 42";

async fn world(app: &TestApp) -> World {
    setup_practice(app, "Calm Clinic").await;
    let admin = sign_in_first_time(app, ADMIN_EMAIL, PASSWORD).await;
    let anna = invite_and_enrol(app, &admin, "Anna Byrne", "anna@clinic.test", "Practitioner").await;
    let ben = invite_and_enrol(app, &admin, "Ben Okafor", "ben@clinic.test", "Practitioner").await;
    let sue = invite_and_enrol(app, &admin, "Sue Secretary", "sue@clinic.test", "Secretary").await;
    let client_id = create_client(app, &anna, "Nora", "Quinnell").await;
    // Sue may see the client (selected access) but not share.
    let sue_me = app.run(&sue.client, GetMe {}).await.unwrap();
    let anna_me = app.run(&anna.client, GetMe {}).await.unwrap();
    let access = SetClientAccess {
        id: client_id.clone(),
        owner_id: anna_me.staff_id,
        mode: "selected".into(),
        selected: vec![sue_me.staff_id],
    };
    app.run(&anna.client, access).await.unwrap();
    let draft = letter_draft("Letter to GP", "2026-11-21", "Dr Green", "LETTER-TEXT");
    let doc_id = app.run(&anna.client, SaveDocument { client_id: client_id.clone(), id: None, draft }).await.unwrap();
    World { admin, anna, ben, sue, client_id, doc_id }
}

async fn share_to(app: &TestApp, w: &World, email: &str) -> (String, String) {
    let gail = typed_recipient("Gail Green", email, VerifyMethod::Passcode, PASSCODE);
    let request = ShareRequest {
        expires_on: in_days(5),
        purpose: Purpose::Insurance,
        purpose_text: "Claim 42".into(),
        ..share_request(&w.client_id, vec![w.doc_id.clone()], vec![gail])
    };
    let out = app.run(&w.anna.client, CreateShares { request }).await.unwrap();
    let id = out.shares[0].0.clone();
    let mail = app.wait_for_mail(email, "shared documents").await;
    (id, extract_link(&mail, &app.base, "/s/"))
}

/// Opens the link and verifies with the passcode: a recipient reading.
async fn reader(app: &TestApp, link: &str) -> Client {
    let c = new_client();
    c.get(link).send().await.unwrap();
    let r = app.form(&c, "/portal/verify", &[("passcode", PASSCODE)]).await;
    assert_eq!(location(&r), "/portal");
    c
}

async fn events(app: &TestApp, action: &str) -> u64 {
    audit_event::Entity::find().filter(audit_event::Column::Action.eq(action)).count(&app.state().db).await.unwrap()
}

async fn row(app: &TestApp, id: &str) -> share::Model {
    share::Entity::find_by_id(id.to_owned()).one(&app.state().db).await.unwrap().unwrap()
}

both_dbs!(the_shared_tab_lists_and_each_action_is_checked_and_audited, |app: TestApp| async move {
    let w = world(&app).await;
    let (id, link) = share_to(&app, &w, "gail@gp.test").await;

    // The list: what, to whom, how, why, by whom, status.
    let shares = |status: Option<ShareStatus>| ListClientShares { client_id: w.client_id.clone(), status };
    let list = app.run(&w.anna.client, shares(None)).await.unwrap();
    let r = &list[0];
    assert_eq!((r.recipient_name.as_str(), r.documents[0].as_str()), ("Gail Green", "Letter to GP"));
    assert_eq!(r.purpose, "Insurance claim: Claim 42");
    assert_eq!(r.sender, "Anna Byrne");
    assert_eq!(r.method, "Email + secret passcode");
    let opened = app.run(&w.anna.client, shares(Some(ShareStatus::Opened))).await.unwrap();
    assert!(opened.is_empty(), "filtered by status: {opened:?}");
    let history = app.run(&w.anna.client, DocumentShares { document_id: w.doc_id.clone() }).await.unwrap();
    assert_eq!(history.len(), 1);

    // Who may act: Ben has no access to the client (not found), Sue may see it but not share.
    for (who, expected) in [(&w.ben, StatusCode::NOT_FOUND), (&w.sue, StatusCode::FORBIDDEN)] {
        let c = &who.client;
        let share_id = || id.clone();
        for (name, answer) in [
            ("revoke_share", app.run(c, RevokeShare { share_id: share_id() }).await),
            ("extend_share", app.run(c, ExtendShare { share_id: share_id(), expires_on: in_days(9) }).await),
            ("resend_share", app.run(c, ResendShare { share_id: share_id() }).await),
            ("unlock_share", app.run(c, UnlockShare { share_id: share_id() }).await),
            ("revoke_client_shares", app.run(c, RevokeClientShares { client_id: w.client_id.clone() }).await.map(drop)),
        ] {
            let s = status_of(&answer);
            assert!(s == expected || s == StatusCode::NOT_FOUND, "{name} by {}: {s} {answer:?}", who.email);
        }
    }
    assert_eq!(app.run(&w.ben.client, shares(None)).await.unwrap_err().0, StatusCode::NOT_FOUND);

    // Extend: at most the practice maximum from today.
    let extend = |days: i64| ExtendShare { share_id: id.clone(), expires_on: in_days(days) };
    let (s, err) = app.run(&w.anna.client, extend(15)).await.unwrap_err();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err:?}");
    assert!(matches!(&err, AppError::Invalid { message, .. } if message.contains("within 14 days")), "{err:?}");
    app.run(&w.anna.client, extend(12)).await.unwrap();
    assert_eq!(row(&app, &id).await.expires_at.date_naive().format("%Y-%m-%d").to_string(), in_days(12));

    // Resend: a new link; the old one is dead, the new one works.
    app.run(&w.anna.client, ResendShare { share_id: id.clone() }).await.unwrap();
    let mut fresh = link.clone();
    for _ in 0..100 {
        fresh = extract_link(&app.wait_for_mail("gail@gp.test", "shared documents").await, &app.base, "/s/");
        if fresh != link {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_ne!(fresh, link);
    assert_eq!(location(&new_client().get(&link).send().await.unwrap()), "/portal/link-invalid");

    // Lock it with wrong passcodes, then unlock: attempts start again.
    let c = new_client();
    c.get(&fresh).send().await.unwrap();
    for _ in 0..10 {
        app.form(&c, "/portal/verify", &[("passcode", "wrong")]).await;
    }
    assert_eq!(row(&app, &id).await.status, "locked");
    let locked = app.run(&w.anna.client, shares(Some(ShareStatus::Locked))).await.unwrap();
    assert_eq!(locked.len(), 1);
    let (s, err) = app.run(&w.anna.client, ResendShare { share_id: id.clone() }).await.unwrap_err();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a locked share is unlocked first: {err:?}");
    app.run(&w.anna.client, UnlockShare { share_id: id.clone() }).await.unwrap();
    let unlocked = row(&app, &id).await;
    assert_eq!((unlocked.status.as_str(), unlocked.failed_attempts), ("sent", 0));
    let c = reader(&app, &fresh).await;
    assert_eq!(app.get(&c, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::OK);
    let notes = app.run(&w.anna.client, ListNotifications {}).await.unwrap();
    let texts: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
    // Each names the client and the documents.
    assert!(
        texts.contains(
            &"A share with Gail Green (Nora Quinnell’s “Letter to GP”) was locked after too many failed attempts."
        ) && texts.contains(&"Gail Green opened Nora Quinnell’s “Letter to GP”."),
        "{texts:?}"
    );
    let ben_notes = app.run(&w.ben.client, ListNotifications {}).await.unwrap();
    assert!(ben_notes.is_empty(), "notifications are the sender's own: {ben_notes:?}");

    // Revoke: the reader is refused on the next request; extending or resending it is refused.
    app.run(&w.anna.client, RevokeShare { share_id: id.clone() }).await.unwrap();
    assert_eq!(app.get(&c, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::GONE);
    for (name, answer) in [
        ("extend_share", app.run(&w.anna.client, extend(3)).await),
        ("resend_share", app.run(&w.anna.client, ResendShare { share_id: id.clone() }).await),
        ("revoke_share", app.run(&w.anna.client, RevokeShare { share_id: id.clone() }).await),
    ] {
        assert_eq!(status_of(&answer), StatusCode::UNPROCESSABLE_ENTITY, "{name} on a revoked share");
    }

    // Exactly one audit event per action.
    for (action, n) in
        [("share.extended", 1), ("share.resent", 1), ("share.unlocked", 1), ("share.revoked", 1), ("share.locked", 1)]
    {
        assert_eq!(events(&app, action).await, n, "{action}");
    }
    // Marking notifications read.
    app.run(&w.anna.client, MarkNotificationsRead {}).await.unwrap();
    let unread = notification::Entity::find().filter(notification::Column::ReadAt.is_null()).count(&app.state().db);
    assert_eq!(unread.await.unwrap(), 0);
    let _ = &w.admin;
    app.stop().await;
});

async fn revoke_reaches_another_instance(db: Db) {
    let key = server::platform::crypto::Keys::generate_master();
    let k1 = key.clone();
    let Some(a) = spawn_with(db, move |c| c.security.master_key = Some(server::config::Secret::new(k1))).await else {
        return;
    };
    let url = a.state().cfg.database_url();
    let b = spawn_with(db, move |c| {
        c.security.master_key = Some(server::config::Secret::new(key));
        c.database.url = Some(server::config::Secret::new(url));
        c.workers.enabled = false;
    })
    .await
    .unwrap();
    let w = world(&a).await;
    let (id1, link1) = share_to(&a, &w, "one@example.com").await;
    let (id2, link2) = share_to(&a, &w, "two@example.com").await;
    // Both recipients read on instance B.
    let r1 = reader(&b, &link1.replace(&a.base, &b.base)).await;
    let r2 = reader(&b, &link2.replace(&a.base, &b.base)).await;
    assert_eq!(b.get(&r1, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::OK);
    // Revoke one on A: B refuses its next request; the other still reads.
    a.run(&w.anna.client, RevokeShare { share_id: id1 }).await.unwrap();
    assert_eq!(b.get(&r1, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::GONE);
    assert_eq!(b.get(&r2, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::OK);
    // Revoke all on A: the other too.
    let n = a.run(&w.anna.client, RevokeClientShares { client_id: w.client_id.clone() }).await;
    assert_eq!(n, Ok(1));
    assert_eq!(b.get(&r2, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::GONE);
    assert_eq!(row(&a, &id2).await.status, "revoked");
    assert_eq!(events(&a, "share.revoked").await, 2);
    assert_eq!(events(&a, "share.revoked_all").await, 1);
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_reaches_another_instance_sqlite() {
    revoke_reaches_another_instance(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_reaches_another_instance_postgres() {
    revoke_reaches_another_instance(Db::Postgres).await;
}

both_dbs!(the_sweep_expires_shares_and_reminds_senders, |app: TestApp| async move {
    let w = world(&app).await;
    let (gone, link) = share_to(&app, &w, "gone@example.com").await;
    let (soon, _) = share_to(&app, &w, "soon@example.com").await;
    let c = reader(&app, &link).await;
    let db = &app.state().db;
    let set_expiry = |id: String, at: chrono::DateTime<chrono::Utc>| async move {
        share::Entity::update_many()
            .col_expr(share::Column::ExpiresAt, sea_orm::sea_query::Expr::value(at))
            .filter(share::Column::Id.eq(id))
            .exec(db)
            .await
            .unwrap();
    };
    let now = chrono::Utc::now();
    set_expiry(gone.clone(), now - chrono::Duration::minutes(1)).await;
    set_expiry(soon.clone(), now + chrono::Duration::hours(5)).await;
    // Two sweeps at once (two instances): each share is expired and reminded once.
    let (x, y) = tokio::join!(server::sharing::after::sweep_once(db), server::sharing::after::sweep_once(db));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(x.0 + y.0 >= 1 && x.1 + y.1 <= 1, "{x:?} {y:?}");
    server::sharing::after::sweep_once(db).await.unwrap();
    assert_eq!(row(&app, &gone).await.status, "expired");
    assert_eq!(events(&app, "share.expired").await, 1);
    let reminded = notification::Entity::find()
        .filter(notification::Column::Kind.eq(notification::NotificationKind::ShareExpiring))
        .count(db);
    assert_eq!(reminded.await.unwrap(), 1);
    // The expired share's reader is cut off.
    assert_eq!(app.get(&c, &format!("/portal/d/{}", w.doc_id)).await.status(), StatusCode::GONE);
    // Extending brings an expired share back.
    app.run(&w.anna.client, ExtendShare { share_id: gone.clone(), expires_on: in_days(2) }).await.unwrap();
    assert_eq!(row(&app, &gone).await.status, "opened");
    app.stop().await;
});

both_dbs_with!(
    the_practice_wide_list_filters_pages_and_revokes_in_bulk,
    |c: &mut server::config::Config| c.workers.poll_ms = 50,
    |app: TestApp| async move {
        let w = world(&app).await;
        let recipient = |i: usize| {
            let (name, email) = (format!("Reader {i:02}"), format!("r{i:02}@example.org"));
            typed_recipient(&name, &email, VerifyMethod::Passcode, PASSCODE)
        };
        for batch in 0..3 {
            let recipients = (0..20).map(|i| recipient(batch * 20 + i)).collect();
            let request = ShareRequest {
                expires_on: in_days(5),
                ..share_request(&w.client_id, vec![w.doc_id.clone()], recipients)
            };
            app.run(&w.anna.client, CreateShares { request }).await.unwrap();
        }
        // The mail worker moves each share from queued to sent: wait for all 60, so the
        // states this test sets below are not changed under it.
        let db = &app.state().db;
        for _ in 0..600 {
            if share::Entity::find().filter(share::Column::Status.eq("sent")).count(db).await.unwrap() == 60 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(share::Entity::find().filter(share::Column::Status.eq("sent")).count(db).await.unwrap(), 60);
        async fn list_as(app: &TestApp, who: &Staff, filter: ShareFilter) -> Page<ShareRow> {
            app.run(&who.client, ListShares { filter }).await.unwrap()
        }
        let ids = |page: &Page<ShareRow>| -> Vec<String> { page.items.iter().map(|r| r.id.clone()).collect() };
        let all_of = ShareFilter::default;
        // Keyset pages of 50, newest first, each share once; every row names the client.
        let first = list_as(&app, &w.anna, all_of()).await;
        assert_eq!((first.items.len(), first.has_more), (50, true));
        assert_eq!(first.items[0].client_name, "Nora Quinnell");
        let last = &first.items[49];
        let cursor = format!("{}|{}", last.sent_at, last.id);
        let second = list_as(&app, &w.anna, ShareFilter { after: Some(cursor), ..all_of() }).await;
        assert_eq!((second.items.len(), second.has_more), (10, false));
        let mut all = ids(&first);
        all.extend(ids(&second));
        let mut unique = all.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 60);
        // The access rule: Ben cannot see the client, so none of its shares.
        let bens = list_as(&app, &w.ben, all_of()).await;
        assert!(bens.items.is_empty(), "{bens:?}");
        // Sue (access, no share permission) sees them but may not revoke.
        assert_eq!(list_as(&app, &w.sue, all_of()).await.items.len(), 50);
        // "Shared by me".
        let mine = || ShareFilter { mine: true, ..all_of() };
        let admins = list_as(&app, &w.admin, mine()).await;
        assert!(admins.items.is_empty(), "{admins:?}");
        assert_eq!(list_as(&app, &w.anna, mine()).await.items.len(), 50);

        // Attention: a locked share, a delivery given up, an unopened share expiring within
        // a day; not a share expiring in five days, nor one already expired.
        let set = |id: &str, status: &str, hours: i64| {
            let (id, status) = (id.to_owned(), status.to_owned());
            async move {
                share::Entity::update_many()
                    .col_expr(share::Column::Status, sea_orm::sea_query::Expr::value(status))
                    .col_expr(
                        share::Column::ExpiresAt,
                        sea_orm::sea_query::Expr::value(chrono::Utc::now() + chrono::Duration::hours(hours)),
                    )
                    .filter(share::Column::Id.eq(id))
                    .exec(db)
                    .await
                    .unwrap();
            }
        };
        set(&all[0], "locked", 100).await;
        set(&all[1], "failed", 100).await;
        set(&all[2], "sent", 12).await;
        set(&all[3], "sent", -1).await;
        set(&all[4], "opened", 12).await;
        let attention = list_as(&app, &w.anna, ShareFilter { attention: true, ..all_of() }).await;
        assert_eq!(ids(&attention), all[..3].to_vec(), "{attention:?}");
        let statuses: Vec<ShareStatus> = attention.items.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [ShareStatus::Locked, ShareStatus::Failed, ShareStatus::Sent]);
        let with_status = |status: ShareStatus| ShareFilter { status: Some(status), ..all_of() };
        assert_eq!(ids(&list_as(&app, &w.anna, with_status(ShareStatus::Expired)).await), [all[3].clone()]);
        assert_eq!(ids(&list_as(&app, &w.anna, with_status(ShareStatus::Locked)).await), [all[0].clone()]);
        // Dates: sent today; nothing sent tomorrow; a reversed range is refused.
        let tomorrow = list_as(&app, &w.anna, ShareFilter { since: in_days(1), ..all_of() }).await;
        assert!(tomorrow.items.is_empty(), "{tomorrow:?}");
        assert_eq!(list_as(&app, &w.anna, ShareFilter { until: in_days(0), ..all_of() }).await.items.len(), 50);
        for (filter, field) in [
            (ShareFilter { since: in_days(1), until: in_days(0), ..all_of() }, "until"),
            (ShareFilter { after: Some("nonsense".into()), ..all_of() }, "after"),
        ] {
            let (s, err) = app.run(&w.anna.client, ListShares { filter }).await.unwrap_err();
            assert_eq!((s, err.field()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{err:?}");
        }

        // Bulk revoke: each share checked, all or none.
        let pick = || RevokeShares { share_ids: vec![all[5].clone(), all[6].clone(), all[0].clone()] };
        assert_eq!(app.run(&w.ben.client, pick()).await.unwrap_err().0, StatusCode::NOT_FOUND);
        assert_eq!(app.run(&w.sue.client, pick()).await.unwrap_err().0, StatusCode::FORBIDDEN);
        assert_eq!(row(&app, &all[5]).await.status, "sent", "nothing revoked by a refused request");
        assert_eq!(app.run(&w.anna.client, pick()).await, Ok(3));
        for id in [&all[5], &all[6], &all[0]] {
            assert_eq!(row(&app, id).await.status, "revoked");
        }
        assert_eq!(events(&app, "share.revoked").await, 3, "one audit event each");
        assert_eq!(app.run(&w.anna.client, pick()).await, Ok(0), "already revoked");
        let (s, err) = app.run(&w.anna.client, RevokeShares { share_ids: vec![] }).await.unwrap_err();
        assert_eq!((s, err.field()), (StatusCode::UNPROCESSABLE_ENTITY, Some("share_ids")));
        app.stop().await;
    }
);

both_dbs!(lists_say_who_may_act_and_show_times_in_the_practice_zone, |app: TestApp| async move {
    let w = world(&app).await;
    share_to(&app, &w, "gail@gp.test").await;
    async fn shares(app: &TestApp, who: &Staff, client_id: &str) -> Vec<ShareRow> {
        app.run(&who.client, ListClientShares { client_id: client_id.to_owned(), status: None }).await.unwrap()
    }

    // The list and the client's file say whether the caller may act: Sue sees both, with
    // nothing to press; Anna may share and act.
    assert!(shares(&app, &w.anna, &w.client_id).await[0].can_act);
    assert!(!shares(&app, &w.sue, &w.client_id).await[0].can_act);
    let anna_file = app.run(&w.anna.client, GetClient { id: w.client_id.clone() }).await.unwrap();
    let sue_file = app.run(&w.sue.client, GetClient { id: w.client_id.clone() }).await.unwrap();
    assert_eq!((anna_file.can_share, sue_file.can_share), (true, false));
    let doc = app.run(&w.sue.client, GetDocument { id: w.doc_id.clone() }).await.unwrap();
    assert!(!doc.can_share);

    // The practice's zone: set up without a browser, it is UTC; an unknown zone is
    // refused beside its field; a real one is what staff see.
    let me = app.run(&w.anna.client, GetMe {}).await.unwrap();
    assert_eq!(me.time_zone, "UTC");
    let mut settings = app.run(&w.admin.client, SharingSettings {}).await.unwrap();
    settings.time_zone = "Mars/Olympus_Mons".into();
    let (s, err) = app.run(&w.admin.client, SaveSharingSettings { settings: settings.clone() }).await.unwrap_err();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err.field(), Some("time_zone"), "{err:?}");
    settings.time_zone = "America/New_York".into();
    app.run(&w.admin.client, SaveSharingSettings { settings }).await.unwrap();
    let me = app.run(&w.anna.client, GetMe {}).await.unwrap();
    assert_eq!(me.time_zone, "America/New_York");
    let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let offset_now = {
        use chrono::Offset;
        chrono::Utc::now().with_timezone(&ny).offset().fix().local_minus_utc()
    };
    let offset_of = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().offset().local_minus_utc();
    let list = shares(&app, &w.anna, &w.client_id).await;
    assert_eq!(offset_of(&list[0].sent_at), offset_now, "{}", list[0].sent_at);
    let audit = app.run(&w.admin.client, ListAudit { filter: AuditFilter::default(), page: 0 }).await.unwrap();
    assert_eq!(offset_of(&audit.items[0].at), offset_now);
    // The audit export stays UTC, ISO 8601 with `Z`.
    let csv = w.admin.client.get(app.url("/app/audit/export.csv")).send().await.unwrap().text().await.unwrap();
    let first = csv.lines().nth(1).unwrap();
    assert!(first.split(',').nth(1).is_some_and(|at| at.ends_with('Z')), "{first}");
    app.stop().await;
});

/// PostgreSQL sessions run without JIT: the access rule's fenced `EXISTS` gives a
/// practitioner's lists cost estimates in the millions, and compiling those queries with
/// LLVM took 240 ms each for 3 ms of work (`platform::db::connect_and_migrate`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sessions_run_without_jit() {
    use sea_orm::ConnectionTrait;
    let Some(app) = spawn(Db::Postgres).await else { return };
    let statement = sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, "SHOW jit");
    let row = app.state().db.query_one(statement).await.unwrap().expect("one row");
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "off");
    app.stop().await;
}
