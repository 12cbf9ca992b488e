//! Addresses of the static assets, with a version taken from their content so browsers may
//! cache them for a year (`immutable`) and fetch a new copy only when a build changes them.
//! The server sets the versions once at start-up; pages rendered on the server read them.
use std::sync::OnceLock;

/// Content versions of the built assets (empty: not built).
#[derive(Debug, Clone, Default)]
pub struct Versions {
    pub app_css: String,
    pub portal_css: String,
    /// The portal island's script (its wasm is versioned inside it by the build).
    pub portal_js: String,
}

static VERSIONS: OnceLock<Versions> = OnceLock::new();

/// Records the content versions (first call wins).
pub fn set_versions(v: Versions) {
    let _ = VERSIONS.set(v);
}

fn href(file: &str, version: Option<&str>) -> String {
    match version {
        Some(v) if !v.is_empty() => format!("/pkg/{file}?v={v}"),
        _ => format!("/pkg/{file}"),
    }
}

/// The staff app's stylesheet.
pub fn app_css() -> String {
    href("dossier.css", VERSIONS.get().map(|v| v.app_css.as_str()))
}

/// The portal's (and public forms') stylesheet.
pub fn portal_css() -> String {
    href("portal.css", VERSIONS.get().map(|v| v.portal_css.as_str()))
}

/// The portal island's module script, if the build made one.
pub fn portal_js() -> Option<String> {
    let v = VERSIONS.get().map(|v| v.portal_js.as_str()).filter(|v| !v.is_empty())?;
    Some(href("portal.js", Some(v)))
}
