//! The Contract panel's per-message statistics come from the capture file, not only from the
//! traffic since the console started: a console restarted on the same file shows the earlier
//! run's counts, errors and latencies, and adds its own on top.

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

fn shared<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["shared"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap()
}

#[tokio::test]
async fn a_restarted_console_counts_the_traffic_its_capture_file_holds() {
    let h = support::start().await;
    let ann = h.client("user", "ann").await;
    ann.request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    assert!(ann.request("say", json!({ "room": 7 })).await.is_err());
    for text in ["one", "two", "three"] {
        ann.request("say", json!({ "room": "lobby", "text": text }))
            .await
            .unwrap();
    }
    let before: Value = support::eventually("the first run's say traffic", || async {
        let v: Value = h.get("/api/contract").await;
        (message(&v, "user", "say")["stats"]["count"] == 4).then_some(v)
    })
    .await;
    let say_before = message(&before, "user", "say")["stats"].clone();
    let broadcasts_before = shared(&before, "message")["stats"]["count"].as_u64();
    assert_eq!(say_before["errors"], 1, "{say_before}");
    assert_eq!(say_before["answered"], 3, "{say_before}");
    drop(ann);
    // Stopping commits what the recorder holds.
    let dir = h.stop().await;

    let h = support::start_in(dir).await;
    let after: Value = support::eventually("the capture's counts", || async {
        let v: Value = h.get("/api/contract").await;
        (v["stats_source"]["loading"] == false).then_some(v)
    })
    .await;
    assert_eq!(
        after["stats_source"]["capture"], true,
        "{}",
        after["stats_source"]
    );
    assert_eq!(after["stats_source"]["error"], Value::Null);
    assert!(after["stats_source"]["capture_rows"].as_u64().unwrap() >= 8);
    let say = &message(&after, "user", "say")["stats"];
    assert_eq!(say["count"], 4, "{say}");
    assert_eq!(say["errors"], 1, "{say}");
    assert_eq!(say["answered"], 3, "{say}");
    // Same rows, same histogram: the same bucket bounds come back.
    for p in ["p50_us", "p95_us", "p99_us"] {
        assert_eq!(say[p], say_before[p], "{p}: {say} vs {say_before}");
    }
    assert_eq!(message(&after, "user", "join")["stats"]["count"], 1);
    // At least the first run's room broadcasts (its "left" notice may come after the read).
    assert!(
        shared(&after, "message")["stats"]["count"].as_u64() >= broadcasts_before,
        "room broadcasts of the first run: {}",
        shared(&after, "message")
    );

    // New traffic adds to the file's counts, each row counted once.
    let bob = h.client("user", "bob").await;
    bob.request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    bob.request("say", json!({ "room": "lobby", "text": "again" }))
        .await
        .unwrap();
    let v: Value = support::eventually("the second run's say", || async {
        let v: Value = h.get("/api/contract").await;
        (message(&v, "user", "say")["stats"]["answered"] == 4).then_some(v)
    })
    .await;
    let say = &message(&v, "user", "say")["stats"];
    assert_eq!(say["count"], 5, "{say}");
    assert_eq!(message(&v, "user", "join")["stats"]["count"], 2);
}
