//! Black-box test harness: a real server on a free port with a fresh database (SQLite
//! file in a temp folder, or a new PostgreSQL database dropped afterwards), real
//! migrations, and a real SMTP server (maildev, started by scripts/test.sh) when
//! `DOSSIER_TEST_SMTP_PORT` is set.
#![allow(dead_code)]

pub mod twilio;

use app::api::auth::{GetEnrolment, GetRecoveryCodes};
use app::api::documents::{ListDocuments, SaveDocument};
use app::api::records::{CreateClient, ListClients};
use app::api::sharing::{CreateShares, SaveSharingSettings, SharingSettings};
use app::api::staff::{InviteStaff, ListRoles};
use app::domain::documents::{DocumentBody, DocumentKind};
use app::domain::sharing::{Delivery, Purpose, RecipientDraft, RecipientKind, ShareRequest, VerifyMethod};
use app::dto::DocumentDraft;
use app::error::AppError;
use leptos::server_fn::ServerFn;
use reqwest::{Client, StatusCode, header};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use server::config::{Config, MailTransportKind, Secret, SmtpTls};
use std::{path::PathBuf, time::Duration};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub running: Option<server::startup::Running>,
    pub pg_db: Option<String>,
    pub mail_dir: PathBuf,
    /// The SMTP server's messages from before this server started: a finished test's server
    /// may have had the same port, so its emails would match this one's address and links.
    seen_mail: std::collections::HashSet<String>,
    _tmp: tempfile::TempDir,
}

/// The ids of the messages maildev holds now (none without maildev).
async fn maildev_ids() -> std::collections::HashSet<String> {
    let Ok(web) = std::env::var("DOSSIER_TEST_MAILDEV_URL") else { return Default::default() };
    let Ok(r) = reqwest::get(format!("{web}/api/email")).await else { return Default::default() };
    let list: Vec<Value> = r.json().await.unwrap_or_default();
    list.iter().filter_map(|m| m["id"].as_str().map(str::to_owned)).collect()
}

