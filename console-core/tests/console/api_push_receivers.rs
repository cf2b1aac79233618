//! A push by hand says who it was sent to, and a push that reached nobody says so (zero
//! delivered, no receivers) instead of failing.

use crate::support;

use serde_json::{json, Value};

#[tokio::test]
async fn a_push_lists_its_receivers_and_one_to_nobody_delivers_zero() {
    let h = support::start().await;
    let ann = h.client("user", "ann").await;
    let bot = h.client("agent", "bot").await;
    ann.request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    bot.request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    let ann_id = h.conn_id("ann").await;

    let (status, rec) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "rooms", "rooms": ["lobby"], "except": null },
                     "name": "message", "payload": { "room": "lobby", "from": "console", "text": "hi" } }),
        )
        .await;
    assert_eq!(status, 200, "{rec}");
    assert_eq!(rec["delivered"], 2);
    let receivers: Vec<&str> = rec["receivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["user"].as_str().unwrap())
        .collect();
    assert_eq!(receivers, ["bot", "ann"], "by role, then id: {rec}");
    assert!(rec["receivers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == ann_id.as_str()));

    let (status, nobody) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "rooms", "rooms": ["nobody-here"], "except": null },
                     "name": "message", "payload": { "room": "nobody-here", "from": "console", "text": "hello?" } }),
        )
        .await;
    assert_eq!(status, 200, "{nobody}");
    assert_eq!(nobody["delivered"], 0);
    assert_eq!(nobody["receivers"], json!([]));
    let history: Value = h.get("/api/push/history").await;
    assert_eq!(history["pushes"][0]["delivered"], 0);
}
