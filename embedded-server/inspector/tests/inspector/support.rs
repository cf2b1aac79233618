#![allow(dead_code)] // each test module uses a part
//! Starting a demo server with an inspector, real application clients, and waiting for what a
//! console receives.

use std::time::Duration;

use serde_json::Value;
use switchboard_client::{Client, ClientOptions};
use switchboard_demo as demo;
use switchboard_inspector::protocol::{Event, NodeMessage};
use switchboard_inspector::{Inspector, InspectorClient, InspectorConfig, InspectorHandle};
use switchboard_server::{RunningServer, ServerConfig};

pub use switchboard_testkit::{eventually, eventually_some, until, WAIT};

/// A server running the demo, without heartbeat noise.
pub async fn start_demo() -> RunningServer {
    let config = ServerConfig {
        heartbeat_interval: Duration::from_secs(3600),
        ..ServerConfig::default()
    };
    demo::builder()
        .expect("demo contract")
        .config(config)
        .build()
        .expect("server builds")
        .start("127.0.0.1:0")
        .await
        .expect("server starts")
}

/// An inspector on a free loopback port with a generated token.
pub async fn start_inspector(server: &RunningServer) -> InspectorHandle {
    start_inspector_with(server, InspectorConfig::default()).await
}

pub async fn start_inspector_with(
    server: &RunningServer,
    config: InspectorConfig,
) -> InspectorHandle {
    Inspector::start(&server.server, config)
        .await
        .expect("inspector starts")
}

pub async fn attach(inspector: &InspectorHandle) -> InspectorClient {
    InspectorClient::connect(&inspector.attach_url())
        .await
        .expect("the console attaches")
}

/// A real client of the application wire, connected.
pub async fn client(server: &RunningServer, role: &str, name: &str) -> Client {
    client_with(server, role, &[("name", name)]).await
}

pub async fn client_with(server: &RunningServer, role: &str, params: &[(&str, &str)]) -> Client {
    let mut opts = ClientOptions::new(server.url(), role).reconnect(false);
    for (k, v) in params {
        opts = opts.param(*k, *v);
    }
    let c = Client::connect(opts);
    c.wait_connected(WAIT).await.expect("client connects");
    c
}

/// The id of `user`'s connection, as the server lists it.
pub fn conn_id(server: &RunningServer, user: &str) -> String {
    server
        .server
        .local()
        .into_iter()
        .find(|c| c.user == user)
        .map(|c| c.id)
        .expect("the user is connected")
}

/// The next message of the stream; fails the test if none comes within [`WAIT`].
pub async fn next_message(console: &mut InspectorClient) -> NodeMessage {
    tokio::time::timeout(WAIT, console.next())
        .await
        .expect("a message in time")
        .expect("the session is open")
}

/// Skips messages until an event for which `pred` holds.
pub async fn next_event(console: &mut InspectorClient, pred: impl Fn(&Event) -> bool) -> Event {
    loop {
        if let NodeMessage::Event(e) = next_message(console).await {
            if pred(&e) {
                return *e;
            }
        }
    }
}

/// The first text frame of a raw socket, parsed.
pub fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("the node sends JSON")
}

/// A console's socket driven by hand, for tests that must misbehave.
pub type RawSocket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Attach with a raw socket whose receive buffer is `recv_buffer` bytes (`None`: the system's).
pub async fn raw_attach(inspector: &InspectorHandle, recv_buffer: Option<u32>) -> RawSocket {
    let addr = inspector.addr();
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    if let Some(size) = recv_buffer {
        socket.set_recv_buffer_size(size).expect("SO_RCVBUF");
    }
    let stream = socket.connect(addr).await.expect("tcp connects");
    let (ws, _) = tokio_tungstenite::client_async(inspector.attach_url(), stream)
        .await
        .expect("the upgrade is accepted");
    ws
}

/// The next text frame of a raw socket, parsed; fails the test if none comes within [`WAIT`].
pub async fn raw_next(ws: &mut RawSocket) -> Value {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame in time")
            .expect("the socket is open")
            .expect("the frame reads");
        if let Message::Text(text) = frame {
            return parse(text.as_str());
        }
    }
}

/// Skips frames until one whose `t` is `t`.
pub async fn raw_next_of(ws: &mut RawSocket, t: &str) -> Value {
    loop {
        let v = raw_next(ws).await;
        if v["t"] == t {
            return v;
        }
    }
}

pub async fn raw_send(ws: &mut RawSocket, text: &str) {
    use futures_util::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::text(text))
        .await
        .expect("the frame is sent");
}
