//! Introspection: node id, local connections with their rooms and topics, rooms, topics.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn local_views_reflect_the_server() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut agent = Raw::agent(&server, "a1").await;
    alice.request(1, "join", json!({"room":"lobby"})).await;
    alice.send(json!({"t":"sub","i":2,"c":"ticker"})).await;
    alice.next().await;
    agent.request(1, "join", json!({"room":"lobby"})).await;
    agent.send(json!({"t":"sub","i":2,"c":"announce"})).await;
    agent.next().await;
    let srv = &server.server;
    assert!(srv.node_id().starts_with("node-"));
    let local = srv.local();
    assert_eq!(local.len(), 2);
    let a = local.iter().find(|c| c.user == "alice").unwrap();
    assert_eq!(a.role, "user");
    assert_eq!(a.rooms, vec!["lobby"]);
    assert_eq!(a.topics, vec!["ticker"]);
    assert_eq!(a.node, srv.node_id());
    assert!(a.msgs_in >= 2 && a.msgs_out >= 3, "{a:?}");
    assert!(a.connected_at_us > 0);
    let rooms = srv.rooms_info();
    assert_eq!((rooms[0].name.as_str(), rooms[0].size), ("lobby", 2));
    let topics = srv.topics_info();
    assert_eq!(topics.len(), 2);
    assert!(topics
        .iter()
        .any(|t| t.role.is_none() && t.topic == "announce" && t.subscribers == 1));
    assert!(topics
        .iter()
        .any(|t| t.role.as_deref() == Some("user") && t.topic == "ticker"));
    let stats = srv.stats();
    assert_eq!(stats.connections, 2);
    assert_eq!(stats.connections_total, 2);
}
