//! Attach mode against real nodes: a demo server with its inspector on loopback, in this
//! process but reached only over sockets, as `switchboard attach URL` reaches one.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use switchboard_client::Client;
use switchboard_demo as demo;
use switchboard_inspector::{Inspector, InspectorConfig, InspectorHandle};
use switchboard_server::{RunningServer, ServerConfig};

use crate::support::{self, Harness};

/// One application node: the demo on a free port, its inspector on `inspect`.
struct Node {
    running: RunningServer,
    inspector: InspectorHandle,
}

impl Node {
    async fn start(inspect: SocketAddr, token: &str) -> Node {
        let config = ServerConfig {
            heartbeat_interval: Duration::from_secs(3600),
            ..ServerConfig::default()
        };
        let server = demo::builder()
            .expect("demo contract")
            .config(config)
            .build()
            .expect("server builds");
        let inspector = Inspector::start(
            &server,
            InspectorConfig {
                listen: inspect,
                token: Some(token.to_owned()),
                ..InspectorConfig::default()
            },
        )
        .await
        .expect("inspector starts");
        let running = server.start("127.0.0.1:0").await.expect("server starts");
        Node { running, inspector }
    }

    fn node_id(&self) -> String {
        self.running.server.node_id().to_owned()
    }

    async fn client(&self, name: &str) -> Client {
        support::client_at(&self.running.url(), "user", name).await
    }

    async fn stop(self) {
        self.inspector.shutdown().await;
        self.running.shutdown().await.expect("node stops");
    }
}

const TOKEN: &str = "attach-test-token";

fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// The console's view of its first link, once `check` holds for it.
async fn link_where(h: &Harness, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    support::eventually(what, || async {
        let list: Value = h.get("/api/nodes").await;
        list["nodes"]
            .as_array()
            .and_then(|n| n.first())
            .filter(|l| check(l))
            .cloned()
    })
    .await
}

/// Recorded rows matching `filter`, once there is at least one.
async fn recorded(h: &Harness, what: &str, filter: Value) -> Vec<Value> {
    support::eventually(what, || async {
        let (status, page) = h
            .post(
                "/api/traffic/query",
                &json!({ "filter": filter, "cursor": { "at": "end" }, "limit": 100 }),
            )
            .await;
        assert_eq!(status, 200, "{page}");
        page["rows"].as_array().filter(|r| !r.is_empty()).cloned()
    })
    .await
}

