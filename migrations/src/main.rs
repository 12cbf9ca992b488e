//! `dossier-migrate`: the sea-orm-migration CLI (`up`, `down`, `status`, `fresh`, ...).
//! Reads `DATABASE_URL` (or `-u URL`).
use sea_orm_migration::prelude::*;

#[tokio::main]
async fn main() {
    cli::run_cli(migrations::Migrator).await;
}
