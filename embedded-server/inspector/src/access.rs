//! Who may attach: the token, and the `Origin` rule.
//!
//! The token keeps out every program that can reach the port but was not given the URL. The
//! `Origin` rule keeps out web pages: a page on another site, open in a browser on the same
//! machine, can open a WebSocket to a loopback port (browsers apply no same-origin policy to
//! WebSockets), so an upgrade announcing a foreign origin is refused even before the token is
//! looked at. Programs that are not browsers send no `Origin` and are not affected.

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::{header, HeaderMap};

/// The secret a console presents. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Token(Arc<str>);

impl Token {
    /// 128 random bits as 32 lowercase hex digits.
    pub fn random() -> Token {
        let bytes: [u8; 16] = rand::random();
        Token(Arc::from(
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        ))
    }

    pub fn new(text: impl Into<String>) -> Token {
        Token(Arc::from(text.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares in a time that does not depend on where the two first differ, so the token
    /// cannot be guessed one character at a time by timing refusals.
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

/// The token a request carries: `Authorization: Bearer TOKEN`, else the `token` query
/// parameter (percent-decoded).
pub(crate) fn presented(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        if scheme.eq_ignore_ascii_case("bearer") {
            return Some(rest.trim().to_owned());
        }
    }
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "token").then(|| percent_decode(v))
    })
}

/// Whether an upgrade may proceed as far as its `Origin` is concerned: no `Origin`, a
/// loopback origin (`localhost`, `*.localhost`, `127.x.x.x`, `[::1]`, any scheme and port),
/// or one of `allowed` (compared without case and without a trailing `/`).
pub(crate) fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.trim().trim_end_matches('/');
    if is_loopback_origin(origin) {
        return true;
    }
    allowed
        .iter()
        .any(|a| a.trim().trim_end_matches('/').eq_ignore_ascii_case(origin))
}

fn is_loopback_origin(origin: &str) -> bool {
    let Some((_scheme, rest)) = origin.split_once("://") else {
        return false; // `null` (sandboxed pages, files) and anything malformed
    };
    let host = if let Some(bracketed) = rest.strip_prefix('[') {
        match bracketed.split_once(']') {
            Some((h, _)) => h,
            None => return false,
        }
    } else {
        rest.split(':').next().unwrap_or("")
    };
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Percent-encodes everything but RFC 3986's unreserved characters (for a token in a URL).
/// An attach URL from an advertised inspector address (`ws://HOST:PORT/`, as a node publishes
/// it in cluster presence) and the token shared out of band: `ws://HOST:PORT/?token=TOKEN`.
/// The token is percent-encoded; a `?` already in the address gets `&token=` instead.
pub fn with_token(address: &str, token: &str) -> String {
    let sep = if address.contains('?') { '&' } else { '?' };
    format!("{address}{sep}token={}", percent_encode(token))
}

pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (as a space); a malformed escape is kept as it is.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_token_is_added_to_an_advertised_address() {
        assert_eq!(
            with_token("ws://10.0.0.5:7071/", "a b&c"),
            "ws://10.0.0.5:7071/?token=a%20b%26c"
        );
        assert_eq!(with_token("ws://h:1/?x=1", "t"), "ws://h:1/?x=1&token=t");
    }

    fn with(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn a_random_token_is_32_hex_digits_and_matches_only_itself() {
        let t = Token::random();
        assert_eq!(t.as_str().len(), 32);
        assert!(t.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(t.matches(t.as_str()));
        assert!(!t.matches(&t.as_str()[1..]));
        assert!(!t.matches(""));
        assert_ne!(Token::random().as_str(), t.as_str());
        assert_eq!(format!("{t:?}"), "Token(********)");
    }

    #[test]
    fn the_token_comes_from_the_bearer_header_or_the_query() {
        let h = with(header::AUTHORIZATION, "Bearer abc");
        assert_eq!(presented(&h, None).as_deref(), Some("abc"));
        let h = with(header::AUTHORIZATION, "bearer  abc ");
        assert_eq!(presented(&h, Some("token=zzz")).as_deref(), Some("abc"));
        let none = HeaderMap::new();
        assert_eq!(
            presented(&none, Some("a=1&token=a%2Bb%20c")).as_deref(),
            Some("a+b c")
        );
        assert_eq!(presented(&none, Some("tokens=1")), None);
        assert_eq!(presented(&none, None), None);
    }

    #[test]
    fn loopback_and_listed_origins_pass_others_do_not() {
        let allowed = vec!["https://console.example.com/".to_owned()];
        for ok in [
            "http://localhost:5173",
            "http://127.0.0.1",
            "http://[::1]:80",
            "tauri://localhost",
            "http://tauri.localhost",
            "https://CONSOLE.example.com",
        ] {
            assert!(origin_allowed(&with(header::ORIGIN, ok), &allowed), "{ok}");
        }
        for refused in [
            "https://evil.example",
            "null",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "http://[::1",
        ] {
            assert!(
                !origin_allowed(&with(header::ORIGIN, refused), &allowed),
                "{refused}"
            );
        }
        assert!(origin_allowed(&HeaderMap::new(), &[]));
    }

    #[test]
    fn percent_encoding_round_trips() {
        for s in ["abc123", "a b+c/d?e=f&g", "é%", ""] {
            assert_eq!(percent_decode(&percent_encode(s)), s);
        }
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
