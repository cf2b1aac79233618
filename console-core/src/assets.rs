//! The built UI (`ui/dist`), embedded in the binary so the console is one file.
//!
//! `index.html` is served only with the token (see [`crate::auth`]); the hashed files under
//! `assets/` hold code, not data, and are served to anyone so the page can load them without
//! repeating the token in every URL.
//!
//! The page is served with a Content-Security-Policy that lets it run only its own scripts
//! (its bundle, [`FORGET_TOKEN_JS`], and the inline scripts of `index.html`, by hash) and talk
//! only to its own origin: an injected `<script>` or a payload rendered as markup cannot load
//! code from elsewhere or send what it reads anywhere. Styles may be inline (the UI sets
//! widths and colours from data); that cannot run code. `'unsafe-eval'` is allowed for one
//! reason: the push panel validates payloads with Ajv, which compiles each schema with
//! `new Function`. It lets the page's own code build code, not load any; it goes once the UI
//! validates with precompiled schemas or asks the server (listed as open in
//! docs/reliability.md).

use std::sync::OnceLock;

use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

#[derive(rust_embed::RustEmbed)]
#[folder = "../ui/dist"]
#[allow_missing = true]
struct UiAssets;

const NOT_BUILT: &str = "The console UI was not built into this binary. Build it with \
`npm ci && npm run build` in ui/ (scripts/run does this), then rebuild.\n";

/// Where [`FORGET_TOKEN_JS`] is served.
pub const FORGET_TOKEN_PATH: &str = "/__switchboard/forget-token.js";

/// Runs after the UI's bundle has read the token from the address (module scripts run in
/// document order), and takes it out of the address bar and the history entry; the cookie set
/// with the page keeps the session (see [`crate::auth`]).
pub const FORGET_TOKEN_JS: &str = "// The token came in this page's address; the console has read it and the server set it as a\n\
// cookie: take it out of the address bar and the history.\n\
const url = new URL(location.href);\n\
if (url.searchParams.has('token')) {\n\
  url.searchParams.delete('token');\n\
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);\n\
}\n";

/// The page as served: `index.html` with [`FORGET_TOKEN_JS`] loaded last, and the hashes of its
/// inline scripts for the policy. Computed once.
struct Page {
    html: Vec<u8>,
    script_hashes: String,
}

fn page() -> Option<&'static Page> {
    static PAGE: OnceLock<Option<Page>> = OnceLock::new();
    PAGE.get_or_init(|| {
        let file = UiAssets::get("index.html")?;
        let html = String::from_utf8_lossy(&file.data).into_owned();
        let tag = format!("<script type=\"module\" src=\"{FORGET_TOKEN_PATH}\"></script>");
        let html = match html.rfind("</body>") {
            Some(at) => format!("{}{tag}\n{}", &html[..at], &html[at..]),
            None => format!("{html}{tag}"),
        };
        let script_hashes = inline_scripts(&html)
            .map(|body| format!(" 'sha256-{}'", base64(&Sha256::digest(body.as_bytes()))))
            .collect();
        Some(Page {
            html: html.into_bytes(),
            script_hashes,
        })
    })
    .as_ref()
}

/// The bodies of the `<script>` elements that have no `src`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attrs, after) = rest.split_once('>')?;
        let (body, _) = after.split_once("</script>")?;
        (!attrs.contains("src=")).then_some(body)
    })
}

/// Standard base64 with padding (what CSP hashes are written in).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The page's Content-Security-Policy. `host` (already checked to be the console's own) names
/// the live WebSocket explicitly: older WebKit (the Linux window) does not count `ws:` as
/// `'self'`.
fn policy(host: &str, script_hashes: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'unsafe-eval'{script_hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws://{host}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The UI's entry page, for a request to `host`.
pub fn index(host: &str) -> Response {
    let Some(page) = page() else {
        return (StatusCode::SERVICE_UNAVAILABLE, NOT_BUILT).into_response();
    };
    let csp = HeaderValue::from_str(&policy(host, &page.script_hashes))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        page.html.clone(),
    )
        .into_response()
}

/// [`FORGET_TOKEN_JS`], served to anyone like the bundle (it is code, not data).
pub async fn forget_token() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        FORGET_TOKEN_JS,
    )
        .into_response()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn only_scripts_without_src_are_inline() {
        let html = r#"<script type="module" src="/a.js"></script><script>x()</script><script defer>y()</script>"#;
        assert_eq!(inline_scripts(html).collect::<Vec<_>>(), vec!["x()", "y()"]);
    }
}
