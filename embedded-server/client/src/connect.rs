//! One connection attempt: TCP, the WebSocket upgrade, and the server's first frame.
//!
//! An attempt only counts as a success once the first frame (the `env`) has arrived. A server
//! that accepts the upgrade and then drops the socket at once therefore keeps the backoff
//! growing, instead of making the client reconnect in a tight loop.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use url::Url;

use super::options::redacted;

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Open a socket to `url` and read the server's first text frame, all within `limit`.
///
/// The error is a complete, human-readable message (it ends up in
/// [`ClientError::Connect`](super::ClientError::Connect)).
pub(crate) async fn open(
    url: &Url,
    headers: &[(String, String)],
    limit: Duration,
) -> Result<(Socket, String), String> {
    let attempt = async {
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| describe(e, url))?;
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| format!("invalid header name {name:?}: {e}"))?;
            let value = HeaderValue::from_str(value)
                .map_err(|e| format!("invalid value for header {name}: {e}"))?;
            request.headers_mut().insert(name, value);
        }
        let (mut socket, _response) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| describe(e, url))?;
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => return Ok((socket, text.as_str().to_owned())),
                // WebSocket-level pings and stray binary frames are not the env; keep waiting.
                Some(Ok(Message::Close(_))) | None => {
                    return Err(format!(
                        "{} closed the connection before sending its first frame",
                        redacted(url)
                    ))
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    return Err(format!(
                        "connection to {} failed before its first frame: {e}",
                        redacted(url)
                    ))
                }
            }
        }
    };
    tokio::time::timeout(limit, attempt)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no connection to {} within {limit:?}",
                redacted(url)
            ))
        })
}

fn describe(error: tungstenite::Error, url: &Url) -> String {
    let at = redacted(url);
    match error {
        tungstenite::Error::Http(response) if response.status().as_u16() == 401 => format!(
            "{at} refused the connection with HTTP 401 Unauthorized: the server's authenticate \
             hook rejected this role or these query parameters"
        ),
        tungstenite::Error::Http(response) => format!(
            "{at} answered HTTP {} instead of upgrading to a WebSocket",
            response.status()
        ),
        tungstenite::Error::Io(e) => format!("could not reach {at}: {e}"),
        other => format!("WebSocket handshake with {at} failed: {other}"),
    }
}
