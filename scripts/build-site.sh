#!/usr/bin/env bash
# Builds the browser side with Trunk (see Trunk.toml): the staff app's hydrate bundle and the
# portal's island, each with its stylesheet, content-hashed names, precompressed copies, a
# manifest.json the server reads and a size report, into $SITE/pkg/staff and $SITE/pkg/portal.
# Offline-safe: cargo runs --offline --locked; wasm-bindgen-cli comes from crates.io and
# wasm-opt from the npm package `binaryen` (never Debian's binaryen 108, whose output fails
# to hydrate), both installed by scripts/ensure-tools.sh, as is Trunk itself.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
SITE="${DOSSIER_SITE_DIR:-$TARGET_DIR/site}"
# npm's wasm-opt 132 first on PATH, where Trunk looks for the version Trunk.toml pins.
export PATH="$ROOT/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Trunk would otherwise ask GitHub whether a newer Trunk exists.
export TRUNK_SKIP_VERSION_CHECK=true
# The post-build hook splits the staff wasm cargo left here (wasm-split-cli, on ~/.cargo/bin).
export CARGO_TARGET_DIR="$TARGET_DIR"
cd "$ROOT"
mkdir -p "$SITE/pkg"
# Files of the layout before Trunk (one flat pkg folder), so nothing stale is served.
rm -f "$SITE"/pkg/{dossier,portal}*.{js,wasm,css}{,.br,.gz} "$SITE"/pkg/favicon.svg{,.br,.gz} "$SITE/pkg/sizes.json"

# Trunk replaces pkg/staff with each build. The split folders of the last builds are kept
# beside the new one, so a tab opened before this build (staff keep the app open all day)
# still finds the lazy chunks it names; each folder is named by its content, so nothing
# clashes. They wait in pkg/.staff-builds during the build and come back even if it fails.
KEEP="$SITE/pkg/.staff-builds"
mkdir -p "$KEEP"
find "$SITE/pkg/staff" -mindepth 1 -maxdepth 1 -type d -name 'split-*' -exec mv -f -t "$KEEP" {} + 2>/dev/null || true
restore_builds() {
  local d n=0
  for d in $(ls -1dt "$KEEP"/split-* 2>/dev/null); do
    n=$((n + 1))
    if [ "$n" -le 3 ] && [ ! -e "$SITE/pkg/staff/${d##*/}" ]; then mv "$d" "$SITE/pkg/staff/"; else rm -rf "$d"; fi
  done
}
trap restore_builds EXIT
trunk build --dist "$SITE/pkg/staff" --public-url /pkg/staff/
# The island is built without the relocations (.cargo/config.toml) the staff split needs: they
# keep wasm-opt from shrinking it (14 KB brotli with them off, 95 KB with them on). Its own
# target folder keeps the two flag sets from rebuilding each other's crates.
CARGO_TARGET_DIR="$TARGET_DIR/portal-island" CARGO_ENCODED_RUSTFLAGS="" \
  trunk build frontend/portal/index.html --dist "$SITE/pkg/portal" --public-url /pkg/portal/
