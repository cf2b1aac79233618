//! Where a connection came from: the remote address and the upgrade request's headers, kept for
//! introspection (the console shows the address and user agent of each connection). Headers are
//! bounded in count and size, and secret-looking ones (cookies, authorization) are masked when
//! they are kept, so nothing read from a connection can show a credential.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::http::HeaderMap;

use crate::wire::secrets::{is_secret_key, MASK};
use crate::wire::util::truncate_utf8;

/// Most headers kept per connection; the rest are left out.
pub const MAX_PEER_HEADERS: usize = 32;
/// Longest header value kept (bytes, cut on a character boundary).
pub const MAX_PEER_HEADER_BYTES: usize = 512;

#[derive(Debug, Clone, Default)]
pub struct Peer {
    pub remote: Option<SocketAddr>,
    /// Lower-case header names; values masked where the name looks secret.
    pub headers: BTreeMap<String, String>,
}

impl Peer {
    pub(crate) fn from_request(remote: Option<SocketAddr>, headers: &HeaderMap) -> Peer {
        let mut kept = BTreeMap::new();
        for (name, value) in headers {
            if kept.len() >= MAX_PEER_HEADERS {
                break;
            }
            let name = name.as_str().to_owned();
            let value = if is_secret_key(&name) {
                MASK.to_owned()
            } else {
                let text = String::from_utf8_lossy(value.as_bytes());
                truncate_utf8(&text, MAX_PEER_HEADER_BYTES).to_owned()
            };
            kept.entry(name).or_insert(value);
        }
        Peer {
            remote,
            headers: kept,
        }
    }

    pub fn user_agent(&self) -> Option<&str> {
        self.headers.get("user-agent").map(String::as_str)
    }
}