#[tokio::test]
async fn an_attached_console_sees_joins_pushes_to_the_node_and_records_its_rows() {
    let node = Node::start(any_port(), TOKEN).await;
    let node_id = node.node_id();
    let h = support::start_attached(vec![node.inspector.attach_url()]).await;
    let mode: Value = h.get("/api/nodes").await;
    assert_eq!(mode["mode"], "attach");
    assert!(
        h.core.app_addr().is_none(),
        "attach mode serves no application"
    );
    link_where(&h, "the node attached", |l| l["state"] == "attached").await;

    let alice = node.client("alice").await;
    alice
        .request("join", json!({ "room": "lobby" }))
        .await
        .expect("alice joins");

    let row = support::eventually("alice listed with her node", || async {
        let page: Value = h.get("/api/connections?q=alice").await;
        page["rows"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["user"] == "alice"))
            .filter(|r| r["rooms"] == json!(["lobby"]))
            .cloned()
    })
    .await;
    assert_eq!(row["node"], node_id);
    let id = row["id"].as_str().unwrap().to_owned();

    let room: Value = h.get("/api/rooms/lobby").await;
    assert_eq!(room["members"][0]["id"], id);
    assert_eq!(room["members"][0]["node"], node_id);
    let overview: Value = h.get("/api/overview").await;
    assert_eq!(overview["nodes"][0]["id"], node_id);
    assert_eq!(overview["nodes"][0]["link"]["state"], "attached");
    assert_eq!(overview["connections"], 1);
    let contract: Value = h.get("/api/contract").await;
    assert!(
        contract["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["role"] == "user"),
        "the contract comes from the node's hello"
    );

    // A push from the console API reaches the client through the node's inspector.
    let mut alerts = alice.events("alert", 4);
    let payload = json!({ "level": "warn", "text": "from the attached console" });
    let (status, record) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "conn", "id": id }, "name": "alert", "payload": payload }),
        )
        .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["delivered"], 1);
    assert_eq!(record["nodes"][0]["node"], node_id);
    let got = tokio::time::timeout(Duration::from_secs(10), alerts.recv())
        .await
        .expect("the alert arrives")
        .expect("an alert");
    assert_eq!(got, payload);

    // The node validates: a bad payload comes back as a validation error with its issues.
    let (status, body) = h
        .post("/api/push", &json!({ "target": { "kind": "user", "user": "alice" }, "name": "alert", "payload": { "level": "loud" } }))
        .await;
    assert_eq!(status, 422, "{body}");

    // The capture holds the remote node's rows with its node id.
    let joins = recorded(
        &h,
        "alice's join recorded",
        json!({ "kinds": ["room_add"] }),
    )
    .await;
    assert!(joins.iter().all(|r| r["node"] == node_id), "{joins:?}");
    recorded(
        &h,
        "the manual push recorded",
        json!({ "origins": ["manual"] }),
    )
    .await;

    // Replaying pushes needs a server of the console's own.
    let (status, body) = h
        .post(
            "/api/replay",
            &json!({ "selection": { "session": 1 }, "mode": "pushes", "target": "embedded",
                     "speed": 0, "ignore": [], "strict_order": false }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("no embedded server"),
        "{body}"
    );

    // While someone has the console open, what only a snapshot carries (a connection's
    // traffic counters) is refreshed.
    let live = format!("ws://{}/api/live?token={}", h.core.ui_addr(), h.token);
    let (_watching, _) = tokio_tungstenite::connect_async(&live)
        .await
        .expect("live stream");
    support::eventually("alice's counters refreshed", || async {
        let page: Value = h.get("/api/connections?q=alice").await;
        (page["rows"][0]["msgs_in"].as_u64()? >= 1).then_some(())
    })
    .await;

    // Client traffic replays against a URL as usual: here, the node itself.
    let sessions: Value = h.get("/api/replay/sessions").await;
    let current = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .expect("the recording session")["id"]
        .clone();
    let (status, started) = h
        .post(
            "/api/replay",
            &json!({ "selection": { "session": current, "conns": [id] }, "mode": "clients",
                     "target": node.running.url(), "speed": 0, "ignore": [], "strict_order": false }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    let done = support::eventually("the replay finishes", || async {
        let s: Value = h.get("/api/replay").await;
        (s["state"] != "running" && s["state"] != "paused" && s["state"] != "ready").then_some(s)
    })
    .await;
    assert_eq!(done["state"], "finished", "{done}");

    // Room changes and disconnects go to the node holding the connection.
    let (status, changed) = h
        .post("/api/rooms/vip/members", &json!({ "conn": id }))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["changed"], true);
    support::eventually("alice in vip", || async {
        let (status, room) = h.get_status("/api/rooms/vip").await;
        (status == 200 && room["members"][0]["id"] == id.as_str()).then_some(())
    })
    .await;
    let (status, _) = h
        .post(&format!("/api/connections/{id}/disconnect"), &json!({}))
        .await;
    assert_eq!(status, 200);
    support::eventually("alice gone", || async {
        let (status, _) = h.get_status(&format!("/api/connections/{id}")).await;
        (status == 404).then_some(())
    })
    .await;

    h.stop().await;
    node.stop().await;
}

#[tokio::test]
async fn a_stopped_node_shows_lost_keeps_its_rows_and_is_attached_again_after_a_restart() {
    let node = Node::start(any_port(), TOKEN).await;
    let first_id = node.node_id();
    let inspect = node.inspector.addr();
    let h = support::start_attached(vec![node.inspector.attach_url()]).await;
    link_where(&h, "the node attached", |l| l["state"] == "attached").await;

    let alice = node.client("alice").await;
    alice
        .request("join", json!({ "room": "lobby" }))
        .await
        .expect("join");
    recorded(
        &h,
        "the first node's join recorded",
        json!({ "kinds": ["room_add"] }),
    )
    .await;

    node.stop().await;
    let lost = link_where(&h, "the node shown lost", |l| l["state"] == "lost").await;
    assert_eq!(lost["connections"], 0);
    let page: Value = h.get("/api/connections").await;
    assert_eq!(
        page["total"], 0,
        "a lost node's connections are not claimed as live"
    );
    let rows = recorded(
        &h,
        "its rows still queryable",
        json!({ "kinds": ["room_add"] }),
    )
    .await;
    assert_eq!(rows[0]["node"], first_id);

    // The application restarts on the same inspector address: the console attaches again on
    // its own and starts over from the fresh node's snapshot.
    let node = Node::start(inspect, TOKEN).await;
    let second_id = node.node_id();
    let again = link_where(&h, "the node attached again", |l| {
        l["state"] == "attached" && l["attaches"] == 2
    })
    .await;
    assert_eq!(again["node"], second_id);
    let bob = node.client("bob").await;
    bob.request("join", json!({ "room": "lobby" }))
        .await
        .expect("join");
    support::eventually("bob listed on the restarted node", || async {
        let page: Value = h.get("/api/connections?q=bob").await;
        page["rows"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["user"] == "bob"))
            .filter(|r| r["node"] == second_id)
            .map(|_| ())
    })
    .await;
    let joins = recorded(
        &h,
        "both nodes' rows",
        json!({ "kinds": ["room_add"], "users": ["bob"] }),
    )
    .await;
    assert_eq!(joins[0]["node"], second_id);

    h.stop().await;
    node.stop().await;
}

