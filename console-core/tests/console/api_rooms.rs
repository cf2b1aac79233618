//! Rooms by hand: adding a connection shows up in the graph and in that client's subsequent
//! broadcasts; removing it stops them; unknown connections are 404.

use crate::support;

use std::time::Duration;

use serde_json::{json, Value};

#[tokio::test]
async fn adding_a_connection_by_hand_makes_it_receive_the_rooms_broadcasts() {
    let h = support::start().await;
    let alice = h.client("user", "alice").await;
    let bob = h.client("user", "bob").await;
    alice
        .request("join", json!({ "room": "ops" }))
        .await
        .unwrap();
    let bob_id = h.conn_id("bob").await;

    let (status, body) = h
        .post("/api/rooms/ops/members", &json!({ "conn": bob_id }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], true);
    let (_, again) = h
        .post("/api/rooms/ops/members", &json!({ "conn": bob_id }))
        .await;
    assert_eq!(again["changed"], false);

    let detail: Value = h.get("/api/rooms/ops").await;
    assert_eq!(detail["size"], 2);
    let graph: Value = h.get("/api/graph").await;
    let bob_node = graph["conns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == bob_id.as_str())
        .cloned();
    assert_eq!(bob_node.unwrap()["rooms"], json!(["ops"]));

    let mut messages = bob.events("message", 16);
    alice
        .request("say", json!({ "room": "ops", "text": "hi bob" }))
        .await
        .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), messages.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got["text"], "hi bob");

    let (status, body) = h.delete(&format!("/api/rooms/ops/members/{bob_id}")).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(true)));
    alice
        .request("say", json!({ "room": "ops", "text": "gone?" }))
        .await
        .unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), messages.recv())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn rooms_are_listed_and_searched_with_role_counts() {
    let h = support::start().await;
    let a = h.client("user", "alice").await;
    let b = h.client("agent", "bot").await;
    a.request("join", json!({ "room": "support" }))
        .await
        .unwrap();
    b.request("join", json!({ "room": "support" }))
        .await
        .unwrap();
    a.request("join", json!({ "room": "dev" })).await.unwrap();

    let all: Value = h.get("/api/rooms").await;
    assert_eq!(all["total"], 2);
    let found: Value = h.get("/api/rooms?q=SUP").await;
    let rooms = found["rooms"].as_array().unwrap();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0]["size"], 2);
    assert_eq!(rooms[0]["roles"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn unknown_connections_and_rooms_are_404() {
    let h = support::start().await;
    let (status, body) = h
        .post("/api/rooms/ops/members", &json!({ "conn": "no-such" }))
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");
    let res = h
        .http
        .get(format!("{}/api/rooms/empty", h.base))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
