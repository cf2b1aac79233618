//! The history of hand-fired pushes survives a restart of the console: it is kept in a file
//! beside the capture, failed pushes included, and new pushes number on from the old ones.

use crate::support;

use serde_json::{json, Value};

#[tokio::test]
async fn the_push_history_survives_a_restart() {
    let h = support::start().await;
    let (status, ok) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "everyone" }, "name": "message", "payload": { "room": "lobby", "text": "before", "from": "console" } }),
        )
        .await;
    assert_eq!(status, 200, "{ok}");
    let (status, refused) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "everyone" }, "name": "message", "payload": { "room": 7 } }),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let before: Value = h.get("/api/push/history").await;
    assert_eq!(before["pushes"].as_array().unwrap().len(), 2, "{before}");

    let dir = h.stop().await;
    assert!(dir.path().join("capture.db.pushes.jsonl").is_file());
    let h = support::start_in(dir).await;
    let after: Value = h.get("/api/push/history").await;
    assert_eq!(
        after, before,
        "the same list, newest (the refused one) first"
    );
    assert!(after["pushes"][0]["error"].is_string(), "{after}");

    let (_, next) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "everyone" }, "name": "message", "payload": { "room": "lobby", "text": "after", "from": "console" } }),
        )
        .await;
    let newest = before["pushes"][0]["id"].as_u64().unwrap();
    assert_eq!(next["id"].as_u64(), Some(newest + 1), "{next}");
    h.stop().await;
}
