//! Recorded history: filtered, keyset-paged queries over the capture file, one row whole.

use crate::support;

use serde_json::{json, Value};

#[tokio::test]
async fn history_is_filtered_and_paged_both_ways() {
    let h = support::start().await;
    let alice = h.client("user", "alice").await;
    alice
        .request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    for i in 0..12 {
        alice
            .request(
                "say",
                json!({ "room": "lobby", "text": format!("line {i}") }),
            )
            .await
            .unwrap();
    }
    let filter = json!({ "kinds": ["room_broadcast"], "rooms": ["lobby"] });
    let page: Value = support::eventually("twelve broadcasts recorded", || async {
        let (_, p) = h
            .post(
                "/api/traffic/query",
                &json!({ "filter": filter, "cursor": { "at": "end" }, "limit": 5 }),
            )
            .await;
        let older = p["has_older"].as_bool() == Some(true);
        let last_is_11 = p["rows"]
            .as_array()
            .and_then(|r| r.last())
            .map(|r| r["payload"]["text"] == "line 11");
        (older && last_is_11 == Some(true)).then_some(p)
    })
    .await;
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert!(rows
        .iter()
        .all(|r| r["kind"] == "room_broadcast" && r["recipients"] == 1));
    let first_seq = rows[0]["seq"].as_i64().unwrap();

    let (_, older) = h
        .post("/api/traffic/query", &json!({ "filter": filter, "cursor": { "at": "before", "seq": first_seq }, "limit": 100 }))
        .await;
    assert_eq!(older["rows"].as_array().unwrap().len(), 7);
    assert_eq!(older["has_older"], false);

    let (_, text) = h
        .post(
            "/api/traffic/query",
            &json!({ "filter": { "text": "LINE 7" }, "cursor": { "at": "start" }, "limit": 100 }),
        )
        .await;
    assert!(text["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["payload"].to_string().contains("line 7")));

    let one: Value = h.get(&format!("/api/traffic/{first_seq}")).await;
    assert_eq!(one["seq"], first_seq);
}

#[tokio::test]
async fn bad_queries_are_400() {
    let h = support::start().await;
    let (status, _) = h
        .post(
            "/api/traffic/query",
            &json!({ "filter": {}, "cursor": { "at": "end" }, "limit": 0 }),
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = h
        .post("/api/traffic/query", &json!({ "filter": { "since_us": 10, "until_us": 5 }, "cursor": { "at": "end" }, "limit": 5 }))
        .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("time range"));
    let (status, _) = h
        .post("/api/traffic/query", &json!({ "cursor": "sideways" }))
        .await;
    assert_eq!(status, 400);
}
