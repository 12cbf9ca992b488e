#!/usr/bin/env bash
# Builds the browser side: the hydrate bundle (wasm + JS glue), the stylesheets, and
# precompressed copies, into $SITE/pkg. Offline-safe: wasm-bindgen-cli comes from
# crates.io and wasm-opt from the npm package `binaryen` (never Debian's binaryen 108,
# whose output fails to hydrate).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
SITE="${DOSSIER_SITE_DIR:-$TARGET_DIR/site}"
PKG="$SITE/pkg"
mkdir -p "$PKG"

cargo build --manifest-path "$ROOT/Cargo.toml" -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
wasm-bindgen --target web --no-typescript --out-dir "$PKG" --out-name dossier \
  "$TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"

WASM_OPT="$ROOT/end2end/node_modules/.bin/wasm-opt"
if [ -x "$WASM_OPT" ]; then
  "$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    "$PKG/dossier_bg.wasm" -o "$PKG/dossier_bg.opt.wasm"
  mv "$PKG/dossier_bg.opt.wasm" "$PKG/dossier_bg.wasm"
else
  echo "build-site: wasm-opt (npm binaryen) not installed; the wasm is unoptimised" >&2
fi

cat "$ROOT/style/tokens.css" "$ROOT/style/app.css" > "$PKG/dossier.css"
cat "$ROOT/style/tokens.css" "$ROOT/style/portal.css" > "$PKG/portal.css"
cp "$ROOT/style/favicon.svg" "$PKG/favicon.svg"

# Precompressed copies (served by tower-http's ServeDir) and a size report.
node "$ROOT/scripts/compress.mjs" "$PKG"
