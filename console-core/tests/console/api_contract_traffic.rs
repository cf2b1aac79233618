//! The contract with each message's traffic since the console started (count, errors, answer
//! latency percentiles) and the most recent recorded payload, which the push editor starts
//! from instead of a schema placeholder.

use crate::support;

use serde_json::{json, Value};

fn message<'a>(view: &'a Value, role: &str, name: &str) -> &'a Value {
    let r = view["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == role)
        .unwrap();
    r["requests"]
        .as_array()
        .unwrap()
        .iter()
        .chain(r["events"].as_array().unwrap())
        .find(|m| m["name"] == name)
        .unwrap()
}

#[tokio::test]
async fn messages_carry_counts_errors_latencies_and_the_last_recorded_payload() {
    let h = support::start().await;
    let view: Value = h.get("/api/contract").await;
    let say = message(&view, "user", "say");
    assert_eq!(say["stats"], Value::Null, "no traffic yet");
    assert_eq!(say["recorded"], Value::Null, "nothing recorded yet");

    let ann = h.client("user", "ann").await;
    ann.request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    // Invalid input: answered with an error.
    assert!(ann.request("say", json!({ "room": 7 })).await.is_err());
    ann.request("say", json!({ "room": "lobby", "text": "first" }))
        .await
        .unwrap();
    ann.request("say", json!({ "room": "lobby", "text": "the newest" }))
        .await
        .unwrap();

    let view: Value = support::eventually("the say traffic", || async {
        let v: Value = h.get("/api/contract").await;
        let say = message(&v, "user", "say");
        (say["stats"]["count"] == 3 && say["recorded"]["text"] == "the newest").then_some(v)
    })
    .await;
    let say = message(&view, "user", "say");
    assert_eq!(say["stats"]["errors"], 1, "{say}");
    // Timed answers only: the refused input was answered before any handler ran, untimed.
    assert_eq!(say["stats"]["answered"], 2, "{say}");
    let p50 = say["stats"]["p50_us"].as_u64().unwrap();
    let p99 = say["stats"]["p99_us"].as_u64().unwrap();
    assert!(p50 <= p99, "{say}");
    assert!(say["recorded_at_us"].as_i64().unwrap() > 0);

    // A message nobody used keeps its placeholder sample and no stats.
    let dm = message(&view, "user", "dm");
    assert_eq!(dm["stats"], Value::Null);
    assert_eq!(dm["recorded"], Value::Null);
    assert!(!dm["sample"].is_null());
}
