//! Building the state, binding, spawning workers, and shutting down cleanly.
use leptos::config::LeptosOptions;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::{
    net::SocketAddr,
    path::Path,
    sync::{Arc, OnceLock},
    time::Duration,
};
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    config::{Config, Mode},
    delivery::mail,
    platform::crypto::Keys,
    platform::passwords::Hasher,
    state::AppState,
};

fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // In tests several apps share a process; only the first install wins.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Checks that the data folder exists (creating it) and is writable.
pub fn prepare_data_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the data folder {}: {e}", dir.display()))?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok").map_err(|e| format!("the data folder {} is not writable: {e}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// The master key from configuration; in development, one kept in the data folder.
pub fn master_key(cfg: &Config) -> Result<[u8; 32], String> {
    if let Some(k) = &cfg.security.master_key {
        return Keys::parse_master(k.expose());
    }
    if cfg.security.mode == Mode::Production {
        return Err("security.master_key is required in production mode".into());
    }
    let path = cfg.data.dir.join("master.key");
    if !path.exists() {
        let key = Keys::generate_master();
        write_private(&path, key.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        tracing::warn!(path = %path.display(), "development mode: created a master key in the data folder; set security.master_key in production");
    }
    let s = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Keys::parse_master(&s)
}

/// The current master key and the retired ones still accepted for decryption.
pub fn keys(cfg: &Config) -> Result<Keys, String> {
    let retired = cfg
        .security
        .retired_master_keys
        .iter()
        .map(|k| Keys::parse_master(k.expose()).map_err(|e| e.replace("master_key", "retired_master_keys")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Keys::with_retired(&master_key(cfg)?, &retired))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)?.write_all(bytes)
}

pub async fn build_state(cfg: Config) -> Result<AppState, String> {
    prepare_data_dir(&cfg.data.dir)?;
    let keys = keys(&cfg)?;
    let db = crate::platform::db::connect_and_migrate(&cfg).await?;
    let bundles = bundles(&cfg.site.root);
    // Where <HydrationScripts> finds the staff bundle: `/pkg/staff/split-<hash>/frontend.js`
    // when split at its lazy routes (as Trunk's hook builds it), else `/pkg/staff/frontend-<hash>.js`.
    let staff = bundles.staff.as_ref();
    let output_name = staff.map(|m| m.output_name.clone()).unwrap_or_else(|| "frontend".into());
    let pkg_dir = staff.and_then(|m| m.pkg_dir.clone()).unwrap_or_else(|| app::assets::STAFF_DIR.into());
    app::assets::set_bundles(bundles);
    let leptos_options = LeptosOptions::builder()
        .output_name(output_name)
        .site_root(cfg.site.root.display().to_string())
        .site_pkg_dir(pkg_dir)
        .site_addr(cfg.server.bind)
        .build();
    Ok(AppState {
        hasher: Hasher::new(cfg.security.hash_concurrency),
        cfg: Arc::new(cfg),
        db,
        keys,
        leptos_options,
        metrics: metrics_handle(),
    })
}

/// The two bundles' manifests, written by Trunk's post-build hook. A bundle not built (the
/// API tests run without a browser side) is left out, with a warning.
fn bundles(site: &std::path::Path) -> app::assets::Bundles {
    let read = |dir: &str| {
        let path = site.join(dir).join("manifest.json");
        match std::fs::read(&path).map(|b| serde_json::from_slice::<app::assets::Manifest>(&b)) {
            Ok(Ok(m)) => Some(m),
            Ok(Err(e)) => {
                tracing::warn!(path = %path.display(), error = %e, "bundle manifest unreadable");
                None
            }
            Err(_) => {
                tracing::warn!(path = %path.display(), "bundle not built (run scripts/build-site.sh)");
                None
            }
        }
    };
    app::assets::Bundles { staff: read(app::assets::STAFF_DIR), portal: read(app::assets::PORTAL_DIR) }
}

/// A running server (used by `serve` and by the black-box tests).
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
        // Closing the pool waits for every connection to come back; a task still holding
        // one after its 10 seconds must not keep the stop from finishing.
        let _ = tokio::time::timeout(Duration::from_secs(10), self.state.db.clone().close()).await;
    }
}

/// Binds, starts the HTTP server and the workers, and returns at once.
pub async fn spawn(cfg: Config) -> Result<Running, String> {
    let state = build_state(cfg).await?;
    let listener = tokio::net::TcpListener::bind(state.cfg.server.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", state.cfg.server.bind))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (tx, rx) = watch::channel(false);
    let mut tasks = Vec::new();
    if state.cfg.workers.enabled {
        let transport = Arc::new(mail::Transport::from_config(&state.cfg)?);
        tasks.push(tokio::spawn(mail::worker(
            state.db.clone(),
            state.keys.clone(),
            transport,
            state.cfg.mail.from.clone(),
            Duration::from_millis(state.cfg.workers.poll_ms),
            state.cfg.workers.lease_secs,
            rx.clone(),
        )));
        tasks.push(tokio::spawn(crate::sharing::after::sweeper(
            state.db.clone(),
            Duration::from_millis(state.cfg.workers.poll_ms),
            rx.clone(),
        )));
        tasks.push(tokio::spawn(crate::delivery::sms::worker(
            state.db.clone(),
            state.keys.clone(),
            crate::delivery::sms::provider_from_config(&state.cfg)?,
            Duration::from_millis(state.cfg.workers.poll_ms),
            state.cfg.workers.lease_secs,
            rx.clone(),
        )));
    }
    let app = crate::router::router(state.clone());
    let mut srx = rx.clone();
    tasks.push(tokio::spawn(async move {
        let r = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = srx.changed().await;
            })
            .await;
        if let Err(e) = r {
            tracing::error!(error = %e, "server error");
        }
    }));
    Ok(Running { addr, state, shutdown: tx, tasks })
}

