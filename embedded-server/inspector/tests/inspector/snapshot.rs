//! `hello` and the first snapshot: who the node is, and a real client's connection with its
//! rooms and topics, secrets masked, the console itself nowhere.

use std::collections::BTreeSet;

use serde_json::json;
use switchboard_inspector::protocol::{Command, PROTOCOL, VERSION};
use switchboard_inspector::MASK;

use crate::support::*;

#[tokio::test]
async fn hello_introduces_the_node_with_its_contract_and_capabilities() {
    let server = start_demo().await;
    let inspector = start_inspector(&server).await;
    let console = attach(&inspector).await;
    let hello = console.hello();
    assert_eq!(hello.protocol, PROTOCOL);
    assert_eq!(hello.version, VERSION);
    assert_eq!(hello.node, server.server.node_id());
    assert_eq!(hello.server_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(
        hello.contract,
        serde_json::to_value(server.server.contract().spec()).unwrap()
    );
    // Schemas included.
    assert_eq!(
        hello.contract["roles"]["user"]["clientToServer"]["join"]["input"]["required"],
        json!(["room"])
    );
    assert_eq!(hello.capabilities, Command::OPS.map(String::from).to_vec());
    assert_eq!(hello.limits.queue_frames, 4096);
}

#[tokio::test]
async fn the_snapshot_shows_a_real_client_with_its_rooms_and_topics_and_masks_secrets() {
    let server = start_demo().await;
    let alice = client_with(&server, "user", &[("name", "alice"), ("token", "hunter2")]).await;
    alice
        .request("join", json!({"room":"lobby"}))
        .await
        .unwrap();
    alice.request("join", json!({"room":"ops"})).await.unwrap();
    alice.subscribe("ticker", |_| {}).await.unwrap();
    let _bob = client(&server, "agent", "bob").await;

    let inspector = start_inspector(&server).await;
    let console = attach(&inspector).await;
    let snap = console.snapshot();
    assert_eq!(snap.node, server.server.node_id());
    assert_eq!(snap.connections.len(), 2, "the console is not a connection");
    let a = &snap.connections[0];
    assert_eq!((a.role.as_str(), a.user.as_str()), ("user", "alice"));
    assert_eq!(a.id, conn_id(&server, "alice"));
    assert_eq!(
        a.rooms,
        BTreeSet::from(["lobby".to_owned(), "ops".to_owned()])
    );
    assert_eq!(a.topics, BTreeSet::from(["ticker".to_owned()]));
    assert_eq!(a.params["name"], "alice");
    assert_eq!(a.params["token"], MASK);
    assert_eq!(a.ctx["params"]["token"], MASK, "ctx: {}", a.ctx);
    assert_eq!(a.ctx["params"]["name"], "alice");
    assert_eq!(snap.connections[1].user, "bob");

    let rooms: Vec<(&str, usize)> = snap
        .rooms
        .iter()
        .map(|r| (r.name.as_str(), r.size))
        .collect();
    assert_eq!(rooms, vec![("lobby", 1), ("ops", 1)]);
    assert_eq!(snap.topics.len(), 1);
    assert_eq!(snap.topics[0].role.as_deref(), Some("user"));
    assert_eq!(snap.topics[0].topic, "ticker");
    assert_eq!(snap.topics[0].subscribers, 1);
    assert_eq!(snap.stats.connections, 2);
    assert_eq!(snap.stats.rooms, 2);
    assert_eq!(snap.stats.connections_total, 2);
    assert_eq!(server.server.connection_count(), 2);
}
