//! Replay from the console: the recorded session runs again against the embedded server in a
//! background task, and its report says what came back (here: the same as recorded).

use crate::support;

use serde_json::{json, Value};

async fn finished(h: &support::Harness) -> Value {
    support::eventually("the replay finishes", || async {
        let s: Value = h.get("/api/replay").await;
        (s["state"] != "running" && s["state"] != "paused" && s["state"] != "ready").then_some(s)
    })
    .await
}

#[tokio::test]
async fn a_client_replay_of_the_current_session_reproduces_the_recording() {
    let h = support::start().await;
    let idle: Value = h.get("/api/replay").await;
    assert_eq!(idle["id"], Value::Null);
    assert_eq!(idle["state"], "ready");

    let alice = h.client("user", "alice").await;
    alice
        .request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    alice
        .request("say", json!({ "room": "lobby", "text": "hello again" }))
        .await
        .unwrap();
    support::eventually("the broadcast recorded", || async {
        let (_, p) = h
            .post("/api/traffic/query", &json!({ "filter": { "kinds": ["room_broadcast"] }, "cursor": { "at": "end" }, "limit": 1 }))
            .await;
        p["rows"].as_array().filter(|r| !r.is_empty()).map(|_| ())
    })
    .await;
    let id = h.conn_id("alice").await;

    let sessions: Value = h.get("/api/replay/sessions").await;
    let current = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .expect("the recording session is listed as current")["id"]
        .clone();

    let (status, started) = h
        .post(
            "/api/replay",
            &json!({
                "selection": { "session": current, "conns": [id] },
                "mode": "clients",
                "target": "embedded",
                "speed": 0,
                "ignore": [],
            }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    let s = finished(&h).await;
    assert_eq!(s["id"], started["id"]);
    assert_eq!(s["state"], "finished", "{s}");
    let report = &s["report"];
    assert_eq!(s["sent"], s["total"], "{s}");
    let conns = report["connections"].as_array().unwrap();
    assert_eq!(conns.len(), 1, "{report}");
    assert_eq!(conns[0]["user"], "alice");
    assert_eq!(conns[0]["difference_count"], 0, "{report}");
    assert_eq!(report["summary"]["differences"], 0, "{report:#}");
    assert!(report["summary"]["same"].as_u64().unwrap() >= 2, "{report}");

    // The messages themselves are read a window at a time.
    let all: Value = h.get("/api/replay/messages?filter=all").await;
    let total = all["total"].as_u64().unwrap();
    assert_eq!(total, conns[0]["message_count"].as_u64().unwrap(), "{all}");
    assert_eq!(total, report["summary"]["messages"].as_u64().unwrap());
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|e| assert_eq!(e["user"], "alice", "{e}"))
        .filter(|e| e["message"]["stream"] == "reply")
        .map(|e| e["message"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"join") && names.contains(&"say"), "{all}");
    let conn = conns[0]["conn"].as_str().unwrap();
    let second: Value = h
        .get(&format!(
            "/api/replay/messages?filter=all&conn={conn}&offset=1&limit=1"
        ))
        .await;
    assert_eq!(second["total"].as_u64(), Some(total), "{second}");
    assert_eq!(second["offset"], 1);
    assert_eq!(second["items"].as_array().unwrap().len(), 1, "{second}");
    assert_eq!(
        second["items"][0], all["items"][1],
        "the window is the same list"
    );
    let diffs: Value = h.get("/api/replay/messages").await;
    assert_eq!(diffs["total"], 0, "differences by default: {diffs}");
    let elsewhere: Value = h.get("/api/replay/messages?filter=all&conn=nobody").await;
    assert_eq!(elsewhere["total"], 0, "{elsewhere}");
    let (status, body) = h.get_status("/api/replay/messages?filter=bogus").await;
    assert_eq!(status, 400, "{body}");
    drop(alice);
}

#[tokio::test]
async fn bad_requests_are_refused_and_steering_needs_a_running_replay() {
    let h = support::start().await;
    let (status, body) = h
        .post("/api/replay", &json!({ "selection": { "session": 999 } }))
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = h
        .post(
            "/api/replay",
            &json!({ "mode": "pushes", "target": "ws://127.0.0.1:1/" }),
        )
        .await;
    assert_eq!(status, 400, "push replay needs the embedded server");
    let (status, _) = h.post("/api/replay", &json!({ "speed": -1 })).await;
    assert_eq!(status, 400, "negative speed");
    let (status, _) = h.post("/api/replay/pause", &json!({})).await;
    assert_eq!(status, 404);
    let (status, body) = h.get_status("/api/replay/messages").await;
    assert_eq!(status, 404, "no report yet: {body}");
}

#[tokio::test]
async fn a_replay_at_recorded_speed_can_be_paused_resumed_and_stopped() {
    let h = support::start().await;
    let alice = h.client("user", "alice").await;
    alice
        .request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    // A recorded gap long enough to steer the replay inside it.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    alice
        .request("say", json!({ "room": "lobby", "text": "later" }))
        .await
        .unwrap();
    support::eventually("the broadcast recorded", || async {
        let (_, p) = h
            .post("/api/traffic/query", &json!({ "filter": { "kinds": ["room_broadcast"] }, "cursor": { "at": "end" }, "limit": 1 }))
            .await;
        p["rows"].as_array().filter(|r| !r.is_empty()).map(|_| ())
    })
    .await;
    let id = h.conn_id("alice").await;

    let (status, started) = h
        .post(
            "/api/replay",
            &json!({ "selection": { "conns": [id] }, "speed": 1 }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    let (status, again) = h.post("/api/replay", &json!({})).await;
    assert_eq!(status, 400, "one replay at a time: {again}");

    let (status, paused) = h.post("/api/replay/pause", &json!({})).await;
    assert_eq!(status, 200, "{paused}");
    assert_eq!(paused["state"], "paused", "{paused}");
    let (_, resumed) = h.post("/api/replay/resume", &json!({})).await;
    assert_eq!(resumed["state"], "running", "{resumed}");
    let (_, stopping) = h.post("/api/replay/stop", &json!({})).await;
    assert_eq!(stopping["id"], started["id"]);
    let s = finished(&h).await;
    assert_eq!(s["state"], "stopped", "{s}");
    assert!(s["report"]["summary"]["messages"].as_u64().is_some(), "{s}");
    assert!(
        s["sent"].as_u64().unwrap() < s["total"].as_u64().unwrap(),
        "the say was never sent: {s}"
    );
    drop(alice);
}