#[tokio::test]
async fn nodes_are_added_and_removed_at_run_time_and_bad_urls_are_refused() {
    let node = Node::start(any_port(), TOKEN).await;
    let h = support::start_attached(Vec::new()).await;
    let (status, body) = h.post("/api/nodes", &json!({ "url": "http://nope" })).await;
    assert_eq!(status, 400, "{body}");
    let (status, link) = h
        .post("/api/nodes", &json!({ "url": node.inspector.attach_url() }))
        .await;
    assert_eq!(status, 200, "{link}");
    assert!(
        !link["url"].as_str().unwrap().contains(TOKEN),
        "the token is never shown"
    );
    link_where(&h, "the added node attached", |l| l["state"] == "attached").await;
    let (status, _) = h.delete(&format!("/api/nodes/{}", link["id"])).await;
    assert_eq!(status, 200);
    let list: Value = h.get("/api/nodes").await;
    assert_eq!(list["nodes"], json!([]));
    h.stop().await;
    node.stop().await;
}

#[tokio::test]
async fn two_nodes_are_told_apart_by_their_node_id_in_connections_and_traffic() {
    let a = Node::start(any_port(), TOKEN).await;
    let b = Node::start(any_port(), TOKEN).await;
    let h = support::start_attached(vec![a.inspector.attach_url(), b.inspector.attach_url()]).await;
    support::eventually("both nodes attached", || async {
        let list: Value = h.get("/api/nodes").await;
        let nodes = list["nodes"].as_array()?;
        (nodes.len() == 2 && nodes.iter().all(|l| l["state"] == "attached")).then_some(())
    })
    .await;
    let alice = a.client("alice").await;
    let bob = b.client("bob").await;
    alice
        .request("join", json!({ "room": "shared" }))
        .await
        .expect("join");
    bob.request("join", json!({ "room": "shared" }))
        .await
        .expect("join");

    // One room across two nodes, each member with its node.
    let room = support::eventually("the room merged across nodes", || async {
        let (status, room) = h.get_status("/api/rooms/shared").await;
        (status == 200 && room["size"] == 2).then_some(room)
    })
    .await;
    let nodes: Vec<&str> = room["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["node"].as_str().unwrap())
        .collect();
    assert!(nodes.contains(&a.node_id().as_str()) && nodes.contains(&b.node_id().as_str()));

    let only_b: Value = h
        .get(&format!("/api/connections?node={}", b.node_id()))
        .await;
    assert_eq!(only_b["total"], 1);
    assert_eq!(only_b["rows"][0]["user"], "bob");

    let rows = recorded(
        &h,
        "node b's join, by node",
        json!({ "kinds": ["room_add"], "nodes": [b.node_id()] }),
    )
    .await;
    assert!(rows.iter().all(|r| r["user"] == "bob"), "{rows:?}");

    // An export of one node's rows holds that node's rows only.
    let (status, result) = h
        .post(
            "/api/exports",
            &json!({ "filter": { "nodes": [b.node_id()] }, "format": "jsonl",
                     "redaction": { "default_keys": true, "keys": [], "paths": [] }, "save": "download" }),
        )
        .await;
    assert_eq!(status, 200, "{result}");
    let file = h
        .http
        .get(format!(
            "{}/api/exports/{}?token={}",
            h.base,
            result["id"].as_str().unwrap(),
            h.token
        ))
        .send()
        .await
        .expect("download")
        .text()
        .await
        .expect("body");
    let lines: Vec<Value> = file
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| l.to_string().contains(&b.node_id())),
        "{file}"
    );
    assert!(!file.contains(&a.node_id()), "{file}");

    // A room push goes to every node and is delivered to the members on each.
    let (status, record) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "rooms", "rooms": ["shared"], "except": null },
                     "name": "message", "payload": { "room": "shared", "text": "to all", "from": "ops" } }),
        )
        .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["delivered"], 2, "{record}");
    assert_eq!(record["nodes"].as_array().unwrap().len(), 2);

    h.stop().await;
    a.stop().await;
    b.stop().await;
}
