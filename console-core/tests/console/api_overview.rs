//! The overview counts real connections per role, rooms and topics, and reports the recorder.

use crate::support;

use serde_json::{json, Value};

#[tokio::test]
async fn overview_counts_connections_rooms_topics_and_the_recorder() {
    let h = support::start().await;
    let alice = h.client("user", "alice").await;
    let _bot = h.client("agent", "bot").await;
    alice
        .request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    alice.subscribe("ticker", |_| {}).await.unwrap();

    let o: Value = support::eventually("two connections", || async {
        let o: Value = h.get("/api/overview").await;
        (o["connections"] == 2).then_some(o)
    })
    .await;
    let roles = o["roles"].as_array().unwrap();
    assert!(roles.contains(&json!({ "role": "user", "connections": 1 })));
    assert!(roles.contains(&json!({ "role": "agent", "connections": 1 })));
    assert_eq!(o["rooms"], 1);
    assert!(o["topics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["topic"] == "ticker" && t["role"] == "user"));
    assert_eq!(o["nodes"][0]["local"], true);
    assert_eq!(o["recorder"]["active"], true);

    let rows = support::eventually("rows recorded", || async {
        let o: Value = h.get("/api/overview").await;
        let n = o["recorder"]["rows_written"].as_u64().unwrap_or(0);
        (n > 0).then_some(n)
    })
    .await;
    assert!(
        rows >= 4,
        "connects, join and subscribe are recorded ({rows})"
    );
}
