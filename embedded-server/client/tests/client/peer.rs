//! A scripted super-line server for client tests: a real WebSocket on 127.0.0.1, driven step by
//! step by the test ("accept", "send this frame", "expect a `req`"), so every exchange the client
//! has is visible and asserted.
//!
//! Every wait is bounded by [`WAIT`] so a broken client fails the test instead of hanging it.
#![allow(dead_code)]
// each test file uses a different part of the script
// The upgrade callbacks must return tungstenite's `Result<Response, ErrorResponse>`.
#![allow(clippy::result_large_err)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use switchboard_client::{Backoff, Client, ClientOptions, ConnState};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::{http, Message};
use tokio_tungstenite::WebSocketStream;

/// Upper bound for any single wait; generous, only there to turn a hang into a failure.
pub use switchboard_testkit::WAIT;

pub struct Peer {
    listener: TcpListener,
    port: u16,
}

impl Peer {
    pub async fn bind() -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        Peer { listener, port }
    }

    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port)
    }

    /// Options pointing at this peer, with a tiny backoff so reconnects happen promptly.
    pub fn options(&self) -> ClientOptions {
        ClientOptions::new(self.url(), "user")
            .backoff(Backoff::new(
                Duration::from_millis(5),
                2.0,
                Duration::from_millis(50),
            ))
            .connect_timeout(WAIT)
            .request_timeout(WAIT)
    }

    async fn tcp(&self) -> TcpStream {
        let (tcp, _) = tokio::time::timeout(WAIT, self.listener.accept())
            .await
            .expect("the client did not connect in time")
            .expect("accept");
        tcp
    }

    /// Accept the next connection and complete the upgrade, without sending the `env`.
    pub async fn accept_raw(&self) -> Conn {
        let tcp = self.tcp().await;
        let mut query = String::new();
        let ws = tokio::time::timeout(
            WAIT,
            tokio_tungstenite::accept_hdr_async(tcp, |req: &Request, resp: Response| {
                query = req.uri().query().unwrap_or_default().to_owned();
                Ok(resp)
            }),
        )
        .await
        .expect("upgrade in time")
        .expect("upgrade");
        Conn { ws, query }
    }

    /// Accept the next connection and send `{"t":"env","d":env}`, as a real server does first.
    pub async fn accept(&self, env: Value) -> Conn {
        let mut conn = self.accept_raw().await;
        conn.send(json!({"t": "env", "d": env})).await;
        conn
    }

    /// Answer the next upgrade with `HTTP 401 Unauthorized`, as a refusing authenticate hook does.
    pub async fn refuse(&self) {
        let tcp = self.tcp().await;
        let refused = tokio_tungstenite::accept_hdr_async(tcp, |_: &Request, _: Response| {
            let resp: ErrorResponse = http::Response::builder()
                .status(401)
                .body(None)
                .expect("static response");
            Err(resp)
        });
        let result = tokio::time::timeout(WAIT, refused)
            .await
            .expect("refusal in time");
        assert!(result.is_err(), "the upgrade should have been refused");
    }
}

pub struct Conn {
    ws: WebSocketStream<TcpStream>,
    /// The upgrade request's query string (`role=user&...`).
    pub query: String,
}

impl Conn {
    pub async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .expect("peer send");
    }

    /// The next text frame from the client, as JSON.
    pub async fn recv(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("the client sent nothing in time")
                .expect("the client closed the socket")
                .expect("peer read");
            match message {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str()).expect("client frames are JSON")
                }
                Message::Close(_) => panic!("the client closed the socket"),
                _ => {}
            }
        }
    }

    /// The next frame, asserting its type `t`.
    pub async fn expect(&mut self, t: &str) -> Value {
        let frame = self.recv().await;
        assert_eq!(frame["t"], t, "unexpected frame {frame}");
        frame
    }

    /// Close the socket properly (close frame, then wait for the client's reply).
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
        let drain = async { while let Some(Ok(_)) = self.ws.next().await {} };
        let _ = tokio::time::timeout(WAIT, drain).await;
    }

    /// Wait for the client's close frame, failing on any text frame, then finish the close
    /// handshake (reading on lets tungstenite send its close reply) and drop the socket.
    pub async fn expect_close(mut self) {
        loop {
            let next = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("the client did not close in time");
            match next {
                None | Some(Err(_)) => return,
                Some(Ok(Message::Close(_))) => break,
                Some(Ok(Message::Text(t))) => panic!("expected a close, got {t}"),
                Some(Ok(_)) => {}
            }
        }
        let drain = async { while let Some(Ok(_)) = self.ws.next().await {} };
        let _ = tokio::time::timeout(WAIT, drain).await;
    }
}

/// Wait until the client reaches a state matching `pred`.
pub async fn wait_state(client: &Client, pred: impl Fn(&ConnState) -> bool) -> ConnState {
    let mut rx = client.watch_state();
    let state = tokio::time::timeout(WAIT, rx.wait_for(|s| pred(s)))
        .await
        .expect("state reached in time")
        .expect("state sender alive")
        .clone();
    state
}

/// Connect a client to `peer` and complete the first handshake (env `null`).
pub async fn connected(peer: &Peer, opts: ClientOptions) -> (Client, Conn) {
    let client = Client::connect(opts);
    let conn = peer.accept(Value::Null).await;
    client.wait_connected(WAIT).await.expect("connected");
    (client, conn)
}
