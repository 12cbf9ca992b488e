#!/usr/bin/env bash
# Installs what building and testing Dossier needs, idempotently. Everything comes from
# the package registries (crates.io, npm, Debian): nothing is downloaded at build time.
#   scripts/ensure-tools.sh           build tools (wasm target, wasm-bindgen-cli, trunk, wasm-split-cli, npm deps)
#   scripts/ensure-tools.sh --browser also Debian's Chromium for the Playwright suite
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen crate version in Cargo.toml (and Trunk.toml)
TRUNK_VERSION=0.21.14          # Trunk.toml's trunk-version accepts it
WASM_SPLIT_VERSION=0.2.4       # wasm-split-cli: reads the split points wasm_split_helpers (Cargo.lock) marks

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

command -v cargo >/dev/null || { echo "cargo is required: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }
command -v node >/dev/null || { echo "node (18.14 or newer) and npm are required" >&2; exit 1; }

if command -v rustup >/dev/null; then
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes, once)"
  # Not --locked: one locked dependency version is missing from some registry mirrors.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# Trunk builds the browser side (Trunk.toml). Its own update check and tool downloads are
# off: it runs offline with the wasm-bindgen above and npm's wasm-opt below.
if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (about 8 minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi
# Trunk's post-build hook splits the staff wasm at its lazy routes with wasm-split-cli.
if ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
  say "installing wasm-split-cli $WASM_SPLIT_VERSION (about 2 minutes, once)"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked
fi
# Trunk runs cargo --offline: every crate must be in the local registry first.
cargo fetch --locked --quiet --manifest-path "$ROOT/Cargo.toml"

if [ ! -x "$ROOT/end2end/node_modules/.bin/wasm-opt" ] || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
  say "installing npm packages (binaryen for wasm-opt, Playwright, maildev)"
  (cd "$ROOT/end2end" && npm ci --no-audit --no-fund)
fi

# Test-only system packages: Debian's Chromium (Playwright), poppler-utils (pdftotext, to
# check the text of generated PDFs) and the sqlite3 shell (the suite ages a link by
# moving its timestamps; psql comes with PostgreSQL).
if [ "${1:-}" = "--browser" ] && { [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null || ! command -v sqlite3 >/dev/null; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's chromium, poppler-utils and sqlite3 for the tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils sqlite3 >/dev/null
  else
    echo "The tests need Chromium, pdftotext and sqlite3: run 'sudo apt-get install -y chromium poppler-utils sqlite3'" >&2
    exit 1
  fi
fi
