//! The scripted sessions the tests record. Each is chosen so its replay is deterministic; the
//! choices are explained per scenario (and in docs/replay.md).

use serde_json::json;
use switchboard_server::Server;

use super::support::{call, client, connections_down_to};

/// Three connections sharing a room, direct messages, a bus publish, errors, an unsubscribe, a
/// leave and a close in the middle: everything that crosses connections.
///
/// Deterministic when replayed in recorded order (`ReplayOrder::Recorded`): each action waits
/// for its reply before the next one starts, so a push caused by one connection reaches the
/// others at the same point of their traffic as in the recording, and who is online (the `dm`
/// `delivered` count) is the same. The script itself waits for ann's disconnect to be handled
/// before alice speaks again, so the recording has the same order. No timer runs (the demo
/// ticker is not started), so every push is caused by a recorded client.
pub async fn chat(url: String, server: Server) {
    let alice = client(&url, "user", "alice").await;
    let bob = client(&url, "user", "bob").await;
    let ann = client(&url, "agent", "ann").await;
    for c in [&alice, &bob, &ann] {
        call(c, "join", json!({ "room": "lobby" })).await;
    }
    let _announce = alice.subscribe("announce", |_| {}).await.expect("sub");
    let _ticker = bob.subscribe("ticker", |_| {}).await.expect("sub");
    call(&alice, "say", json!({ "room": "lobby", "text": "hello" })).await;
    call(&bob, "say", json!({ "room": "lobby", "text": "hi alice" })).await;
    call(&bob, "dm", json!({ "to": "alice", "text": "psst" })).await;
    call(&alice, "dm", json!({ "to": "carol", "text": "anyone?" })).await;
    call(&ann, "announce", json!({ "msg": "deploy at 5" })).await;
    call(&alice, "notify", json!({})).await;
    // VALIDATION, FORBIDDEN, NOT_FOUND: errors are replies like any other.
    call(&alice, "say", json!({ "room": 42 })).await;
    call(&bob, "say", json!({ "room": "ops", "text": "x" })).await;
    call(&alice, "announce", json!({ "msg": "x" })).await;
    bob.unsubscribe("ticker").await;
    call(&bob, "leave", json!({ "room": "lobby" })).await;
    call(&alice, "say", json!({ "room": "lobby", "text": "bye" })).await;
    ann.close().await;
    connections_down_to(&server, 2).await;
    call(
        &alice,
        "say",
        json!({ "room": "lobby", "text": "anyone left?" }),
    )
    .await;
    alice.close().await;
    bob.close().await;
}

/// Three connections that never affect each other: separate rooms, `dm` to oneself (delivered
/// to one's own single session), a publish nobody is subscribed to.
///
/// Deterministic in the default per-connection order too: everything a connection receives is
/// caused by its own actions, which replay in recorded order.
pub async fn solo(url: String, _server: Server) {
    let alice = client(&url, "user", "alice").await;
    let bob = client(&url, "user", "bob").await;
    let ann = client(&url, "agent", "ann").await;
    call(&alice, "join", json!({ "room": "room-a" })).await;
    call(&bob, "join", json!({ "room": "room-b" })).await;
    call(&ann, "join", json!({ "room": "room-c" })).await;
    call(&alice, "say", json!({ "room": "room-a", "text": "one" })).await;
    call(&bob, "say", json!({ "room": "room-b", "text": "hey" })).await;
    call(&alice, "say", json!({ "room": "room-a", "text": "two" })).await;
    call(&alice, "notify", json!({})).await;
    call(&alice, "say", json!({ "room": 42 })).await;
    call(
        &alice,
        "dm",
        json!({ "to": "alice", "text": "note to self" }),
    )
    .await;
    call(&bob, "dm", json!({ "to": "bob", "text": "me too" })).await;
    call(&ann, "say", json!({ "room": "room-c", "text": "status" })).await;
    call(&ann, "announce", json!({ "msg": "nobody listens" })).await;
    let ticker = alice.subscribe("ticker", |_| {}).await.expect("sub");
    ticker.unsubscribe().await;
    call(&alice, "leave", json!({ "room": "room-a" })).await;
    call(&alice, "say", json!({ "room": "room-a", "text": "gone" })).await;
    call(&bob, "announce", json!({ "msg": "users cannot" })).await;
    for c in [alice, bob, ann] {
        c.close().await;
    }
}
