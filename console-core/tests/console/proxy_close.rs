//! Closing a relayed connection: from the console, both sides close (the client with 4000 and
//! the console's reason, the upstream with a normal close and the same reason) and the
//! disconnect is recorded as the console's; an upstream's close frame reaches the client as it
//! was sent, code or no code. Real sockets on both sides of the proxy.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use crate::support;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How the upstream ends its one connection.
enum Upstream {
    /// Wait for the proxy to close, and report the close frame it got.
    Listen(oneshot::Sender<Option<(u16, String)>>),
    /// Send a close frame without a status code.
    CloseWithoutCode,
}

/// A WebSocket server (tungstenite, not Switchboard) that accepts one connection, sends `env`,
/// then does what `then` says.
async fn upstream(then: Upstream) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        ws.send(Message::text(r#"{"t":"env","d":{}}"#))
            .await
            .unwrap();
        match then {
            Upstream::Listen(report) => {
                let mut got = None;
                while let Some(Ok(msg)) = ws.next().await {
                    if let Message::Close(frame) = msg {
                        got = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                        break;
                    }
                }
                let _ = report.send(got);
            }
            Upstream::CloseWithoutCode => {
                ws.close(None).await.unwrap();
                while let Some(Ok(_)) = ws.next().await {}
            }
        }
    });
    addr
}

async fn connect(addr: std::net::SocketAddr, query: &str) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/?{query}"))
        .await
        .expect("connect through the proxy");
    match ws.next().await {
        Some(Ok(Message::Text(t))) => assert!(t.as_str().contains("env"), "{t}"),
        other => panic!("expected the env frame, got {other:?}"),
    }
    ws
}

/// The close frame the client receives (`None`: one without a status code).
async fn close_frame(ws: &mut Ws) -> Option<CloseFrame> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Close(frame))) => return frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// The recorded disconnect rows.
async fn disconnects(h: &support::Harness) -> Vec<Value> {
    support::eventually("the disconnect is recorded", || async {
        let (_, page) = h
            .post(
                "/api/traffic/query",
                &json!({ "filter": { "kinds": ["disconnect"] }, "cursor": { "at": "start" }, "limit": 10 }),
            )
            .await;
        page["rows"]
            .as_array()
            .filter(|rows| !rows.is_empty())
            .cloned()
    })
    .await
}

#[tokio::test]
async fn the_console_closes_a_proxied_connection_on_both_sides_and_records_it() {
    let (tx, upstream_saw) = oneshot::channel();
    let addr = upstream(Upstream::Listen(tx)).await;
    let (h, proxy) = support::start_proxy(&format!("ws://{addr}")).await;
    let mut erin = connect(proxy.addr(), "role=user&name=erin").await;
    let id = h.conn_id("erin").await;

    let (status, body) = h
        .post(
            &format!("/api/connections/{id}/disconnect"),
            &json!({ "reason": "bye from the console" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let frame = close_frame(&mut erin).await.expect("a close code");
    assert_eq!(u16::from(frame.code), 4000);
    assert_eq!(frame.reason.as_str(), "bye from the console");
    assert_eq!(
        upstream_saw.await.unwrap(),
        Some((1000, "bye from the console".to_owned())),
        "the upstream is closed too, with the console's reason"
    );

    let rows = disconnects(&h).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["conn"], id.as_str());
    assert_eq!(row["origin"], "manual", "{row}");
    assert_eq!(row["meta"]["closed_by"], "console", "{row}");
    assert_eq!(row["meta"]["by"], "server", "{row}");
    assert_eq!(row["meta"]["code"], 4000, "{row}");
    assert_eq!(row["meta"]["reason"], "bye from the console", "{row}");

    // Gone from the list; closing it again finds nothing.
    support::eventually("erin's connection leaves the list", || async {
        let page: Value = h.get("/api/connections").await;
        (page["total"] == 0).then_some(())
    })
    .await;
    let (status, body) = h
        .post(&format!("/api/connections/{id}/disconnect"), &json!({}))
        .await;
    assert_eq!(status, 404, "{body}");
    h.stop().await;
}

#[tokio::test]
async fn a_close_from_the_console_without_a_reason_says_so() {
    let (tx, upstream_saw) = oneshot::channel();
    let addr = upstream(Upstream::Listen(tx)).await;
    let (h, proxy) = support::start_proxy(&format!("ws://{addr}")).await;
    let mut erin = connect(proxy.addr(), "role=user&name=erin").await;
    let id = h.conn_id("erin").await;
    let (status, body) = h
        .post(&format!("/api/connections/{id}/disconnect"), &json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let frame = close_frame(&mut erin).await.expect("a close code");
    assert_eq!(u16::from(frame.code), 4000);
    assert_eq!(frame.reason.as_str(), "closed from the console");
    assert_eq!(
        upstream_saw.await.unwrap().map(|(code, _)| code),
        Some(1000)
    );
    h.stop().await;
}

#[tokio::test]
async fn an_upstream_close_without_a_code_reaches_the_client_without_one() {
    let addr = upstream(Upstream::CloseWithoutCode).await;
    let (h, proxy) = support::start_proxy(&format!("ws://{addr}")).await;
    let mut erin = connect(proxy.addr(), "role=user&name=erin").await;
    assert!(
        close_frame(&mut erin).await.is_none(),
        "no code invented: the upstream sent none"
    );
    let rows = disconnects(&h).await;
    assert_eq!(rows[0]["meta"]["closed_by"], "upstream", "{:?}", rows[0]);
    assert_eq!(rows[0]["meta"]["by"], "server");
    assert_eq!(rows[0]["meta"]["code"], Value::Null);
    h.stop().await;
}
