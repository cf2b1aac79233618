//! The built UI (`ui/dist`), embedded in the binary so the console is one file.
//!
//! `index.html` is served only with the token (see [`crate::auth`]); the hashed files under
//! `assets/` hold code, not data, and are served to anyone so the page can load them without
//! repeating the token in every URL.

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "../ui/dist"]
#[allow_missing = true]
struct UiAssets;

const NOT_BUILT: &str = "The console UI was not built into this binary. Build it with \
`npm ci && npm run build` in ui/ (scripts/run does this), then rebuild.\n";

/// The UI's entry page.
pub fn index() -> Response {
    match UiAssets::get("index.html") {
        Some(file) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            file.data.into_owned(),
        )
            .into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, NOT_BUILT).into_response(),
    }
}

/// Any other file of the bundle; unknown paths are 404.
pub async fn file(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    match UiAssets::get(path) {
        Some(file) => {
            let mime = file.metadata.mimetype().to_owned();
            let cache = if path.starts_with("assets/") {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, cache.to_owned()),
                ],
                file.data.into_owned(),
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// Whether a built UI is embedded.
pub fn is_built() -> bool {
    UiAssets::get("index.html").is_some()
}
