//! Who may use the console: the per-run token every call carries, the cookie the page trades
//! it for, and the host names the console answers under.
//!
//! The console listens on loopback, but any local program (or a web page in a local browser)
//! can reach loopback ports. A random token, printed once in the console's URL, is what keeps
//! them out: it goes in the query (`?token=`, needed for the WebSocket and for downloads), in
//! `Authorization: Bearer`, or in the console's cookie. No CORS headers are ever sent, so other
//! origins cannot read answers, and requests announcing another origin are refused outright,
//! before the token is looked at.
//!
//! The first load of the page (`/?token=...`) sets an `HttpOnly; SameSite=Strict` cookie
//! holding the token, and the page then removes the token from its address bar
//! (`history.replaceState`), so it does not linger in the history, in bookmarks or on a shared
//! screen. Cookies ignore ports, so the cookie's name carries the console's port: two consoles
//! on one machine do not overwrite each other's.
//!
//! Host names: a web page on a name the attacker controls can make that name resolve to
//! 127.0.0.1 (DNS rebinding) and then talk to the console as "its own origin". Only requests
//! whose `Host` is a loopback name or the address the console listens on are served; any other
//! gets 421 (Misdirected Request) before anything else is looked at.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
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

/// Everything the access checks need, shared by the middlewares.
#[derive(Clone)]
pub struct Access {
    pub token: Token,
    /// The cookie's name: `switchboard_token_<port>`.
    cookie: Arc<str>,
    /// The address the console listens on.
    listen: SocketAddr,
}

/// How a request proved it knows the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// `Authorization: Bearer` or `?token=`: only someone who holds the token can send these.
    Explicit,
    /// The cookie: a browser attaches it by itself, so where the request comes from matters.
    Cookie,
}

/// The outcome of [`Access::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// No token anywhere (header, query, cookie).
    Missing,
    /// A token that is not this run's.
    Wrong,
    /// The right token, and how it came.
    Valid(Proof),
}

impl Access {
    pub fn new(token: Token, listen: SocketAddr) -> Access {
        Access {
            token,
            cookie: Arc::from(format!("switchboard_token_{}", listen.port())),
            listen,
        }
    }

    /// What the request carries to prove it holds the token.
    pub fn check(&self, headers: &HeaderMap, query: Option<&str>) -> Credential {
        if let Some(t) = presented(headers, query) {
            return if self.token.matches(&t) {
                Credential::Valid(Proof::Explicit)
            } else {
                Credential::Wrong
            };
        }
        match self.cookie_value(headers) {
            Some(t) if self.token.matches(&t) => Credential::Valid(Proof::Cookie),
            Some(_) => Credential::Wrong,
            None => Credential::Missing,
        }
    }

    fn cookie_value(&self, headers: &HeaderMap) -> Option<String> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                (k == &*self.cookie).then(|| v.to_owned())
            })
    }

    /// The `Set-Cookie` value that lets the page drop the token from its URL.
    pub fn set_cookie(&self) -> HeaderValue {
        let value = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict",
            self.cookie,
            self.token.as_str()
        );
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// Whether `host` (a `Host` header: a name or address, maybe with a port) names this
    /// console: `localhost` (and `*.localhost`), a loopback address, or the address it listens
    /// on. When it listens on every interface (`0.0.0.0`, `::`), any address literal is
    /// accepted: an address cannot be rebound the way a name can.
    pub fn is_own_host(&self, host: &str) -> bool {
        let name = match host.strip_prefix('[') {
            // `[v6]` or `[v6]:port`
            Some(rest) => match rest.split_once(']') {
                Some((addr, tail)) if tail.is_empty() || tail.starts_with(':') => addr,
                _ => return false,
            },
            None => host.rsplit_once(':').map_or(host, |(name, _)| name),
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if name == "localhost" || name.ends_with(".localhost") {
            return true;
        }
        match name.parse::<IpAddr>() {
            Ok(ip) => {
                ip.is_loopback() || ip == self.listen.ip() || self.listen.ip().is_unspecified()
            }
            Err(_) => false,
        }
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

/// Whether a browser says the request comes from another site (`Sec-Fetch-Site`). The cookie
/// is only trusted from the console's own pages; `SameSite=Strict` already keeps it off
/// requests from other sites, but other ports of localhost count as the same site.
pub fn from_elsewhere(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v != "same-origin" && v != "none")
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

/// Middleware: refuse foreign origins (403) and missing or wrong tokens (401); the cookie
/// counts only on requests from the console's own pages.
pub async fn require_token(State(access): State<Access>, req: Request, next: Next) -> Response {
    if foreign_origin(req.headers()) {
        return ApiError::forbidden("requests from other origins are refused").into_response();
    }
    match access.check(req.headers(), req.uri().query()) {
        Credential::Valid(Proof::Cookie) if from_elsewhere(req.headers()) => {
            ApiError::forbidden("requests from other sites are refused").into_response()
        }
        Credential::Valid(_) => next.run(req).await,
        Credential::Wrong => ApiError::unauthorized("wrong console token").into_response(),
        Credential::Missing => ApiError::unauthorized(
            "missing console token: open the URL switchboard printed (it ends in ?token=...)",
        )
        .into_response(),
    }
}

/// Middleware around everything the console serves (API, page, UI files): refuse host names
/// that are not the console's own (421), and add the headers that keep answers from being
/// framed (`X-Frame-Options`), sniffed into another type (`X-Content-Type-Options`) or from
/// leaking the page's URL, token included, to links it opens (`Referrer-Policy`).
pub async fn guard(State(access): State<Access>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("");
    let mut res = if access.is_own_host(host) {
        next.run(req).await
    } else {
        (
            StatusCode::MISDIRECTED_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "This Switchboard console answers only as localhost or its own address.\n",
        )
            .into_response()
    };
    let headers = res.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
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
