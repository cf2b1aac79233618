//! The upgrade, both sides: read the client's request, open the upstream with the same path,
//! query and headers, then either complete the client's upgrade or answer it with the
//! upstream's refusal (502 when the upstream did not answer at all).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::{header, HeaderName, HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Largest upgrade request head read from a client; a longer one is answered 431.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Headers that belong to one hop of the upgrade: the upstream connection makes its own.
const HOP_HEADERS: &[&str] = &[
    "host",
    "connection",
    "upgrade",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
    "sec-websocket-accept",
    "content-length",
    "transfer-encoding",
];

/// The client's upgrade request as read.
pub struct Upgrade {
    /// Path and query, as sent (`/?role=user&name=alice`).
    pub target: String,
    pub headers: Vec<(String, Vec<u8>)>,
    /// Every byte read so far, replayed to the WebSocket handshake.
    pub bytes: Vec<u8>,
}

/// Reads the request head. On failure, the status to answer.
pub async fn read_upgrade(stream: &mut TcpStream) -> Result<Upgrade, StatusCode> {
    let mut bytes = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| StatusCode::BAD_REQUEST)?;
        if n == 0 {
            return Err(StatusCode::BAD_REQUEST);
        }
        bytes.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&bytes) {
            Ok(httparse::Status::Complete(_)) => {
                let target = req.path.unwrap_or("/").to_owned();
                let headers = req
                    .headers
                    .iter()
                    .map(|h| (h.name.to_owned(), h.value.to_owned()))
                    .collect();
                return Ok(Upgrade {
                    target,
                    headers,
                    bytes,
                });
            }
            Ok(httparse::Status::Partial) if bytes.len() < MAX_HEAD_BYTES => continue,
            Ok(httparse::Status::Partial) => {
                return Err(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
            }
            Err(_) => return Err(StatusCode::BAD_REQUEST),
        }
    }
}

/// The upstream's answer when it did not upgrade.
pub struct Refusal {
    pub status: StatusCode,
    pub body: Vec<u8>,
    /// Why, for the record.
    pub reason: String,
}

pub type Upstream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens `upstream` + the client's path and query, with the client's end-to-end headers.
/// Returns the socket and the subprotocol the upstream picked.
pub async fn connect_upstream(
    upstream: &str,
    upgrade: &Upgrade,
) -> Result<(Upstream, Option<HeaderValue>), Refusal> {
    let bad_gateway = |reason: String| Refusal {
        status: StatusCode::BAD_GATEWAY,
        body: b"the upstream server did not answer\n".to_vec(),
        reason,
    };
    let target = if upgrade.target.starts_with('/') {
        upgrade.target.clone()
    } else {
        format!("/{}", upgrade.target)
    };
    let mut request = format!("{upstream}{target}")
        .into_client_request()
        .map_err(|e| bad_gateway(format!("bad upstream URL: {e}")))?;
    for (name, value) in &upgrade.headers {
        if HOP_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            request.headers_mut().append(name, value);
        }
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, response)) => {
            let protocol = response
                .headers()
                .get(header::SEC_WEBSOCKET_PROTOCOL)
                .cloned();
            Ok((socket, protocol))
        }
        Err(WsError::Http(response)) => Err(Refusal {
            status: response.status(),
            reason: format!("the upstream refused the upgrade ({})", response.status()),
            body: response.body().clone().unwrap_or_default(),
        }),
        Err(e) => Err(bad_gateway(format!("the upstream did not answer: {e}"))),
    }
}

/// Answers a plain HTTP status and closes.
pub async fn respond(mut stream: TcpStream, status: StatusCode, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body).await;
    let _ = stream.shutdown().await;
}

/// Completes the client's upgrade (replaying the bytes already read), offering the
/// subprotocol the upstream picked.
// The callback's error type (an HTTP response) is tungstenite's, not ours to shrink.
#[allow(clippy::result_large_err)]
pub async fn accept_client(
    stream: TcpStream,
    bytes: Vec<u8>,
    protocol: Option<HeaderValue>,
) -> Result<WebSocketStream<Replayed>, WsError> {
    let replayed = Replayed {
        head: bytes,
        at: 0,
        inner: stream,
    };
    tokio_tungstenite::accept_hdr_async(replayed, move |_req: &Request, mut resp: Response| {
        if let Some(p) = protocol {
            resp.headers_mut().insert(header::SEC_WEBSOCKET_PROTOCOL, p);
        }
        Ok(resp)
    })
    .await
}

/// A TCP stream whose first bytes (the request head read to open the upstream) are read
/// again by the WebSocket handshake.
pub struct Replayed {
    head: Vec<u8>,
    at: usize,
    inner: TcpStream,
}

impl AsyncRead for Replayed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.at < self.head.len() {
            let n = (self.head.len() - self.at).min(buf.remaining());
            let at = self.at;
            buf.put_slice(&self.head[at..at + n]);
            self.at += n;
            if self.at == self.head.len() {
                self.head = Vec::new();
                self.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Replayed {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