/// `dossier serve`: runs until Ctrl-C / SIGTERM.
pub async fn serve(cfg: Config) -> Result<(), String> {
    let mode = cfg.security.mode;
    let running = spawn(cfg).await?;
    tracing::info!(address = %running.addr, public_url = %running.state.cfg.server.public_url, ?mode, "Dossier is listening");
    println!("Dossier is running at {}", running.state.cfg.server.public_url);
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Stack of every runtime thread (workers and the blocking pool). A stack overflow aborts
/// the whole process, cutting off every user, so the stack is set deliberately rather than
/// left at tokio's 2 MiB: server renders of the staff pages are kept shallow at their
/// cause (views erased per section, see `app::pages::staff::settings`), the largest stays
/// under 2 MiB in a debug build (`tests/api/bursts.rs` loads every staff route directly on a
/// 2 MiB test runtime), and 8 MiB, the size of a main thread, is the margin on top.
/// Only the pages a thread touches are committed, so this costs address space, not memory.
pub const THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

/// The runtime `dossier` runs on.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(THREAD_STACK_BYTES).build()
}

/// The demo-data command: a new installation first gets the demo practice and its admin,
/// as the first-run page would make them; then `demo::seed` fills the (empty) practice.
/// Every account gets one fresh password, shown once. Here, in the wiring, because it
/// joins identity (the practice) and the demo seeding.
pub async fn demo_data(state: &AppState) -> Result<crate::demo::DemoReport, String> {
    use app::domain::{DisplayName, EmailAddress, NewPassword};
    use sea_orm::EntityTrait;
    let password = crate::demo::demo_password();
    let mut admin = None;
    if crate::platform::entities::practice::Entity::find().one(&state.db).await.map_err(|e| e.to_string())?.is_none() {
        let name = |n: &str| DisplayName::parse("name", "a name", n).map_err(|e| e.to_string());
        let (_, st) = crate::identity::auth::create_practice(
            &state.db,
            &state.hasher,
            &name("Harbour Therapy (demo)")?,
            &name("Ada Admin")?,
            &EmailAddress::parse("email", "admin@demo.dossier.test").map_err(|e| e.to_string())?,
            &NewPassword::parse("password", &password).map_err(|e| e.to_string())?,
            &crate::platform::audit::Origin {
                network: Some("cli".into()),
                user_agent: Some("dossier demo-data".into()),
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        admin = Some(("Admin".to_owned(), st.email, password.clone()));
    }
    let mut r = crate::demo::seed(state, &password).await?;
    r.accounts.splice(0..0, admin);
    Ok(r)
}
