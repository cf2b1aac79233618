//! The live stream: token required; batches carry membership changes and counts a few times a
//! second; a tail gets only the rows its filter selects; many messages travel in few batches.

use crate::support;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

async fn next_batch<S>(ws: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a batch in time")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

#[tokio::test]
async fn the_stream_needs_the_token() {
    let h = support::start().await;
    let url = format!("ws://{}/api/live", h.core.ui_addr());
    assert!(tokio_tungstenite::connect_async(&url).await.is_err());
    assert!(
        tokio_tungstenite::connect_async(format!("{url}?token={}", h.token))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn batches_carry_changes_and_a_filtered_tail() {
    let h = support::start().await;
    let url = format!("ws://{}/api/live?token={}", h.core.ui_addr(), h.token);
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let tail =
        json!({ "type": "tail", "filter": { "kinds": ["room_broadcast"], "rooms": ["ops"] } });
    futures_util::SinkExt::send(&mut ws, Message::Text(tail.to_string().into()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let alice = h.client("user", "alice").await;
    alice
        .request("join", json!({ "room": "ops" }))
        .await
        .unwrap();
    alice
        .request("join", json!({ "room": "dev" }))
        .await
        .unwrap();
    for i in 0..200 {
        let room = if i % 2 == 0 { "ops" } else { "dev" };
        alice
            .request("say", json!({ "room": room, "text": format!("m{i}") }))
            .await
            .unwrap();
    }

    let mut joins = Vec::new();
    let mut rows = Vec::new();
    let mut batches = 0;
    let mut last_seq = 0;
    while rows.len() < 100 && batches < 60 {
        let b = next_batch(&mut ws).await;
        batches += 1;
        let seq = b["seq"].as_u64().unwrap();
        assert!(seq > last_seq);
        last_seq = seq;
        for c in b["changes"].as_array().unwrap() {
            if c["type"] == "join" {
                joins.push(c["room"].as_str().unwrap().to_owned());
            }
        }
        rows.extend(b["traffic"].as_array().unwrap().iter().cloned());
        assert!(b["summary"]["connections"].as_u64().is_some());
    }
    assert_eq!(joins, vec!["ops", "dev"]);
    assert_eq!(rows.len(), 100, "every broadcast to ops, none to dev");
    assert!(rows
        .iter()
        .all(|r| r["rooms"] == json!(["ops"]) && r["seq"].is_null()));
    assert!(
        batches < 40,
        "1,000 tapped events arrived in {batches} batches, not one message each"
    );
}
