//! The WebSocket opening handshake (RFC 6455, section 4.2) on top of hyper's connection
//! upgrade.
//!
//! Why not axum's `WebSocketUpgrade`: its socket carries axum's own text type, so a frame
//! encoded once by `switchboard-wire` would have to be copied or re-validated for every
//! recipient. Doing the handshake here gives a plain tokio-tungstenite stream whose text type
//! is the wire's [`Frame`](crate::wire::Frame), and keeps axum out of the wire layer.

use std::future::Future;

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Version};
use axum::response::Response;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

/// A server-side WebSocket over an upgraded HTTP/1.1 connection.
pub(crate) type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// A request that asked for a WebSocket and may be switched to one.
pub(crate) struct Upgrade {
    on_upgrade: OnUpgrade,
    accept: String,
}

/// Why a request is not a WebSocket opening handshake.
#[derive(Debug)]
pub(crate) struct NotWebSocket(pub &'static str);

fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    })
}

impl Upgrade {
    /// Checks the handshake headers and takes the connection's upgrade handle.
    pub(crate) fn from_parts(parts: &mut Parts) -> Result<Upgrade, NotWebSocket> {
        if parts.method != Method::GET {
            return Err(NotWebSocket("the handshake must be a GET"));
        }
        if parts.version > Version::HTTP_11 {
            return Err(NotWebSocket("WebSocket over HTTP/2 is not supported"));
        }
        if !has_token(&parts.headers, header::CONNECTION, "upgrade") {
            return Err(NotWebSocket("missing `Connection: upgrade`"));
        }
        if !has_token(&parts.headers, header::UPGRADE, "websocket") {
            return Err(NotWebSocket("missing `Upgrade: websocket`"));
        }
        if parts.headers.get(header::SEC_WEBSOCKET_VERSION) != Some(&HeaderValue::from_static("13"))
        {
            return Err(NotWebSocket(
                "unsupported Sec-WebSocket-Version (13 is required)",
            ));
        }
        let key = parts
            .headers
            .get(header::SEC_WEBSOCKET_KEY)
            .ok_or(NotWebSocket("missing Sec-WebSocket-Key"))?;
        let accept = derive_accept_key(key.as_bytes());
        let on_upgrade = parts
            .extensions
            .remove::<OnUpgrade>()
            .ok_or(NotWebSocket("this connection cannot be upgraded"))?;
        Ok(Upgrade { on_upgrade, accept })
    }

    /// The `101 Switching Protocols` answer, and the socket once hyper hands the connection
    /// over (`None` if the client went away first). The caller spawns the future.
    pub(crate) fn accept(
        self,
        config: WebSocketConfig,
    ) -> (
        Response,
        impl Future<Output = Option<Socket>> + Send + 'static,
    ) {
        let on_upgrade = self.on_upgrade;
        let socket = async move {
            match on_upgrade.await {
                Ok(upgraded) => Some(
                    WebSocketStream::from_raw_socket(
                        TokioIo::new(upgraded),
                        Role::Server,
                        Some(config),
                    )
                    .await,
                ),
                Err(e) => {
                    tracing::debug!("upgrade failed: {e}");
                    None
                }
            }
        };
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let h = response.headers_mut();
        h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(v) = HeaderValue::from_str(&self.accept) {
            h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
        }
        (response, socket)
    }
}
