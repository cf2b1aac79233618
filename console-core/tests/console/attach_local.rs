//! A server in the console's own process followed through an in-process inspector session
//! (`Inspector::local_session`), beside a node attached by URL: one link type, one state and
//! one command path for both, so the in-process server shows up and is driven exactly as a
//! remote node is.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_client::Client;
use switchboard_demo as demo;
use switchboard_inspector::{Inspector, InspectorConfig};
use switchboard_server::{RunningServer, ServerConfig};

use crate::support;

async fn demo_server() -> RunningServer {
    demo::builder()
        .expect("demo contract")
        .config(ServerConfig {
            heartbeat_interval: Duration::from_secs(3600),
            ..ServerConfig::default()
        })
        .build()
        .expect("server builds")
        .start("127.0.0.1:0")
        .await
        .expect("server starts")
}

async fn client(server: &RunningServer, name: &str) -> Client {
    support::client_at(&server.url(), "user", name).await
}

#[tokio::test]
async fn an_in_process_server_is_followed_like_a_remote_node() {
    let remote = demo_server().await;
    let inspector = Inspector::start(&remote.server, InspectorConfig::default())
        .await
        .expect("inspector starts");
    let local = demo_server().await;
    let h = support::start_attached(vec![inspector.attach_url()]).await;
    let nodes = h.core.attached().expect("attach mode");
    let link = nodes
        .add_local(&local.server)
        .expect("the local server is followed");
    assert_eq!(link.url, "in-process");
    assert!(
        nodes.add_local(&local.server).is_err(),
        "the same server is followed once"
    );
    support::eventually("both links attached", || async {
        let list: Value = h.get("/api/nodes").await;
        let links = list["nodes"].as_array()?;
        (links.len() == 2 && links.iter().all(|l| l["state"] == "attached")).then_some(())
    })
    .await;

    let near = client(&local, "near").await;
    let far = client(&remote, "far").await;
    near.request("join", json!({ "room": "shared" }))
        .await
        .expect("join");
    far.request("join", json!({ "room": "shared" }))
        .await
        .expect("join");
    let room = support::eventually("the room across both", || async {
        let (status, room) = h.get_status("/api/rooms/shared").await;
        (status == 200 && room["size"] == 2).then_some(room)
    })
    .await;
    let mut members: Vec<(String, String)> = room["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user"].as_str().unwrap().to_owned(),
                m["node"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    members.sort();
    assert_eq!(
        members,
        vec![
            ("far".to_owned(), remote.server.node_id().to_owned()),
            ("near".to_owned(), local.server.node_id().to_owned()),
        ]
    );

    // A push to the in-process server's connection goes through its local session.
    let id = support::eventually("near's id", || async {
        let page: Value = h.get("/api/connections?q=near").await;
        page["rows"][0]["id"].as_str().map(str::to_owned)
    })
    .await;
    let mut alerts = near.events("alert", 4);
    let payload = json!({ "level": "info", "text": "in-process" });
    let (status, record) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "conn", "id": id }, "name": "alert", "payload": payload }),
        )
        .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["nodes"][0]["node"], local.server.node_id());
    let got = tokio::time::timeout(Duration::from_secs(10), alerts.recv())
        .await
        .expect("the alert arrives")
        .expect("an alert");
    assert_eq!(got, payload);

    // Its traffic is recorded with its node id, as a remote node's is.
    support::eventually("the local node's join recorded", || async {
        let (_, page) = h
            .post(
                "/api/traffic/query",
                &json!({ "filter": { "nodes": [local.server.node_id()], "kinds": ["room_add"] },
                         "cursor": { "at": "end" }, "limit": 10 }),
            )
            .await;
        (!page["rows"].as_array()?.is_empty()).then_some(())
    })
    .await;
    h.stop().await;
    inspector.shutdown().await;
}
