//! What carries a client's session: a WebSocket to a node, or the channels of an in-process
//! session. The client's driver sees only [`Link`], so both are one code path.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{header, HeaderValue};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::client::{ClientOptions, Outgoing};
use crate::error::ClientError;
use crate::protocol::{ConsoleMessage, NodeMessage, PROTOCOL};
use crate::session::{Inbound, Outbound};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub(crate) enum Link {
    Socket(Box<Socket>),
    Local {
        rx: mpsc::Receiver<Outbound>,
        tx: mpsc::Sender<Inbound>,
    },
}

/// What the link produced.
pub(crate) enum Recv {
    Message(NodeMessage),
    /// A text frame that is not a message of this protocol (kept for the error).
    Bad(String),
    /// The session is over.
    End,
}

/// Open a WebSocket to a node, offering the protocol as the subprotocol.
pub(crate) async fn connect_socket(
    url: &str,
    options: &ClientOptions,
) -> Result<Link, ClientError> {
    let mut request = url
        .into_client_request()
        .map_err(|e| ClientError::Connect(format!("bad inspector URL: {e}")))?;
    let headers = request.headers_mut();
    headers.insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(PROTOCOL),
    );
    let value = |v: &str| {
        HeaderValue::from_str(v)
            .map_err(|_| ClientError::Connect(format!("bad header value {v:?}")))
    };
    if let Some(token) = &options.bearer {
        headers.insert(header::AUTHORIZATION, value(&format!("Bearer {token}"))?);
    }
    if let Some(origin) = &options.origin {
        headers.insert(header::ORIGIN, value(origin)?);
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(Link::Socket(Box::new(socket))),
        Err(tungstenite::Error::Http(response)) => {
            let message = response
                .body()
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).trim().to_owned())
                .unwrap_or_default();
            Err(ClientError::Refused {
                status: response.status().as_u16(),
                message,
            })
        }
        Err(e) => Err(ClientError::Connect(e.to_string())),
    }
}

impl Link {
    /// The next message. Cancel-safe (the driver selects on it).
    pub async fn recv(&mut self) -> Recv {
        match self {
            Link::Socket(ws) => loop {
                match ws.next().await {
                    Some(Ok(Message::Text(text))) => {
                        return match serde_json::from_str(text.as_str()) {
                            Ok(msg) => Recv::Message(msg),
                            Err(_) => Recv::Bad(text.as_str().to_owned()),
                        }
                    }
                    Some(Ok(Message::Close(_))) | None => return Recv::End,
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => {
                        tracing::debug!("inspector client: the socket failed: {e}");
                        return Recv::End;
                    }
                }
            },
            Link::Local { rx, .. } => rx
                .recv()
                .await
                .map_or(Recv::End, |out| Recv::Message(out.into_message())),
        }
    }

    pub async fn send(&mut self, out: Outgoing) -> Result<(), ClientError> {
        match self {
            Link::Socket(ws) => {
                let msg = ConsoleMessage::Cmd {
                    id: out.id,
                    command: out.command,
                };
                let text = serde_json::to_string(&msg)
                    .map_err(|e| ClientError::Protocol(format!("cannot encode a command: {e}")))?;
                ws.send(Message::text(text))
                    .await
                    .map_err(|_| ClientError::Closed)
            }
            Link::Local { tx, .. } => tx
                .send(Inbound::Command {
                    id: out.id,
                    command: out.command,
                })
                .await
                .map_err(|_| ClientError::Closed),
        }
    }

    pub async fn close(self) {
        if let Link::Socket(mut ws) = self {
            let _ = WebSocketStream::close(&mut *ws, None).await;
        }
    }
}
