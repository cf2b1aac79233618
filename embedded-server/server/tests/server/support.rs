#![allow(dead_code)] // shared by the server, cluster and command-line test binaries; each uses a part
//! Test harness: start servers on port 0 and talk to them with a raw WebSocket client that
//! sees every frame exactly as sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use switchboard_demo as demo;
use switchboard_server::ServerConfig;
use switchboard_server::{FaultContext, RunningServer, ServerBuilder, ServerFault};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The one deadline and the polling helpers every harness shares (each harness that includes
/// this file uses a part).
#[allow(unused_imports)]
pub use switchboard_testkit::{eventually, until, WAIT};

pub fn test_config() -> ServerConfig {
    ServerConfig {
        heartbeat_interval: Duration::from_secs(3600),
        validate_output: true,
        validate_pushes: true,
        ..ServerConfig::default()
    }
}

/// Faults reported to `on_error`, for assertions.
#[derive(Clone, Default)]
pub struct Faults(pub Arc<Mutex<Vec<(FaultContext, String)>>>);

impl Faults {
    pub fn hook(&self) -> impl Fn(&ServerFault, &FaultContext) + Send + Sync + 'static {
        let store = self.0.clone();
        move |f, ctx| store.lock().unwrap().push((ctx.clone(), f.message.clone()))
    }
    pub fn all(&self) -> Vec<(FaultContext, String)> {
        self.0.lock().unwrap().clone()
    }
}

pub async fn start(builder: ServerBuilder) -> RunningServer {
    let server = builder.build().expect("server builds");
    server.start("127.0.0.1:0").await.expect("server starts")
}

pub async fn start_demo() -> RunningServer {
    start(
        demo::builder()
            .expect("demo contract")
            .config(test_config()),
    )
    .await
}

pub struct Raw {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

pub fn url(server: &RunningServer, query: &str) -> String {
    format!("ws://{}/?{}", server.addr, query)
}

impl Raw {
    /// Connect and check the first frame is `env`; returns the client and the env payload.
    pub async fn connect(server: &RunningServer, query: &str) -> (Raw, Value) {
        let (ws, _) =
            tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url(server, query)))
                .await
                .expect("connect in time")
                .expect("upgrade accepted");
        let mut raw = Raw { ws };
        let env = raw.next().await;
        assert_eq!(env["t"], "env", "first frame must be env: {env}");
        (raw, env["d"].clone())
    }

    pub async fn user(server: &RunningServer, name: &str) -> Raw {
        Self::connect(server, &format!("role=user&name={name}"))
            .await
            .0
    }

    pub async fn agent(server: &RunningServer, name: &str) -> Raw {
        Self::connect(server, &format!("role=agent&name={name}"))
            .await
            .0
    }

    pub async fn send(&mut self, v: Value) {
        self.send_text(&v.to_string()).await
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.expect("send");
    }

    /// The next text frame, parsed.
    pub async fn next(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a frame in time")
                .expect("socket open")
                .expect("read ok");
            match msg {
                Message::Text(t) => {
                    return serde_json::from_str(t.as_str()).expect("server sends JSON")
                }
                Message::Close(c) => panic!("unexpected close: {c:?}"),
                _ => continue,
            }
        }
    }

    /// The next `n` frames other than pings (for traffic that crosses nodes, where `drain`'s
    /// ordering argument does not hold).
    pub async fn next_n(&mut self, n: usize) -> Vec<Value> {
        let mut v = Vec::new();
        while v.len() < n {
            let f = self.next().await;
            if f["t"] != "ping" {
                v.push(f);
            }
        }
        v
    }

    /// Skip frames until one of type `t`; returns it and what was skipped.
    pub async fn next_of(&mut self, t: &str) -> (Value, Vec<Value>) {
        let mut skipped = Vec::new();
        loop {
            let f = self.next().await;
            if f["t"] == t {
                return (f, skipped);
            }
            skipped.push(f);
        }
    }

    /// Send a request and return every frame up to and including its reply.
    pub async fn request_frames(&mut self, i: u64, m: &str, d: Value) -> Vec<Value> {
        self.send(json!({"t":"req","i":i,"m":m,"d":d})).await;
        let mut frames = Vec::new();
        loop {
            let f = self.next().await;
            let done = (f["t"] == "res" || f["t"] == "err") && f["i"] == i;
            frames.push(f);
            if done {
                return frames;
            }
        }
    }

    /// Send a request and return its reply (`res` or `err`), dropping other frames.
    pub async fn request(&mut self, i: u64, m: &str, d: Value) -> Value {
        self.request_frames(i, m, d).await.pop().expect("a reply")
    }

    /// Everything queued for this connection before now: sends `ping` and collects frames
    /// until the `pong`. Anything the server queued earlier arrives before it.
    pub async fn drain(&mut self) -> Vec<Value> {
        self.send(json!({"t":"ping"})).await;
        let (_, before) = self.next_of("pong").await;
        before
    }

    /// Wait for the server's close frame.
    pub async fn expect_close(&mut self) -> (u16, String) {
        loop {
            let msg = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("close in time");
            match msg {
                Some(Ok(Message::Close(Some(frame)))) => {
                    let code: u16 = match frame.code {
                        CloseCode::Library(c) | CloseCode::Iana(c) | CloseCode::Bad(c) => c,
                        other => u16::from(other),
                    };
                    return (code, frame.reason.to_string());
                }
                Some(Ok(Message::Close(None))) => return (1005, String::new()),
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("socket error before close: {e}"),
                None => panic!("socket ended without a close frame"),
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
        // Read until the server's answer so the close is complete on both sides.
        while let Ok(Some(Ok(_))) = tokio::time::timeout(WAIT, self.ws.next()).await {}
    }
}
