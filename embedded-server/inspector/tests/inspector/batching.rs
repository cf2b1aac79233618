//! Events travel in batches (`events` messages): a burst arrives complete and in the order the
//! server produced it, several events to a message, over a raw socket and through the Rust
//! client alike. (That drops are still counted and reported when a console stops reading is
//! `backpressure.rs`.)

use serde_json::json;
use switchboard_inspector::protocol::NodeMessage;
use switchboard_inspector::BATCH_EVENTS;

use crate::support::*;

const BURST: usize = 1000;

/// A room with one member, then `BURST` broadcasts numbered in their text.
async fn burst(server: &switchboard_server::RunningServer) {
    let room = server.server.room("r");
    for i in 0..BURST {
        let payload = json!({"room":"r","text":i.to_string(),"from":"server"});
        room.broadcast("message", &payload).unwrap();
    }
}

#[tokio::test]
async fn a_burst_arrives_complete_and_in_order_several_events_to_a_message() {
    let server = start_demo().await;
    let alice = client(&server, "user", "alice").await;
    alice.request("join", json!({"room":"r"})).await.unwrap();
    let inspector = start_inspector(&server).await;
    let mut ws = raw_attach(&inspector, None).await;
    assert_eq!(raw_next(&mut ws).await["t"], "hello");
    assert_eq!(raw_next(&mut ws).await["t"], "snapshot");

    burst(&server).await;
    let (mut texts, mut largest) = (Vec::new(), 0usize);
    while texts.len() < BURST {
        let m = raw_next(&mut ws).await;
        assert_eq!(
            m["t"], "events",
            "a version-2 node sends events in batches: {m}"
        );
        let events = m["events"].as_array().expect("a list of events");
        assert!(!events.is_empty(), "a batch is never empty");
        assert!(
            events.len() <= BATCH_EVENTS,
            "{} events in one batch",
            events.len()
        );
        largest = largest.max(events.len());
        for e in events {
            assert_eq!(e["kind"], "room_broadcast");
            texts.push(e["payload"]["text"].as_str().map(str::to_owned));
        }
    }
    let expected: Vec<Option<String>> = (0..BURST).map(|i| Some(i.to_string())).collect();
    assert_eq!(texts, expected, "every event, in order, once");
    assert!(
        largest > 1,
        "{BURST} events in a burst went out one to a message"
    );
}

#[tokio::test]
async fn the_rust_client_hands_on_a_batch_as_single_events_in_order() {
    let server = start_demo().await;
    let alice = client(&server, "user", "alice").await;
    alice.request("join", json!({"room":"r"})).await.unwrap();
    let inspector = start_inspector(&server).await;
    let mut console = attach(&inspector).await;

    burst(&server).await;
    let mut texts = Vec::new();
    while texts.len() < BURST {
        match next_message(&mut console).await {
            NodeMessage::Event(e) if e.kind == "room_broadcast" => {
                let text = e.payload.as_ref().and_then(|p| p["text"].as_str());
                texts.push(text.map(str::to_owned));
            }
            NodeMessage::Events(_) => panic!("the client hands on events one by one"),
            NodeMessage::Dropped(d) => panic!("nothing is dropped in a burst of {BURST}: {d:?}"),
            _ => {}
        }
    }
    let expected: Vec<Option<String>> = (0..BURST).map(|i| Some(i.to_string())).collect();
    assert_eq!(texts, expected);
    assert_eq!(console.dropped_locally(), 0);
}
