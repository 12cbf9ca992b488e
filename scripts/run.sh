#!/usr/bin/env bash
# Starts Dossier on the embedded default: SQLite in ./data, mail written to ./data/mail
# as .eml files. Installs what it needs first. Open http://localhost:3000 afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
scripts/ensure-tools.sh
scripts/build-site.sh
cargo build -p server --bin dossier
export DOSSIER__SITE__ROOT="${DOSSIER__SITE__ROOT:-${CARGO_TARGET_DIR:-$ROOT/target}/site}"
export DOSSIER__DATA__DIR="${DOSSIER__DATA__DIR:-$ROOT/data}"
echo
echo "Data folder: $DOSSIER__DATA__DIR (database, development master key, mail/ with every email sent)"
echo
exec "${CARGO_TARGET_DIR:-$ROOT/target}/debug/dossier" serve
