//! The per-run token that every console call must carry.
//!
//! The console listens on loopback, but any local program (or a web page in a local browser)
//! can reach loopback ports. A random token, printed once in the console's URL, is what keeps
//! them out: it goes in the query (`?token=`, needed for the WebSocket and for downloads) or in
//! `Authorization: Bearer`. No CORS headers are ever sent, so other origins cannot read answers,
//! and requests announcing another origin are refused outright, before the token is looked at.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::error::ApiError;

/// A random 128-bit token, as 32 lowercase hex digits.
#[derive(Clone)]
pub struct Token(Arc<str>);

impl Token {
    pub fn random() -> Token {
        let bytes: [u8; 16] = rand::random();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Token(Arc::from(hex))
    }

    /// A fixed token (tests).
    pub fn from_string(s: impl Into<String>) -> Token {
        Token(Arc::from(s.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares in time independent of where the strings first differ.
    pub fn matches(&self, candidate: &str) -> bool {
        let a = self.0.as_bytes();
        let b = candidate.as_bytes();
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(********)")
    }
}

/// The token a request carries, from `Authorization: Bearer` or the `token` query parameter.
pub fn presented(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        if let Some(t) = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) {
            return Some(t.trim().to_owned());
        }
    }
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "token").then(|| v.to_owned())
    })
}

/// Whether the request says it comes from a page of another origin than this listener.
pub fn foreign_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    origin != format!("http://{host}")
}

/// Middleware: refuse foreign origins (403) and missing or wrong tokens (401).
pub async fn require_token(State(token): State<Token>, req: Request, next: Next) -> Response {
    if foreign_origin(req.headers()) {
        return ApiError::forbidden("requests from other origins are refused").into_response();
    }
    match presented(req.headers(), req.uri().query()) {
        Some(t) if token.matches(&t) => next.run(req).await,
        Some(_) => ApiError::unauthorized("wrong console token").into_response(),
        None => ApiError::unauthorized(
            "missing console token: open the URL switchboard printed (it ends in ?token=...)",
        )
        .into_response(),
    }
}

/// The page shown for `/` without a valid token: a sentence rather than JSON.
pub fn index_refused() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "This Switchboard console needs its token. Open the URL that switchboard printed \
         when it started: it ends in ?token=...\n",
    )
        .into_response()
}
