//! Two consoles attached to one inspector share each event's encoding (written once for both):
//! they receive the same events, byte for byte, in the same order, with secrets masked in the
//! shared bytes as they are for a console alone.

use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use switchboard_inspector::MASK;
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

#[derive(Deserialize)]
struct Batch {
    t: String,
    #[serde(default)]
    events: Vec<Box<RawValue>>,
}

/// Every event's JSON text a raw console receives, up to and including the first for which
/// `last` holds.
async fn events_until(ws: &mut RawSocket, last: impl Fn(&Value) -> bool) -> Vec<String> {
    let mut texts = Vec::new();
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame in time")
            .expect("the socket is open")
            .expect("the frame reads");
        let Message::Text(text) = frame else { continue };
        let batch: Batch = serde_json::from_str(text.as_str()).expect("a node message");
        if batch.t != "events" {
            continue;
        }
        for event in batch.events {
            let value: Value = serde_json::from_str(event.get()).expect("an event is JSON");
            texts.push(event.get().to_owned());
            if last(&value) {
                return texts;
            }
        }
    }
}

#[tokio::test]
async fn two_consoles_receive_the_same_events_byte_for_byte_with_secrets_masked() {
    let server = start_demo().await;
    let inspector = start_inspector(&server).await;
    let mut one = raw_attach(&inspector, None).await;
    let mut two = raw_attach(&inspector, None).await;
    for ws in [&mut one, &mut two] {
        assert_eq!(raw_next(ws).await["t"], "hello");
        assert_eq!(raw_next(ws).await["t"], "snapshot");
    }

    let alice = client_with(&server, "user", &[("name", "alice"), ("password", "pw")]).await;
    alice.request("join", json!({"room":"r"})).await.unwrap();
    alice
        .request("say", json!({"room":"r","text":"hello \"both\""}))
        .await
        .unwrap();
    // Refused by the contract, but tapped (and masked) as it came in.
    let _ = alice
        .request("say", json!({"room":"r","text":"x","apiKey":"k-123"}))
        .await;
    alice.close().await;

    let gone = |e: &Value| e["kind"] == "disconnect";
    let seen_one = events_until(&mut one, gone).await;
    let seen_two = events_until(&mut two, gone).await;
    assert_eq!(seen_one, seen_two, "the same bytes, in the same order");

    let values: Vec<Value> = seen_one
        .iter()
        .map(|t| serde_json::from_str(t).unwrap())
        .collect();
    let connect = values.iter().find(|e| e["kind"] == "connect").unwrap();
    assert_eq!(connect["meta"]["params"]["password"], MASK);
    let refused = values
        .iter()
        .find(|e| e["kind"] == "request_in" && e["payload"].get("apiKey").is_some())
        .expect("the refused request was tapped");
    assert_eq!(refused["payload"]["apiKey"], MASK);
    assert!(
        !seen_one
            .iter()
            .any(|t| t.contains("k-123") || t.contains("\"pw\"")),
        "no secret leaves the node"
    );
    let broadcast = values
        .iter()
        .find(|e| e["kind"] == "room_broadcast")
        .unwrap();
    assert_eq!(broadcast["payload"]["text"], "hello \"both\"");
}
