//! Addresses of the static assets. Trunk builds two bundles (see `Trunk.toml`), each into its
//! own folder under `/pkg` with content-hashed file names (`frontend-<hash>.js`,
//! `dossier-<hash>.css`…), and lists those names in the folder's `manifest.json`. The server
//! reads both manifests once at start-up; pages rendered on the server read the names here.
//! A hashed name never changes content, so browsers cache it for a year (`immutable`) and
//! fetch the staff bundle once per release.
use serde::Deserialize;
use std::sync::OnceLock;

/// One bundle's `manifest.json`, as `scripts/trunk-hook.mjs` writes it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Manifest {
    /// The wasm-bindgen output's name without extension (`frontend-<hash>`, or `frontend` in
    /// the split staff bundle's folder).
    pub output_name: String,
    /// The folder of the glue and wasm under the site root, when not the bundle's own: the
    /// staff bundle, split at its lazy routes, lives in `pkg/staff/split-<hash>`.
    #[serde(default)]
    pub pkg_dir: Option<String>,
    pub js: String,
    pub wasm: String,
    pub css: String,
    #[serde(default)]
    pub icon: Option<String>,
}

/// The two bundles (a missing one: not built, as in the API tests).
#[derive(Debug, Clone, Default)]
pub struct Bundles {
    /// The staff app: hydrate bundle, stylesheet and the icon.
    pub staff: Option<Manifest>,
    /// The portal: island script and stylesheet.
    pub portal: Option<Manifest>,
}

/// Where each bundle's folder is, under the site root.
pub const STAFF_DIR: &str = "pkg/staff";
pub const PORTAL_DIR: &str = "pkg/portal";

static BUNDLES: OnceLock<Bundles> = OnceLock::new();

/// Records the bundles (first call wins).
pub fn set_bundles(b: Bundles) {
    let _ = BUNDLES.set(b);
}

fn staff() -> Option<&'static Manifest> {
    BUNDLES.get()?.staff.as_ref()
}

fn portal() -> Option<&'static Manifest> {
    BUNDLES.get()?.portal.as_ref()
}

/// The staff app's stylesheet.
pub fn app_css() -> String {
    staff().map(|m| m.css.clone()).unwrap_or_else(|| format!("/{STAFF_DIR}/dossier.css"))
}

/// The portal's (and public forms') stylesheet.
pub fn portal_css() -> String {
    portal().map(|m| m.css.clone()).unwrap_or_else(|| format!("/{PORTAL_DIR}/portal.css"))
}

/// The icon every page names (and `/favicon.ico` leads to).
pub fn icon() -> String {
    staff().and_then(|m| m.icon.clone()).unwrap_or_else(|| format!("/{STAFF_DIR}/favicon.svg"))
}

/// The portal island's module script, if the build made one (it starts itself).
pub fn portal_js() -> Option<String> {
    portal().map(|m| m.js.clone())
}
