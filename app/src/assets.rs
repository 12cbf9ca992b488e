//! Addresses of the stylesheets, with a version taken from their content so browsers may
//! cache them for a year (`immutable`) and fetch a new copy only when a build changes them.
//! The server sets the versions once at start-up; pages rendered on the server read them.
use std::sync::OnceLock;

static VERSIONS: OnceLock<(String, String)> = OnceLock::new();

/// Records the content versions of `dossier.css` and `portal.css` (first call wins).
pub fn set_versions(app_css: String, portal_css: String) {
    let _ = VERSIONS.set((app_css, portal_css));
}

fn href(file: &str, version: Option<&str>) -> String {
    match version {
        Some(v) if !v.is_empty() => format!("/pkg/{file}?v={v}"),
        _ => format!("/pkg/{file}"),
    }
}

/// The staff app's stylesheet.
pub fn app_css() -> String {
    href("dossier.css", VERSIONS.get().map(|v| v.0.as_str()))
}

/// The portal's (and public forms') stylesheet.
pub fn portal_css() -> String {
    href("portal.css", VERSIONS.get().map(|v| v.1.as_str()))
}
