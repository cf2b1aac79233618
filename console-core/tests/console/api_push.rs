//! Manual pushes reach real clients, are validated against the contract, are recorded with
//! origin `manual`, and are listed in the history.

use crate::support;

use std::time::Duration;

use serde_json::{json, Value};

#[tokio::test]
async fn a_push_to_a_connection_reaches_the_client_and_is_recorded_as_manual() {
    let h = support::start().await;
    let alice = h.client("user", "alice").await;
    let id = h.conn_id("alice").await;
    let mut alerts = alice.events("alert", 4);

    let payload = json!({ "level": "warn", "text": "from the console" });
    let (status, record) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "conn", "id": id }, "name": "alert", "payload": payload }),
        )
        .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["delivered"], 1);
    let got = tokio::time::timeout(Duration::from_secs(5), alerts.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, payload);

    let history: Value = h.get("/api/push/history").await;
    assert_eq!(history["pushes"][0]["request"]["name"], "alert");

    support::eventually("the manual push recorded", || async {
        let (_, p) = h
            .post("/api/traffic/query", &json!({ "filter": { "origins": ["manual"] }, "cursor": { "at": "end" }, "limit": 10 }))
            .await;
        p["rows"].as_array().filter(|r| r.iter().any(|r| r["kind"] == "to_conn")).map(|_| ())
    })
    .await;
}

#[tokio::test]
async fn an_invalid_payload_is_refused_with_its_issues() {
    let h = support::start().await;
    let _alice = h.client("user", "alice").await;
    let id = h.conn_id("alice").await;
    let (status, body) = h
        .post("/api/push", &json!({ "target": { "kind": "conn", "id": id }, "name": "alert", "payload": { "level": "loud" } }))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["code"], "validation");
    let paths: Vec<Value> = body["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].clone())
        .collect();
    assert!(paths.contains(&json!(["text"])), "{body}");
    assert!(paths.contains(&json!(["level"])), "{body}");

    let (status, _) = h
        .post("/api/push", &json!({ "target": { "kind": "rooms", "rooms": ["x"], "except": null }, "name": "alert", "payload": {} }))
        .await;
    assert_eq!(status, 400, "role events cannot go to rooms");
}

#[tokio::test]
async fn room_user_topic_and_everyone_targets_count_their_recipients() {
    let h = support::start().await;
    let alice = h.client("user", "alice").await;
    let bot = h.client("agent", "bot").await;
    alice
        .request("join", json!({ "room": "ops" }))
        .await
        .unwrap();
    bot.request("join", json!({ "room": "ops" })).await.unwrap();
    alice.subscribe("ticker", |_| {}).await.unwrap();
    bot.subscribe("announce", |_| {}).await.unwrap();
    let bot_id = h.conn_id("bot").await;
    let msg = json!({ "room": "ops", "text": "t", "from": "console" });

    let cases = [
        (
            json!({ "kind": "rooms", "rooms": ["ops"], "except": null }),
            "message",
            msg.clone(),
            2,
        ),
        (
            json!({ "kind": "rooms", "rooms": ["ops"], "except": bot_id }),
            "message",
            msg.clone(),
            1,
        ),
        (
            json!({ "kind": "user", "user": "alice" }),
            "message",
            msg.clone(),
            1,
        ),
        (
            json!({ "kind": "role_topic", "role": "user" }),
            "ticker",
            json!({ "n": 1 }),
            1,
        ),
        (
            json!({ "kind": "shared_topic" }),
            "announce",
            json!({ "msg": "hello" }),
            1,
        ),
        (json!({ "kind": "everyone" }), "message", msg.clone(), 2),
    ];
    for (target, name, payload, expected) in cases {
        let (status, record) = h
            .post(
                "/api/push",
                &json!({ "target": target, "name": name, "payload": payload }),
            )
            .await;
        assert_eq!(status, 200, "{target}: {record}");
        assert_eq!(record["delivered"], expected, "{target}");
    }
}
