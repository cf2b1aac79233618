//! A console replay runs by default against an isolated server started for it: the recorded
//! session replays in full (with no difference), while the real clients connected to the live
//! server receive nothing of it. Choosing the live server stays possible, by name.

use crate::support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};

async fn finished(h: &support::Harness) -> Value {
    support::eventually("the replay finishes", || async {
        let s: Value = h.get("/api/replay").await;
        (s["state"] != "running" && s["state"] != "paused" && s["state"] != "ready").then_some(s)
    })
    .await
}

#[tokio::test]
async fn the_default_replay_reaches_no_live_client() {
    let h = support::start().await;
    let alice = h.client("user", "alice").await;
    let bob = h.client("user", "bob").await;
    for c in [&alice, &bob] {
        c.request("join", json!({ "room": "lobby" })).await.unwrap();
    }
    bob.request("say", json!({ "room": "lobby", "text": "hi all" }))
        .await
        .unwrap();
    bob.request("dm", json!({ "to": "alice", "text": "psst" }))
        .await
        .unwrap();
    support::eventually("the dm recorded", || async {
        let (_, p) = h
            .post("/api/traffic/query", &json!({ "filter": { "kinds": ["to_user", "emit", "to_conn"] }, "cursor": { "at": "end" }, "limit": 1 }))
            .await;
        p["rows"].as_array().filter(|r| !r.is_empty()).map(|_| ())
    })
    .await;

    // From now on, count every message the live clients receive.
    let received = Arc::new(AtomicU64::new(0));
    let mut listeners = Vec::new();
    for c in [&alice, &bob] {
        let n = received.clone();
        listeners.push(c.on("message", move |_| {
            n.fetch_add(1, Ordering::SeqCst);
        }));
    }
    let live_before = h.get::<Value>("/api/overview").await;

    let (status, started) = h.post("/api/replay", &json!({ "speed": 0 })).await;
    assert_eq!(status, 200, "{started}");
    let s = finished(&h).await;
    assert_eq!(s["state"], "finished", "{s}");
    assert_eq!(s["request"]["target"], "isolated");
    let report = &s["report"];
    assert_eq!(report["summary"]["differences"], 0, "{report:#}");
    // Both recorded connections replayed, and the replayed `dm` reached the replayed alice
    // (one delivery, as recorded), not the live one.
    assert_eq!(
        report["connections"].as_array().unwrap().len(),
        2,
        "{report}"
    );
    assert!(report["summary"]["same"].as_u64().unwrap() >= 6, "{report}");
    // The live clients got nothing; the replayed connections never were on the live server.
    alice
        .request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    assert_eq!(received.load(Ordering::SeqCst), 0);
    let live_after = h.get::<Value>("/api/overview").await;
    assert_eq!(
        live_after["counters"]["connections_total"], live_before["counters"]["connections_total"],
        "{live_after}"
    );

    // Against the live server, by name, the same replay does reach the live clients.
    let (status, started) = h
        .post("/api/replay", &json!({ "speed": 0, "target": "live" }))
        .await;
    assert_eq!(status, 200, "{started}");
    let s = finished(&h).await;
    assert_eq!(s["state"], "finished", "{s}");
    support::eventually(
        "the live clients received the replayed messages",
        || async { (received.load(Ordering::SeqCst) > 0).then_some(()) },
    )
    .await;
    drop(listeners);
}
