//! "Try it": the console opens its own test connection with a role and handshake parameters,
//! sends a request and gets the answer, subscribes and receives pushes fired by hand, and the
//! capture records that connection's traffic with origin `console`. Test connections are
//! bounded; a client that only claims to be the console is recorded as a client.

use crate::support;

use serde_json::{json, Value};
use switchboard_client::{Client, ClientOptions};
use switchboard_server::CONSOLE_PARAM;

fn pushes(session: &Value) -> Vec<(String, String, Value)> {
    session["pushes"]
        .as_array()
        .map(|p| {
            p.iter()
                .map(|p| {
                    (
                        p["kind"].as_str().unwrap_or_default().to_owned(),
                        p["name"].as_str().unwrap_or_default().to_owned(),
                        p["payload"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_test_connection_requests_subscribes_receives_and_is_recorded_as_console() {
    let h = support::start().await;
    let (status, session) = h
        .post(
            "/api/try",
            &json!({ "role": "user", "params": { "name": "tester" } }),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["state"], "connected");
    assert_eq!(session["console_origin"], true);
    let id = session["id"].as_str().unwrap().to_owned();

    // A request, and its answer.
    let (status, answer) = h
        .post(
            &format!("/api/try/{id}/request"),
            &json!({ "name": "join", "payload": { "room": "try-room" } }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(answer["reply"], json!({ "ok": true }));
    // A refused request comes back as the server's error, not as a failed call.
    let (_, refused) = h
        .post(
            &format!("/api/try/{id}/request"),
            &json!({ "name": "join", "payload": { "room": "" } }),
        )
        .await;
    assert_eq!(refused["ok"], false, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("VALIDATION"),
        "{refused}"
    );

    // The handshake's parameters reached the server: the connection is `tester`'s.
    let conn = h.conn_id("tester").await;

    // Subscribe, then pushes fired by hand: a shared topic and an event to the connection.
    let (status, subscribed) = h
        .post(
            &format!("/api/try/{id}/subscribe"),
            &json!({ "topic": "announce" }),
        )
        .await;
    assert_eq!(status, 200, "{subscribed}");
    assert_eq!(subscribed["subscriptions"], json!(["announce"]));
    let (status, pushed) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "shared_topic" }, "name": "announce", "payload": { "msg": "to the tester" } }),
        )
        .await;
    assert_eq!(status, 200, "{pushed}");
    let (status, pushed) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "conn", "id": conn }, "name": "alert", "payload": { "level": "info", "text": "hi" } }),
        )
        .await;
    assert_eq!(status, 200, "{pushed}");
    let got = support::eventually("both pushes listed", || async {
        let s: Value = h.get(&format!("/api/try/{id}")).await;
        let got = pushes(&s);
        (got.len() >= 2).then_some(got)
    })
    .await;
    assert!(got.contains(&(
        "topic".into(),
        "announce".into(),
        json!({ "msg": "to the tester" })
    )));
    assert!(got.contains(&(
        "event".into(),
        "alert".into(),
        json!({ "level": "info", "text": "hi" })
    )));

    // Unsubscribed: the topic is gone from the session.
    let (status, after) = h
        .post(
            &format!("/api/try/{id}/unsubscribe"),
            &json!({ "topic": "announce" }),
        )
        .await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["subscriptions"], json!([]));

    // The capture holds the test connection's request with origin `console`.
    support::eventually("the try-it request recorded as console", || async {
        let (_, p) = h
            .post(
                "/api/traffic/query",
                &json!({ "filter": { "origins": ["console"] }, "cursor": { "at": "end" }, "limit": 50 }),
            )
            .await;
        let rows = p["rows"].as_array()?;
        rows.iter()
            .find(|r| r["kind"] == "request_in" && r["name"] == "join" && r["conn"] == conn.as_str())
            .map(|_| ())
    })
    .await;

    let (status, list) = h.delete(&format!("/api/try/{id}")).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["sessions"], json!([]));
    let (status, _) = h.get_status(&format!("/api/try/{id}")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn test_connections_are_bounded_and_the_console_origin_needs_the_key() {
    let h = support::start().await;
    let list: Value = h.get("/api/try").await;
    let limit = list["limit"].as_u64().unwrap();
    for i in 0..limit {
        let (status, s) = h
            .post(
                "/api/try",
                &json!({ "role": "user", "params": { "name": format!("t{i}") } }),
            )
            .await;
        assert_eq!(status, 200, "{s}");
    }
    let (status, refused) = h
        .post(
            "/api/try",
            &json!({ "role": "user", "params": { "name": "one-too-many" } }),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("close one first"),
        "{refused}"
    );

    // A client that adds `sb_console` without the key is an ordinary client.
    let spoof = Client::connect(
        ClientOptions::new(h.core.app_url(), "user")
            .param("name", "spoofer")
            .param(CONSOLE_PARAM, "1"),
    );
    spoof
        .wait_connected(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    spoof.request("join", json!({ "room": "r" })).await.unwrap();
    let spoofer = h.conn_id("spoofer").await;
    let origin = support::eventually("the spoofer's join recorded", || async {
        let (_, p) = h
            .post(
                "/api/traffic/query",
                &json!({ "filter": { "conns": [spoofer] }, "cursor": { "at": "end" }, "limit": 50 }),
            )
            .await;
        let rows = p["rows"].as_array()?;
        let join = rows.iter().find(|r| r["kind"] == "request_in")?;
        Some(join["origin"].clone())
    })
    .await;
    assert_eq!(origin, "client");
}
