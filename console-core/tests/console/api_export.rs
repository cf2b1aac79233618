//! Exports write the filtered capture in each format, redacted, and download as attachments.

use crate::support;

use serde_json::{json, Value};

async fn export(
    h: &support::Harness,
    format: &str,
    filter: Value,
    redaction: Value,
) -> (Value, String) {
    let (status, result) = h
        .post("/api/exports", &json!({ "filter": filter, "format": format, "redaction": redaction, "save": "download" }))
        .await;
    assert_eq!(status, 200, "{result}");
    let id = result["id"].as_str().unwrap();
    let res = h
        .http
        .get(format!("{}/api/exports/{id}?token={}", h.base, h.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    (result, res.text().await.unwrap())
}

#[tokio::test]
async fn exports_download_in_every_format_and_parse() {
    let h = support::start().await;
    let alice = h.client("user", "alice").await;
    alice
        .request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    alice
        .request(
            "say",
            json!({ "room": "lobby", "text": "my password is swordfish" }),
        )
        .await
        .unwrap();
    support::eventually("the broadcast recorded", || async {
        let (_, p) = h
            .post("/api/traffic/query", &json!({ "filter": { "kinds": ["room_broadcast"] }, "cursor": { "at": "end" }, "limit": 1 }))
            .await;
        p["rows"].as_array().filter(|r| !r.is_empty()).map(|_| ())
    })
    .await;
    let redaction = json!({ "default_keys": true, "keys": ["text"], "paths": [] });

    let (result, jsonl) = export(
        &h,
        "jsonl",
        json!({ "conns": [], "users": ["alice"] }),
        redaction.clone(),
    )
    .await;
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(
        lines.len() as u64,
        result["rows"].as_u64().unwrap() + 1,
        "header + rows"
    );
    assert_eq!(lines[0]["format"], "switchboard-capture");
    assert!(!jsonl.contains("swordfish"), "the `text` key was masked");

    let (_, har) = export(&h, "har", json!({}), redaction.clone()).await;
    let har: Value = serde_json::from_str(&har).expect("HAR is JSON");
    assert!(har["log"]["entries"].is_array());

    let (_, csv) = export(
        &h,
        "csv",
        json!({ "kinds": ["room_broadcast"] }),
        redaction.clone(),
    )
    .await;
    assert!(csv.lines().count() >= 2);

    let (result, _) = export(&h, "sqlite", json!({}), redaction).await;
    assert!(result["bytes"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn a_bad_redaction_path_and_native_save_in_a_browser_are_400() {
    let h = support::start().await;
    let (status, body) = h
        .post("/api/exports", &json!({ "filter": {}, "format": "jsonl", "redaction": { "default_keys": true, "keys": [], "paths": ["$[[["] }, "save": "download" }))
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = h
        .post("/api/exports", &json!({ "filter": {}, "format": "jsonl", "redaction": { "default_keys": true, "keys": [], "paths": [] }, "save": "native" }))
        .await;
    assert_eq!(status, 400);
    let res = h
        .http
        .get(format!("{}/api/exports/unknown", h.base))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
