//! The capture holds everything a client saw besides requests and pushes: the `env` frame, the
//! acknowledgement of a subscription, the connection-level `err` answering a malformed frame,
//! and heartbeat pings with their pongs; the HAR entry of the connection carries them in order.
//!
//! The heartbeat is a timer of its own, so the wire promises nothing about where a ping falls
//! among the answers: under load one may come before the `err` or the `res`. The client sets
//! pings aside wherever they come, and the checks on the HAR keep to the order the exchange
//! itself fixes: each answer after what caused it, the pong after a ping.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use switchboard_capture::{export, CaptureReader, ExportFormat, ExportOptions, Filter};
use switchboard_server::ServerConfig;
use tokio_tungstenite::tungstenite::Message;

use super::support::*;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame, parsed.
async fn next_frame(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame in time")
            .expect("open")
            .expect("read");
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).expect("json frame");
        }
    }
}

/// The next frame that is not a heartbeat ping; the pings met on the way are counted.
async fn next_answer(ws: &mut Ws, pings: &mut usize) -> Value {
    loop {
        let frame = next_frame(ws).await;
        if frame["t"] == "ping" {
            *pings += 1;
        } else {
            return frame;
        }
    }
}

#[tokio::test]
async fn har_per_connection_holds_env_the_err_frame_the_ack_and_the_heartbeat() {
    let capture = temp_capture();
    let rec = recorder(&capture.path);
    let running = demo_builder()
        .tap(rec.clone())
        .config(ServerConfig {
            heartbeat_interval: Duration::from_millis(100),
            ..config()
        })
        .build()
        .expect("builds")
        .start("127.0.0.1:0")
        .await
        .expect("starts");
    let url = format!("{}?role=user&name=zed", running.url());
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .expect("connects");
    let mut pings = 0;
    let env = next_answer(&mut ws, &mut pings).await;
    assert_eq!(env["t"], "env");
    ws.send(Message::Text("{not json".into()))
        .await
        .expect("send");
    let err = next_answer(&mut ws, &mut pings).await;
    assert_eq!(err["t"], "err");
    assert_eq!(err["code"], "BAD_REQUEST");
    ws.send(Message::Text(r#"{"t":"sub","i":1,"c":"announce"}"#.into()))
        .await
        .expect("send");
    let ack = next_answer(&mut ws, &mut pings).await;
    assert_eq!(
        (ack["t"].as_str(), ack["i"].as_u64()),
        (Some("res"), Some(1))
    );
    // A ping may already have come with the answers; if none has, the next frame is one.
    if pings == 0 {
        assert_eq!(next_frame(&mut ws).await["t"], "ping");
        pings = 1;
    }
    ws.send(Message::Text(r#"{"t":"pong"}"#.into()))
        .await
        .expect("send");
    ws.close(None).await.expect("close");
    while let Some(Ok(_)) = ws.next().await {}
    settle(&running).await;
    tokio::time::timeout(WAIT, running.shutdown())
        .await
        .expect("shutdown in time")
        .expect("shutdown");
    rec.flush().expect("flush");

    let reader = CaptureReader::open(&capture.path).expect("open");
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("zed.har");
    let opts = ExportOptions {
        filter: Filter::default(),
        ..ExportOptions::default()
    };
    export(&reader, ExportFormat::Har, &out, &opts, &mut |_| {}).expect("har");
    let har: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
    let entry = &har["log"]["entries"][0];
    let frames: Vec<(String, Value)> = entry["_webSocketMessages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            let data: Value = serde_json::from_str(m["data"].as_str().unwrap_or_default())
                .unwrap_or_else(|_| Value::String(m["data"].as_str().unwrap_or_default().into()));
            (m["type"].as_str().unwrap_or_default().to_owned(), data)
        })
        .collect();
    let shape: Vec<String> = frames
        .iter()
        .map(|(dir, f)| match f["t"].as_str() {
            Some(t) => format!("{dir} {t}"),
            None => format!("{dir} raw"),
        })
        .collect();
    // The exchange's own frames, in the order it fixes (each answer follows what caused it);
    // the heartbeat's frames may fall anywhere between them, except before `env`. The close
    // adds its own rows after them (the subscription's end, later pings).
    assert_eq!(shape[0], "receive env", "{shape:?}");
    let exchange: Vec<&String> = shape
        .iter()
        .filter(|s| *s != "receive ping" && *s != "send pong")
        .collect();
    assert_eq!(
        exchange[..5],
        [
            "receive env",
            "send raw",
            "receive err",
            "send sub",
            "receive res"
        ],
        "{shape:?}"
    );
    // The one pong, after every ping the client had read when it answered.
    let pongs: Vec<usize> = (0..shape.len())
        .filter(|&n| shape[n] == "send pong")
        .collect();
    assert_eq!(pongs.len(), 1, "{shape:?}");
    let pings_before = shape[..pongs[0]]
        .iter()
        .filter(|s| *s == "receive ping")
        .count();
    assert!(pings_before >= pings, "{pings} pings read: {shape:?}");
    // What the client received, as it received it.
    let received = |t: &str| {
        frames
            .iter()
            .find(|(dir, f)| dir == "receive" && f["t"] == t)
            .map(|(_, f)| f.clone())
    };
    assert_eq!(received("env"), Some(env));
    assert_eq!(received("err"), Some(err));
    assert_eq!(received("res"), Some(ack));
}
