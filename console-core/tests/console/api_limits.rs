//! Filters are bounded: a text filter or a list of values past the documented limits is a 400
//! that says which limit, never a 500 from the database underneath.

use serde_json::{json, Value};

use crate::support;

fn query(filter: Value) -> Value {
    json!({ "filter": filter, "cursor": { "at": "end" }, "limit": 50 })
}

fn export(filter: Value) -> Value {
    json!({ "filter": filter, "format": "jsonl", "redaction": { "default_keys": true, "keys": [], "paths": [] }, "save": "download" })
}

#[tokio::test]
async fn a_huge_text_filter_is_a_clear_400() {
    let h = support::start().await;
    let filter = json!({ "text": "a".repeat(50_000) });
    for (path, body) in [
        ("/api/traffic/query", query(filter.clone())),
        ("/api/exports", export(filter.clone())),
    ] {
        let (status, body) = h.post(path, &body).await;
        assert_eq!(status, 400, "{path}: {body}");
        let message = body["error"].as_str().unwrap_or_default();
        assert!(
            message.contains("text") && message.contains("1024"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn too_many_filter_values_are_a_clear_400() {
    let h = support::start().await;
    let rooms: Vec<String> = (0..33_000).map(|i| format!("r{i}")).collect();
    let filter = json!({ "rooms": rooms });
    for (path, body) in [
        ("/api/traffic/query", query(filter.clone())),
        ("/api/exports", export(filter.clone())),
    ] {
        let (status, body) = h.post(path, &body).await;
        assert_eq!(status, 400, "{path}: {body}");
        let message = body["error"].as_str().unwrap_or_default();
        assert!(
            message.contains("values") && message.contains("1000"),
            "{message}"
        );
    }
    // At the limit, it is answered.
    let rooms: Vec<String> = (0..1000).map(|i| format!("r{i}")).collect();
    let (status, body) = h
        .post(
            "/api/traffic/query",
            &query(json!({ "rooms": rooms, "text": "a".repeat(1024) })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}
