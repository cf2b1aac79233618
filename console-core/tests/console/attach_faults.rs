//! Attach mode against a node that misbehaves: frames that are not the protocol are counted and
//! skipped (the session goes on), and a `dropped` report makes the console start again from a
//! fresh snapshot. The node here is a hand-written socket speaking the protocol, so it can send
//! exactly what a real node never would.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::Message;

use crate::support;

fn snapshot(connections: Value) -> Value {
    json!({
        "at_us": 1, "node": "fake-1", "connections": connections, "rooms": [], "topics": [],
        "stats": { "connections": 0, "rooms": 0, "connections_total": 0, "refused_upgrades": 0,
                   "slow_consumers": 0, "reaped": 0, "frame_errors": 0, "handler_panics": 0,
                   "listener_faults": 0 }
    })
}

fn conn(id: &str, user: &str) -> Value {
    json!({ "id": id, "role": "user", "user": user, "node": "fake-1", "origin": "client",
            "connected_at_us": 1 })
}

/// Echo the subprotocol the console offers, as a node does. The signature is tungstenite's
/// callback's, whose error type is large by design.
#[allow(clippy::result_large_err)]
fn echo(req: &Request, mut res: Response) -> Result<Response, ErrorResponse> {
    if let Some(p) = req.headers().get("sec-websocket-protocol") {
        res.headers_mut()
            .insert("sec-websocket-protocol", p.clone());
    }
    Ok(res)
}

/// Accept one console, play the script, answer its snapshot command, then hold the socket.
async fn fake_node(listener: TcpListener) {
    let (tcp, _) = listener.accept().await.expect("a console connects");
    let mut ws = tokio_tungstenite::accept_hdr_async(tcp, echo)
        .await
        .expect("upgrade");
    let contract: Value =
        serde_json::from_str(switchboard_demo::CONTRACT_JSON).expect("demo contract");
    let hello = json!({
        "t": "hello", "protocol": "switchboard.inspector.v1", "version": 1, "node": "fake-1",
        "server_version": "0.0.0", "contract": contract, "capabilities": ["snapshot"],
        "limits": { "queue_frames": 8, "queue_bytes": 8192, "max_command_bytes": 65536,
                    "max_inflight_requests": 1 }
    });
    let mut first = snapshot(json!([]));
    first["t"] = json!("snapshot");
    let script = [
        hello,
        first,
        json!("not the protocol"),
        json!({ "t": "gossip", "about": "a message type from the future" }),
        json!({ "t": "event", "at_us": 2, "kind": "connect", "node": "fake-1", "conn": "c1",
                "role": "user", "user": "alice", "origin": "client" }),
        json!({ "t": "dropped", "count": 3, "total": 3 }),
    ];
    for frame in script {
        let text = match frame {
            Value::String(s) => s,
            other => other.to_string(),
        };
        ws.send(Message::text(text)).await.expect("send");
    }
    // The console asks for a fresh snapshot after the drop report.
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(text) = msg else { continue };
        let cmd: Value = serde_json::from_str(&text).expect("a command");
        if cmd["op"] == "snapshot" {
            let answer = json!({ "t": "result", "id": cmd["id"], "op": "snapshot",
                                 "snapshot": snapshot(json!([conn("c2", "bob")])) });
            ws.send(Message::text(answer.to_string()))
                .await
                .expect("answer");
        }
    }
}

#[tokio::test]
async fn bad_frames_are_counted_not_fatal_and_drops_bring_a_fresh_snapshot() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}/?token=t", listener.local_addr().unwrap());
    let node = tokio::spawn(fake_node(listener));
    let h = support::start_attached(vec![url]).await;

    let link = support::eventually("the drops and bad frames counted", || async {
        let list: Value = h.get("/api/nodes").await;
        let l = list["nodes"][0].clone();
        (l["bad_frames"] == 2 && l["dropped"] == 3).then_some(l)
    })
    .await;
    assert_eq!(
        link["state"], "attached",
        "bad frames never end the session"
    );
    assert_eq!(link["node"], "fake-1");

    // The state is the fresh snapshot's (bob), not what the stream had built (alice).
    support::eventually("the view rebuilt from the fresh snapshot", || async {
        let page: Value = h.get("/api/connections").await;
        let users: Vec<&str> = page["rows"]
            .as_array()?
            .iter()
            .filter_map(|r| r["user"].as_str())
            .collect();
        (users == ["bob"]).then_some(())
    })
    .await;
    // The event that did arrive is recorded with the node's id.
    support::eventually("alice's connect recorded", || async {
        let (_, page) = h
            .post(
                "/api/traffic/query",
                &json!({ "filter": { "kinds": ["connect"], "nodes": ["fake-1"] },
                         "cursor": { "at": "end" }, "limit": 10 }),
            )
            .await;
        page["rows"]
            .as_array()
            .filter(|r| r.iter().any(|r| r["user"] == "alice"))
            .map(|_| ())
    })
    .await;
    h.stop().await;
    node.abort();
}
