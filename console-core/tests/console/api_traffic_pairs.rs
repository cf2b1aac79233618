//! What the console shows of one connection and of one request: the connection filter and the
//! drawer include the broadcasts it received (marked `received`), an answer carries its request
//! and latency, a broadcast the request that caused it, an error row its code.

use crate::support;

use serde_json::{json, Value};

#[tokio::test]
async fn a_connection_shows_what_it_received_and_requests_pair_with_answers_and_effects() {
    let h = support::start().await;
    let alice = h.client("user", "alice").await;
    let bob = h.client("user", "bob").await;
    for c in [&alice, &bob] {
        c.request("join", json!({ "room": "lobby" })).await.unwrap();
    }
    alice
        .request("say", json!({ "room": "lobby", "text": "hello bob" }))
        .await
        .unwrap();
    let _ = alice.request("say", json!({ "room": 42 })).await;
    let bob_id = h.conn_id("bob").await;

    // bob's connection: alice's broadcast is among its rows, marked received.
    let filter = json!({ "conns": [bob_id] });
    let rows: Vec<Value> = support::eventually("bob's received broadcast", || async {
        let (_, p) = h
            .post(
                "/api/traffic/query",
                &json!({ "filter": filter, "cursor": { "at": "start" }, "limit": 100 }),
            )
            .await;
        let rows = p["rows"].as_array().cloned().unwrap_or_default();
        rows.iter()
            .any(|r| r["kind"] == "room_broadcast")
            .then_some(rows)
    })
    .await;
    let broadcast = rows
        .iter()
        .find(|r| r["kind"] == "room_broadcast")
        .unwrap()
        .clone();
    assert_eq!(broadcast["payload"]["text"], "hello bob");
    assert_eq!(broadcast["direction"], "received");
    assert!(rows
        .iter()
        .filter(|r| r["kind"] == "request_in")
        .all(|r| r["direction"] == "sent"));
    // The drawer shows the same.
    let detail: Value = h.get(&format!("/api/connections/{bob_id}")).await;
    assert!(detail["recent"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["seq"] == broadcast["seq"]));

    // The broadcast was caused by alice's `say`; the say's answer carries it back.
    let cause = broadcast["cause"].as_i64().expect("cause");
    let related: Value = h
        .get(&format!("/api/traffic/{}/related", broadcast["seq"]))
        .await;
    assert_eq!(related["cause"]["seq"], cause);
    assert_eq!(related["cause"]["kind"], "request_in");
    assert_eq!(related["cause"]["name"], "say");
    assert_eq!(related["cause"]["user"], "alice");
    let of_request: Value = h.get(&format!("/api/traffic/{cause}/related")).await;
    let answer = &of_request["answer"];
    assert_eq!(answer["kind"], "response_out");
    assert_eq!(answer["request_seq"], cause);
    assert!(answer["latency_us"].as_i64().expect("latency") >= 0);

    // The invalid `say` is answered by an error row with its code.
    let (_, errors) = h
        .post(
            "/api/traffic/query",
            &json!({ "filter": { "kinds": ["error_out"] }, "cursor": { "at": "start" }, "limit": 10 }),
        )
        .await;
    let error = &errors["rows"][0];
    assert_eq!(error["code"], "VALIDATION");
    assert!(error["request_seq"].as_i64().is_some());
}
