#!/usr/bin/env bash
# Builds the browser side: the staff app's hydrate bundle (wasm + JS glue), the portal
# island, the stylesheets, and precompressed copies, into $SITE/pkg. Offline-safe: wasm-bindgen-cli comes from
# crates.io and wasm-opt from the npm package `binaryen` (never Debian's binaryen 108,
# whose output fails to hydrate).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
SITE="${DOSSIER_SITE_DIR:-$TARGET_DIR/site}"
PKG="$SITE/pkg"
mkdir -p "$PKG"

WASM_OPT="$ROOT/end2end/node_modules/.bin/wasm-opt"
[ -x "$WASM_OPT" ] || echo "build-site: wasm-opt (npm binaryen) not installed; the wasm is unoptimised" >&2

# wasm <package> <its library's file name> <out name>: cargo, wasm-bindgen, wasm-opt -Oz.
wasm() {
  cargo build --manifest-path "$ROOT/Cargo.toml" -p "$1" --lib --target wasm32-unknown-unknown --profile wasm-release
  wasm-bindgen --target web --no-typescript --out-dir "$PKG" --out-name "$3" \
    "$TARGET_DIR/wasm32-unknown-unknown/wasm-release/$2.wasm"
  if [ -x "$WASM_OPT" ]; then
    "$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      "$PKG/$3_bg.wasm" -o "$PKG/$3_bg.opt.wasm"
    mv "$PKG/$3_bg.opt.wasm" "$PKG/$3_bg.wasm"
  fi
}

# The staff app's hydrate bundle.
wasm frontend frontend dossier

# The portal island: its own small crate, so nothing of the staff app is linked into it.
# Its glue starts itself (a module script needs no nonce) and loads the wasm by an address
# versioned with the wasm's content; the server versions the glue the same way.
wasm portal-island portal_island portal
ISLAND_V="$(sha256sum "$PKG/portal_bg.wasm" | cut -c1-12)"
printf '\n__wbg_init({ module_or_path: new URL("portal_bg.wasm?v=%s", import.meta.url) });\n' "$ISLAND_V" >> "$PKG/portal.js"

cat "$ROOT/style/tokens.css" "$ROOT/style/app.css" > "$PKG/dossier.css"
cat "$ROOT/style/tokens.css" "$ROOT/style/portal.css" > "$PKG/portal.css"
cp "$ROOT/style/favicon.svg" "$PKG/favicon.svg"

# Precompressed copies (served by tower-http's ServeDir) and a size report.
node "$ROOT/scripts/compress.mjs" "$PKG"