pub fn pg_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn pg_url_for(db: &str) -> String {
    let mut u = url::Url::parse(&pg_admin_url()).expect("TEST_POSTGRES_URL is a URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

/// Whether PostgreSQL tests should run: required when DOSSIER_REQUIRE_POSTGRES=1.
pub async fn postgres_available() -> bool {
    let ok = match tokio::time::timeout(Duration::from_secs(5), Database::connect(pg_admin_url())).await {
        Ok(Ok(c)) => c.execute_unprepared("SELECT 1").await.is_ok(),
        _ => false,
    };
    if !ok {
        if std::env::var("DOSSIER_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!("PostgreSQL is required (DOSSIER_REQUIRE_POSTGRES=1) but {} is unreachable", pg_admin_url());
        }
        eprintln!("!!! PostgreSQL at {} is unreachable: SKIPPING the PostgreSQL leg of this test", pg_admin_url());
    }
    ok
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn base_config(tmp: &std::path::Path, port: u16) -> Config {
    let mut cfg = Config::default();
    cfg.server.bind = format!("127.0.0.1:{port}").parse().unwrap();
    cfg.server.public_url = format!("http://127.0.0.1:{port}");
    cfg.data.dir = tmp.join("data");
    cfg.site.root = tmp.join("site");
    cfg.security.insecure_dev_cookies = true;
    cfg.security.hash_concurrency = 2;
    cfg.workers.poll_ms = 100;
    cfg.mail.file_dir = Some(tmp.join("mail"));
    if let Ok(port) = std::env::var("DOSSIER_TEST_SMTP_PORT") {
        cfg.mail.transport = MailTransportKind::Smtp;
        cfg.mail.smtp_host = "127.0.0.1".into();
        cfg.mail.smtp_port = port.parse().expect("DOSSIER_TEST_SMTP_PORT is a port");
        cfg.mail.smtp_tls = SmtpTls::None;
    }
    cfg
}

/// Starts a server; `tweak` adjusts the configuration first.
pub async fn spawn_with(db: Db, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cfg = base_config(tmp.path(), port);
    let mut pg_db = None;
    if db == Db::Postgres {
        if !postgres_available().await {
            return None;
        }
        let name = format!("dossier_test_{}", uuid::Uuid::now_v7().simple());
        let admin = Database::connect(pg_admin_url()).await.unwrap();
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
        admin.close().await.ok();
        cfg.database.url = Some(Secret::new(pg_url_for(&name)));
        pg_db = Some(name);
    }
    tweak(&mut cfg);
    let mail_dir = cfg.mail_dir();
    let seen_mail = maildev_ids().await;
    let running = server::startup::spawn(cfg).await.expect("server starts");
    let base = format!("http://127.0.0.1:{port}");
    Some(TestApp { base, client: new_client(), running: Some(running), pg_db, mail_dir, seen_mail, _tmp: tmp })
}

pub async fn spawn(db: Db) -> Option<TestApp> {
    spawn_with(db, |_| {}).await
}

/// A browser-like client with its own cookies. A request that gets no whole answer within
/// two minutes fails the test (naming the request) instead of stalling the run.
pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn state(&self) -> &server::state::AppState {
        &self.running.as_ref().unwrap().state
    }

    /// A same-origin browser-like form post (Origin set, HTML accepted).
    pub async fn form(&self, client: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        client
            .post(self.url(path))
            .header(header::ORIGIN, &self.base)
            .header(header::ACCEPT, "text/html")
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// The same post as an API client (JSON answers, 4xx on failure).
    pub async fn api_form(&self, client: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        client.post(self.url(path)).header(header::ORIGIN, &self.base).form(fields).send().await.unwrap()
    }

    /// Calls the server function `F` as the holder of `client`, through its typed path and
    /// arguments (sent as JSON, the one encoding every server function takes): its typed
    /// answer, or the HTTP status and the public error the caller would see.
    pub async fn run<F>(&self, client: &Client, args: F) -> Result<F::Output, (StatusCode, AppError)>
    where
        F: ServerFn + serde::Serialize,
        F::Output: serde::de::DeserializeOwned,
    {
        let r = client
            .post(self.url(F::PATH))
            .header(header::ORIGIN, &self.base)
            .header(header::ACCEPT, "application/json")
            .json(&args)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        if status.is_success() {
            Ok(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} answered {text}: {e}", F::PATH)))
        } else {
            let error = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} failed with {text}: {e}", F::PATH));
            Err((status, error))
        }
    }

    pub async fn get(&self, client: &Client, path: &str) -> reqwest::Response {
        client.get(self.url(path)).header(header::ACCEPT, "text/html").send().await.unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        if let Some(name) = self.pg_db.take() {
            let admin = Database::connect(pg_admin_url()).await.unwrap();
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
        }
    }

    /// Waits for the newest email to `to` whose subject contains `subject`; returns its text.
    pub async fn wait_for_mail(&self, to: &str, subject: &str) -> String {
        self.wait_for_mail_with(to, subject, &self.base).await
    }

    /// Like [`Self::wait_for_mail`], for a message that contains `marker` (emails without
    /// a link to this server, such as attachment deliveries, carry no base URL).
    pub async fn wait_for_mail_with(&self, to: &str, subject: &str, marker: &str) -> String {
        for _ in 0..100 {
            if let Some(m) = self.find_mail(to, subject, marker).await {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no email to {to} with subject containing {subject:?}");
    }

    /// Whether maildev's message `m` is one this server sent to `to`, with `subject` in its
    /// subject and `marker` (such as this server's address) in its text.
    pub fn sent_to(&self, m: &Value, to: &str, subject: &str, marker: &str) -> bool {
        !m["id"].as_str().is_some_and(|id| self.seen_mail.contains(id))
            && m["subject"].as_str().is_some_and(|s| s.contains(subject))
            && m["text"].as_str().is_some_and(|t| t.contains(marker))
            && m["to"].as_array().is_some_and(|a| a.iter().any(|t| t["address"].as_str() == Some(to)))
    }

    pub async fn find_mail(&self, to: &str, subject: &str, marker: &str) -> Option<String> {
        if let Ok(web) = std::env::var("DOSSIER_TEST_MAILDEV_URL") {
            let list: Vec<Value> = reqwest::get(format!("{web}/api/email")).await.ok()?.json().await.ok()?;
            return list
                .iter()
                .rev()
                .find(|m| self.sent_to(m, to, subject, marker))
                .and_then(|m| m["text"].as_str().map(str::to_owned));
        }
        let mut files: Vec<_> =
            std::fs::read_dir(&self.mail_dir).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        files.into_iter().rev().find_map(|p| {
            let raw = std::fs::read_to_string(&p).ok()?;
            let unfolded = raw.replace("=\r\n", "").replace("\r\n", "\n");
            (unfolded.contains(&format!("To: {to}")) || unfolded.contains(&format!("<{to}>")))
                .then_some(())
                .filter(|_| unfolded.contains(marker))
                .filter(|_| unfolded.contains(subject))
                .map(|_| unfolded)
        })
    }
}

/// The first link in `text` under `{base}{prefix}`.
pub fn extract_link(text: &str, base: &str, prefix: &str) -> String {
    let start = format!("{base}{prefix}");
    let i = text.find(&start).unwrap_or_else(|| panic!("no {start} link in mail:\n{text}"));
    text[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || "-_/:.".contains(*c)).collect()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// The current TOTP code for a base32 secret, and the one for the next step.
pub fn totp_now(secret_b32: &str) -> String {
    let secret = data_encoding::BASE32_NOPAD.decode(secret_b32.trim_end_matches('=').as_bytes()).unwrap();
    let t = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, secret, None, "x".into()).unwrap();
    t.generate_current().unwrap()
}

pub fn totp_at_step(secret_b32: &str, step: u64) -> String {
    let secret = data_encoding::BASE32_NOPAD.decode(secret_b32.trim_end_matches('=').as_bytes()).unwrap();
    let t = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, secret, None, "x".into()).unwrap();
    t.generate(step * 30)
}

pub fn current_step() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 30
}

pub const ADMIN_EMAIL: &str = "admin@clinic.test";
pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in staff member: client with the session cookie, and their TOTP secret.
pub struct Staff {
    pub client: Client,
    pub email: String,
    pub secret: String,
    pub recovery_codes: Vec<String>,
}

/// Runs first-run setup through the real form.
pub async fn setup_practice(app: &TestApp, practice: &str) {
    let c = new_client();
    let r = app
        .form(
            &c,
            "/auth/setup",
            &[("practice_name", practice), ("name", "Ada Admin"), ("email", ADMIN_EMAIL), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?m=setup_done");
}

/// Password step, then TOTP enrolment and recovery-code acknowledgement.
pub async fn sign_in_first_time(app: &TestApp, email: &str, password: &str) -> Staff {
    let client = new_client();
    let r = app.form(&client, "/auth/login", &[("email", email), ("password", password)]).await;
    assert_eq!(location(&r), "/login/enrol", "first sign-in goes to enrolment");
    let secret = app.run(&client, GetEnrolment {}).await.unwrap().secret_base32;
    enrol_with(app, &client, &secret).await;
    let recovery_codes = app.run(&client, GetRecoveryCodes {}).await.unwrap();
    let r = app.form(&client, "/auth/recovery-codes", &[]).await;
    assert_eq!(location(&r), "/app");
    Staff { client, email: email.to_owned(), secret, recovery_codes }
}

pub async fn enrol_with(app: &TestApp, client: &Client, secret: &str) {
    let r = app.form(client, "/auth/enrol", &[("code", &totp_now(secret))]).await;
    assert_eq!(location(&r), "/login/recovery-codes");
}

/// A later sign-in: password then a TOTP code for the given step.
pub async fn sign_in_with_code(app: &TestApp, email: &str, password: &str, code: &str) -> (Client, reqwest::Response) {
    let client = new_client();
    let r = app.form(&client, "/auth/login", &[("email", email), ("password", password)]).await;
    assert_eq!(location(&r), "/login/mfa");
    let r = app.form(&client, "/auth/mfa", &[("code", code)]).await;
    (client, r)
}

/// Runs `body` against SQLite and PostgreSQL as two tests.
#[macro_export]
macro_rules! both_dbs {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let f = $body;
                if let Some(app) = $crate::common::spawn($crate::common::Db::Sqlite).await {
                    f(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let f = $body;
                if let Some(app) = $crate::common::spawn($crate::common::Db::Postgres).await {
                    f(app).await;
                }
            }
        }
    };
}

/// Like [`both_dbs!`], with the configuration adjusted by `$tweak` (a `fn(&mut Config)`).
#[macro_export]
macro_rules! both_dbs_with {
    ($name:ident, $tweak:expr, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let f = $body;
                if let Some(app) = $crate::common::spawn_with($crate::common::Db::Sqlite, $tweak).await {
                    f(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let f = $body;
                if let Some(app) = $crate::common::spawn_with($crate::common::Db::Postgres, $tweak).await {
                    f(app).await;
                }
            }
        }
    };
}

/// The newest email to `to` whose subject contains `subject`: its attachments, as
/// (file name, content type, size in bytes).
pub async fn mail_attachments(app: &TestApp, to: &str, subject: &str, marker: &str) -> Vec<(String, String, usize)> {
    app.wait_for_mail_with(to, subject, marker).await;
    if let Ok(web) = std::env::var("DOSSIER_TEST_MAILDEV_URL") {
        let list: Vec<Value> = reqwest::get(format!("{web}/api/email")).await.unwrap().json().await.unwrap();
        let m = list.iter().rev().find(|m| app.sent_to(m, to, subject, marker)).unwrap();
        return m["attachments"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        (
                            x["filename"].as_str().unwrap_or_default().to_owned(),
                            x["contentType"].as_str().unwrap_or_default().to_owned(),
                            x["size"].as_u64().unwrap_or_default() as usize,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
    }
    // The .eml as stored: split at every MIME boundary, then read each part's headers.
    let raw = app.find_mail(to, subject, marker).await.unwrap();
    let boundaries: Vec<&str> = raw.split("boundary=\"").skip(1).filter_map(|r| r.split('"').next()).collect();
    let mut parts = vec![raw.as_str()];
    for b in &boundaries {
        let marker = format!("--{b}");
        parts = parts.into_iter().flat_map(|p| p.split(marker.as_str()).collect::<Vec<_>>()).collect();
    }
    parts
        .into_iter()
        .filter_map(|part| {
            let (headers, body) = part.trim_start().split_once("\n\n")?;
            headers.contains("Content-Disposition: attachment").then(|| {
                let header = |h: &str| headers.lines().find_map(|l| l.strip_prefix(h)).unwrap_or_default().to_owned();
                let ct = header("Content-Type: ").split(';').next().unwrap_or_default().trim().to_owned();
                let name = headers.split("filename=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or_default();
                (name.to_owned(), ct, body.trim().len())
            })
        })
        .collect()
}

/// Invites `email` with the named role through the admin, accepts and enrols.
pub async fn invite_and_enrol(app: &TestApp, admin: &Staff, name: &str, email: &str, role: &str) -> Staff {
    let roles = app.run(&admin.client, ListRoles {}).await.unwrap();
    let role_id = roles.into_iter().find(|r| r.name == role).unwrap_or_else(|| panic!("no role {role}")).id;
    app.run(&admin.client, InviteStaff { name: name.to_owned(), email: email.to_owned(), role_id }).await.unwrap();
    let mail = app.wait_for_mail(email, "invited").await;
    let link = extract_link(&mail, &app.base, "/invite/");
    let client = new_client();
    client.get(&link).send().await.unwrap();
    let r = app.form(&client, "/auth/invite", &[("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/login/enrol");
    let secret = app.run(&client, GetEnrolment {}).await.unwrap().secret_base32;
    enrol_with(app, &client, &secret).await;
    app.form(&client, "/auth/recovery-codes", &[]).await;
    Staff { client, email: email.to_owned(), secret, recovery_codes: vec![] }
}

/// Creates a client through the server function and returns its id.
pub async fn create_client(app: &TestApp, who: &Staff, first: &str, last: &str) -> String {
    app.run(&who.client, client_form(first, last, "1985-06-15")).await.unwrap()
}

/// A new client as the form sends it: names and date of birth, no email, mobile or owner
/// (set those with `CreateClient { email: .., ..client_form(..) }`).
pub fn client_form(first: &str, last: &str, date_of_birth: &str) -> CreateClient {
    CreateClient {
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        date_of_birth: date_of_birth.to_owned(),
        email: String::new(),
        mobile: String::new(),
        owner_id: String::new(),
    }
}

/// Names of the clients `who` sees in the list (optionally searching).
pub async fn visible_clients(app: &TestApp, who: &Staff, query: &str) -> Vec<String> {
    let page = app.run(&who.client, ListClients { query: query.to_owned(), archived: false, page: 0 }).await.unwrap();
    page.items.iter().map(|c| format!("{} {}", c.first_name, c.last_name)).collect()
}

/// The HTTP status of a server function's answer (200 for a success).
pub fn status_of<T>(answer: &Result<T, (StatusCode, AppError)>) -> StatusCode {
    match answer {
        Ok(_) => StatusCode::OK,
        Err((status, _)) => *status,
    }
}

/// The arguments of `list_documents` for a client's documents (of one kind, or all): no
/// search, no dates, the first page.
pub fn documents_of(client_id: &str, kind: Option<DocumentKind>) -> ListDocuments {
    ListDocuments {
        client_id: client_id.to_owned(),
        kind,
        query: String::new(),
        from: String::new(),
        to: String::new(),
        page: 0,
    }
}

/// A letter as the document form sends it.
pub fn letter_draft(title: &str, date: &str, addressee: &str, body: &str) -> DocumentDraft {
    DocumentDraft {
        kind: DocumentKind::Letter,
        title: title.to_owned(),
        date: date.to_owned(),
        is_psychotherapy: false,
        body: DocumentBody::Letter { addressee: addressee.to_owned(), body: body.to_owned() },
    }
}

/// A share request as the wizard sends it: by link, expiring in a week, for treatment, no
/// message, warnings confirmed (change the rest with `ShareRequest { .., ..share_request(..) }`).
pub fn share_request(client_id: &str, document_ids: Vec<String>, recipients: Vec<RecipientDraft>) -> ShareRequest {
    ShareRequest {
        client_id: client_id.to_owned(),
        document_ids,
        recipients,
        delivery: Delivery::Link,
        expires_on: in_days(7),
        purpose: Purpose::Treatment,
        purpose_text: String::new(),
        message: String::new(),
        psychotherapy_authorisation: String::new(),
        confirmed_warnings: true,
        notify_on_open: false,
    }
}

/// A typed-in recipient (kind `Other`): no phone, no sections chosen.
pub fn typed_recipient(name: &str, email: &str, method: VerifyMethod, passcode: &str) -> RecipientDraft {
    RecipientDraft {
        kind: RecipientKind::Other,
        ref_id: None,
        name: name.to_owned(),
        email: email.to_owned(),
        phone: String::new(),
        method,
        passcode: passcode.to_owned(),
        sections: Default::default(),
    }
}

/// The date `n` days from today (UTC), as the wizard sends it.
pub fn in_days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).format("%Y-%m-%d").to_string()
}

/// Fires `n` requests at once: every task waits at one barrier, then runs the future
/// `f(i)` made for it (reqwest futures send nothing until polled). Answers in task order.
pub async fn burst<F, Fut, T>(n: usize, f: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let b = barrier.clone();
            let fut = f(i);
            tokio::spawn(async move {
                b.wait().await;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.expect("burst task"));
    }
    out
}

/// A same-origin form post as a future that owns what it needs (for [`burst`]): as a
/// browser (`html`: pages and redirects) or as an API client (JSON answers with their
/// 4xx). Answers the status and the redirect target, or else the body.
pub fn form_post(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
    html: bool,
) -> impl std::future::Future<Output = (StatusCode, String)> + Send + use<> {
    let fields: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut req = client.post(app.url(path)).header(header::ORIGIN, app.base.clone()).form(&fields);
    if html {
        req = req.header(header::ACCEPT, "text/html");
    }
    async move {
        let r = req.send().await.expect("request");
        let status = r.status();
        let loc = location(&r);
        let body = r.text().await.unwrap_or_default();
        (status, if loc.is_empty() { body } else { loc })
    }
}

/// How many audit events named `action` the database holds.
pub async fn audit_count(app: &TestApp, action: &str) -> u64 {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    server::platform::entities::audit_event::Entity::find()
        .filter(server::platform::entities::audit_event::Column::Action.eq(action))
        .count(&app.state().db)
        .await
        .unwrap()
}

/// A second practice, "Other Practice", with its admin olga@other.test, created by the
/// CLI path (as `dossier create-practice` does).
pub async fn other_practice(app: &TestApp) {
    use app::domain::{DisplayName, EmailAddress, NewPassword};
    let s = app.state();
    server::identity::auth::create_practice(
        &s.db,
        &s.hasher,
        &DisplayName::parse("n", "n", "Other Practice").unwrap(),
        &DisplayName::parse("n", "n", "Olga Other").unwrap(),
        &EmailAddress::parse("e", "olga@other.test").unwrap(),
        &NewPassword::parse("p", PASSWORD).unwrap(),
        &server::platform::audit::Origin::default(),
    )
    .await
    .unwrap();
}

/// A practice with its admin, a client and a letter (`text`), sharing by link allowed
/// for third parties: (admin, client id, document id).
pub async fn letter_practice(app: &TestApp, text: &str) -> (Staff, String, String) {
    setup_practice(app, "Calm Clinic").await;
    let admin = sign_in_first_time(app, ADMIN_EMAIL, PASSWORD).await;
    let mut settings = app.run(&admin.client, SharingSettings {}).await.unwrap();
    settings.third_party_methods = vec![VerifyMethod::Passcode, VerifyMethod::LinkOnly];
    app.run(&admin.client, SaveSharingSettings { settings }).await.unwrap();
    let client_id = create_client(app, &admin, "Nora", "Quinnell").await;
    let draft = letter_draft("Referral", "2026-11-20", "Dr Lee", text);
    let doc = app.run(&admin.client, SaveDocument { client_id: client_id.clone(), id: None, draft }).await.unwrap();
    (admin, client_id, doc)
}

/// Shares the document by link only with each of `emails` (at most 20).
pub async fn share_by_link(app: &TestApp, admin: &Staff, client_id: &str, doc: &str, emails: &[String]) {
    let recipients =
        emails.iter().map(|email| typed_recipient("A Reader", email, VerifyMethod::LinkOnly, "")).collect();
    let request = share_request(client_id, vec![doc.to_owned()], recipients);
    app.run(&admin.client, CreateShares { request }).await.unwrap();
}
