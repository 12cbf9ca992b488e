//! Typed, layered configuration: built-in defaults → `dossier.toml` (or the file named by
//! `DOSSIER_CONFIG`) → `DOSSIER__SECTION__KEY` environment variables (plus the common
//! `DATABASE_URL`). Unknown keys are rejected so a typo cannot silently fall back to a
//! default. Secrets live in [`Secret`], whose `Debug` never prints the value.
use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use serde::Deserialize;
use std::{fmt, net::SocketAddr, path::PathBuf};

/// A configuration value that must never be printed.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub data: DataConfig,
    pub site: SiteConfig,
    pub security: SecurityConfig,
    pub mail: MailConfig,
    pub sms: SmsConfig,
    pub workers: WorkersConfig,
    pub locale: LocaleConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LocaleConfig {
    /// ISO 3166 region used to read national phone numbers (e.g. "GB", "US", "DE").
    pub phone_region: String,
}

impl Default for LocaleConfig {
    fn default() -> Self {
        LocaleConfig { phone_region: "GB".into() }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// The address people use to reach Dossier; links in emails start with it, and
    /// state-changing requests must come from this origin.
    pub public_url: String,
    /// Take the client address from the last `X-Forwarded-For` hop (behind a proxy).
    pub trust_proxy: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:3000".parse().unwrap(),
            public_url: "http://localhost:3000".into(),
            trust_proxy: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://path?mode=rwc` or `postgres://...`. Empty: SQLite in the data folder.
    pub url: Option<Secret>,
    pub max_connections: u32,
    /// How long a request waits for a database connection before it answers 503.
    pub acquire_timeout_secs: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig { url: None, max_connections: 10, acquire_timeout_secs: 5 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Folder for the SQLite database, the development master key and file sinks.
    pub dir: PathBuf,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig { dir: PathBuf::from("data") }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiteConfig {
    /// Folder holding the built `pkg/` (wasm, JS, CSS).
    pub root: PathBuf,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig { root: PathBuf::from("target/site") }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Development,
    Production,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    pub mode: Mode,
    /// 32 bytes, base64. Required in production; in development one is created in the
    /// data folder on first run.
    pub master_key: Option<Secret>,
    /// Retired master keys, accepted for decryption only, while `dossier rotate-keys`
    /// re-encrypts everything under `master_key` (see the README's key-rotation procedure).
    pub retired_master_keys: Vec<Secret>,
    /// Development only: drop `Secure` and the `__Host-` prefix so cookies work over
    /// plain HTTP on a non-localhost name. Refused in production.
    pub insecure_dev_cookies: bool,
    pub staff_idle_timeout_secs: u64,
    pub staff_absolute_timeout_secs: u64,
    /// Failed sign-ins per account within the window before it is throttled.
    pub login_max_failures: u32,
    /// Failed sign-ins per client network (IPv4 address or IPv6 /64) within the window.
    pub network_max_failures: u32,
    pub login_window_secs: u64,
    /// Concurrent argon2 computations (each uses 19 MiB and ~30 ms of one core).
    pub hash_concurrency: usize,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            mode: Mode::Development,
            master_key: None,
            retired_master_keys: Vec::new(),
            insecure_dev_cookies: false,
            staff_idle_timeout_secs: 30 * 60,
            staff_absolute_timeout_secs: 12 * 60 * 60,
            login_max_failures: 5,
            network_max_failures: 50,
            login_window_secs: 15 * 60,
            hash_concurrency: 2,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    /// Write each message as an `.eml` file under `mail.file_dir`.
    #[default]
    File,
    Smtp,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    #[default]
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    pub transport: MailTransportKind,
    pub from: String,
    /// Default: `<data.dir>/mail`.
    pub file_dir: Option<PathBuf>,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<Secret>,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            transport: MailTransportKind::File,
            from: "Dossier <no-reply@dossier.localhost>".into(),
            file_dir: None,
            smtp_host: "localhost".into(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmsProviderKind {
    /// Append each text or call as a JSON line to `sms.file`.
    #[default]
    File,
    /// Twilio's REST API, or any service that speaks it (`sms.twilio_base_url`).
    Twilio,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsConfig {
    pub provider: SmsProviderKind,
    /// Default: `<data.dir>/sms/messages.jsonl`.
    pub file: Option<PathBuf>,
    pub twilio_base_url: String,
    pub account_sid: String,
    pub auth_token: Option<Secret>,
    /// The sending number (E.164) or alphanumeric sender id. Environment variables read
    /// `+15005550006` as a number; it is taken back as the E.164 number it was.
    #[serde(deserialize_with = "e164_or_text")]
    pub from: String,
}

fn e164_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(u64),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::Text(t) => t,
        Raw::Number(n) => format!("+{n}"),
    })
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig {
            provider: SmsProviderKind::File,
            file: None,
            twilio_base_url: "https://api.twilio.com".into(),
            account_sid: String::new(),
            auth_token: None,
            from: String::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkersConfig {
    /// Run the background workers (mail outbox) in this process.
    pub enabled: bool,
    /// How often an idle worker looks for due work.
    pub poll_ms: u64,
    /// How long a worker's claim on an outbox row lasts: rows a crashed worker held are
    /// sent by another (or the restarted) instance after this. Longer than any send takes.
    pub lease_secs: u64,
}

impl Default for WorkersConfig {
    fn default() -> Self {
        WorkersConfig { enabled: true, poll_ms: 1000, lease_secs: 120 }
    }
}

impl Config {
    /// Loads the layers. Errors are one readable line.
    pub fn load() -> Result<Config, String> {
        let file = std::env::var("DOSSIER_CONFIG").unwrap_or_else(|_| "dossier.toml".into());
        let mut fig = Figment::new().merge(Toml::file(&file)).merge(Env::prefixed("DOSSIER__").split("__"));
        if let Ok(url) = std::env::var("DATABASE_URL")
            && std::env::var("DOSSIER__DATABASE__URL").is_err()
        {
            fig = fig.merge(("database.url", url));
        }
        Self::extract(fig)
    }

    /// A configuration from TOML text alone (defaults for the rest), checked as `load`
    /// checks it.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        Self::extract(Figment::new().merge(Toml::string(text)))
    }

    fn extract(fig: Figment) -> Result<Config, String> {
        let cfg: Config = fig.extract().map_err(|e| {
            let e = e.to_string();
            // figment names the offending key; keep the first line only.
            format!("invalid configuration: {}", e.lines().next().unwrap_or(&e))
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn validate(&self) -> Result<(), String> {
        let url = url::Url::parse(&self.server.public_url).map_err(|_| {
            format!("invalid configuration: server.public_url {:?} is not a URL", self.server.public_url)
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("invalid configuration: server.public_url must start with http:// or https://".into());
        }
        if self.security.mode == Mode::Production {
            if self.security.master_key.is_none() {
                return Err("invalid configuration: security.master_key (DOSSIER__SECURITY__MASTER_KEY) is required in production mode".into());
            }
            if self.security.insecure_dev_cookies {
                return Err(
                    "invalid configuration: security.insecure_dev_cookies cannot be used in production mode".into()
                );
            }
            if url.scheme() != "https" {
                return Err("invalid configuration: server.public_url must use https in production mode".into());
            }
        }
        if self.security.staff_idle_timeout_secs == 0 || self.security.staff_absolute_timeout_secs == 0 {
            return Err("invalid configuration: session timeouts must be positive".into());
        }
        if self.locale.phone_region.len() != 2 || !self.locale.phone_region.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(format!(
                "invalid configuration: locale.phone_region {:?} must be a two-letter upper-case region code such as GB or US",
                self.locale.phone_region
            ));
        }
        if self.sms.provider == SmsProviderKind::Twilio {
            if self.sms.account_sid.is_empty()
                || self.sms.from.is_empty()
                || self.sms.auth_token.as_ref().is_none_or(|t| t.expose().is_empty())
            {
                return Err("invalid configuration: sms.provider = \"twilio\" needs sms.account_sid, sms.auth_token and sms.from".into());
            }
            match url::Url::parse(&self.sms.twilio_base_url) {
                Ok(u) if u.scheme() == "https" || (u.scheme() == "http" && self.security.mode != Mode::Production) => {}
                _ => {
                    return Err(
                        "invalid configuration: sms.twilio_base_url must be an https:// URL (http:// only in development)"
                            .into(),
                    );
                }
            }
        }
        if self.security.hash_concurrency == 0 {
            return Err("invalid configuration: security.hash_concurrency must be at least 1".into());
        }
        Ok(())
    }

    /// The database URL, defaulting to SQLite in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(u) if !u.expose().is_empty() => u.expose().to_owned(),
            _ => format!("sqlite://{}?mode=rwc", self.data.dir.join("dossier.db").display()),
        }
    }

    pub fn sms_file(&self) -> PathBuf {
        self.sms.file.clone().unwrap_or_else(|| self.data.dir.join("sms").join("messages.jsonl"))
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.mail.file_dir.clone().unwrap_or_else(|| self.data.dir.join("mail"))
    }

    /// `scheme://host[:port]` of the public URL, compared with `Origin` headers.
    pub fn public_origin(&self) -> String {
        let url = url::Url::parse(&self.server.public_url).expect("validated");
        url.origin().ascii_serialization()
    }

    pub fn public_base(&self) -> String {
        self.server.public_url.trim_end_matches('/').to_owned()
    }
}

/// Shows a database URL without its password, for error messages.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "<unparseable URL>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("hunter2hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn production_requires_master_key_and_https() {
        let mut c = Config::default();
        c.security.mode = Mode::Production;
        assert!(c.validate().unwrap_err().contains("master_key"));
        c.security.master_key = Some(Secret::new("x"));
        assert!(c.validate().unwrap_err().contains("https"));
        c.server.public_url = "https://dossier.example".into();
        assert!(c.validate().is_ok());
        c.security.insecure_dev_cookies = true;
        assert!(c.validate().is_err());
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let fig = Figment::new().merge(Toml::string("[server]\nbindd = \"1.2.3.4:5\"\n"));
        let err = fig.extract::<Config>().unwrap_err().to_string();
        assert!(err.contains("bindd"), "{err}");
    }

    #[test]
    fn an_sms_sender_number_survives_environment_parsing() {
        let fig = Figment::new().merge(Toml::string("[sms]\nfrom = 15005550006\n"));
        assert_eq!(fig.extract::<Config>().unwrap().sms.from, "+15005550006");
        let fig = Figment::new().merge(Toml::string("[sms]\nfrom = \"Harbour\"\n"));
        assert_eq!(fig.extract::<Config>().unwrap().sms.from, "Harbour");
    }

    #[test]
    fn url_passwords_are_redacted() {
        assert_eq!(redact_url("postgres://u:pw@h/db"), "postgres://u:***@h/db");
    }
}
