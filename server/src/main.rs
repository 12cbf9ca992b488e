//! `dossier`: the server binary and its administrative commands.
use clap::{Parser, Subcommand};
use std::process::ExitCode;

use server::config::Config;

#[derive(Parser)]
#[command(name = "dossier", version, about = "Secure clinical document sharing")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server and background workers (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a practice and its first admin (the same as the first-run page).
    CreatePractice {
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_name: String,
        #[arg(long)]
        admin_email: String,
        /// Read from the environment so it never appears in the process list.
        #[arg(long, env = "DOSSIER_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: String,
    },
    /// Check the audit log's hash chain of every practice.
    VerifyAudit,
    /// Print a new random master key (base64 of 32 bytes) for `security.master_key`.
    GenerateKey,
    /// Re-encrypt everything sealed under a retired master key with the current one
    /// (`security.master_key`; the old key goes in `security.retired_master_keys`).
    RotateKeys,
    /// Fill an empty practice (or a new one) with realistic fake data to try Dossier.
    DemoData,
    /// Write a consistent copy of the database while Dossier runs (SQLite: VACUUM INTO;
    /// PostgreSQL: pg_dump). Keep the master key with your backups, stored apart.
    Backup {
        /// The new file to write.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Restore a backup into an empty database (a new SQLite file or PostgreSQL
    /// database), then migrate it and check every practice's audit chain.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: std::path::PathBuf,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_target(false)
        .init();
    let cli = Cli::parse();
    let cfg = match Config::load() {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let rt = server::startup::runtime().expect("tokio runtime");
    let result = rt.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => server::startup::serve(cfg).await,
            Command::Migrate => {
                server::startup::prepare_data_dir(&cfg.data.dir)?;
                server::platform::db::connect_and_migrate(&cfg).await.map(|_| println!("migrations applied"))
            }
            Command::CreatePractice { name, admin_name, admin_email, admin_password } => {
                create_practice(cfg, &name, &admin_name, &admin_email, &admin_password).await
            }
            Command::VerifyAudit => verify_audit(cfg).await,
            Command::DemoData => demo_data(cfg).await,
            Command::GenerateKey => {
                println!("{}", server::platform::crypto::Keys::generate_master());
                Ok(())
            }
            Command::RotateKeys => rotate_keys(cfg).await,
            Command::Backup { to } => {
                server::backup::backup(&cfg, &to).await.map(|_| println!("backup written to {}", to.display()))
            }
            Command::Restore { from } => server::backup::restore(&cfg, &from).await.map(|r| {
                for (name, events) in r.practices {
                    println!("{name}: restored, {events} audit events, chain intact");
                }
            }),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("dossier: {msg}");
    ExitCode::from(2)
}

async fn create_practice(cfg: Config, name: &str, admin_name: &str, email: &str, password: &str) -> Result<(), String> {
    use app::domain::{DisplayName, EmailAddress, NewPassword};
    let pname = DisplayName::parse("name", "the practice name", name).map_err(|e| e.to_string())?;
    let aname = DisplayName::parse("admin_name", "the admin's name", admin_name).map_err(|e| e.to_string())?;
    let email = EmailAddress::parse("admin_email", email).map_err(|e| e.to_string())?;
    let password = NewPassword::parse("admin_password", password).map_err(|e| e.to_string())?;
    let state = server::startup::build_state(cfg).await?;
    let origin = server::platform::audit::Origin {
        network: Some("cli".into()),
        user_agent: Some("dossier create-practice".into()),
    };
    let (p, st) =
        server::identity::auth::create_practice(&state.db, &state.hasher, &pname, &aname, &email, &password, &origin)
            .await
            .map_err(|e| e.to_string())?;
    println!(
        "created practice {:?} ({}) with admin {}; sign in to set up two-step verification",
        p.name, p.id, st.email
    );
    Ok(())
}

async fn verify_audit(cfg: Config) -> Result<(), String> {
    use sea_orm::EntityTrait;
    let state = server::startup::build_state(cfg).await?;
    let practices =
        server::platform::entities::practice::Entity::find().all(&state.db).await.map_err(|e| e.to_string())?;
    let mut broken = false;
    for p in practices {
        match server::platform::audit::verify_chain(&state.db, &p.id).await.map_err(|e| e.to_string())? {
            Ok(n) => println!("{}: {n} events, chain intact", p.name),
            Err(seq) => {
                broken = true;
                println!("{}: chain BROKEN at event #{seq}", p.name)
            }
        }
    }
    if broken { Err("audit chain verification failed".into()) } else { Ok(()) }
}

async fn rotate_keys(cfg: Config) -> Result<(), String> {
    let state = server::startup::build_state(cfg).await?;
    let r = server::rotate::rotate(&state.db, &state.keys).await?;
    println!(
        "current master key {}: {} values re-encrypted, {} already current",
        state.keys.key_id(),
        r.resealed,
        r.current
    );
    if r.unreadable.is_empty() {
        println!("nothing is left under a retired key: remove security.retired_master_keys and restart");
        Ok(())
    } else {
        for u in r.unreadable.iter().take(20) {
            println!("  unreadable with the configured keys: {u}");
        }
        Err(format!(
            "{} values could not be opened with any configured key (is a retired key missing?)",
            r.unreadable.len()
        ))
    }
}

async fn demo_data(cfg: Config) -> Result<(), String> {
    let state = server::startup::build_state(cfg).await?;
    let r = server::startup::demo_data(&state).await?;
    println!(
        "Demo data added to {:?}: {} clients, {} contacts, {} documents.",
        r.practice, r.clients, r.contacts, r.documents
    );
    println!("Demo accounts (shown once; each sets up two-step verification at first sign-in):");
    for (role, email, password) in r.accounts {
        println!("  {role:<13} {email:<28} {password}");
    }
    Ok(())
}
