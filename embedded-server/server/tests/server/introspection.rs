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
    assert_eq!(stats.rooms, 1);
}

#[tokio::test]
async fn counts_match_the_lists() {
    let server = start_demo().await;
    let srv = &server.server;
    assert_eq!((srv.room_count(), srv.topic_count()), (0, 0));
    let mut alice = Raw::user(&server, "alice").await;
    let mut agent = Raw::agent(&server, "a1").await;
    alice.request(1, "join", json!({"room":"lobby"})).await;
    alice.request(2, "join", json!({"room":"side"})).await;
    agent.request(1, "join", json!({"room":"lobby"})).await;
    alice.send(json!({"t":"sub","i":3,"c":"ticker"})).await;
    alice.next().await;
    agent.send(json!({"t":"sub","i":2,"c":"announce"})).await;
    agent.next().await;
    assert_eq!(srv.room_count(), 2);
    assert_eq!(srv.room_count(), srv.rooms_info().len());
    assert_eq!(srv.topic_count(), 2);
    assert_eq!(srv.topic_count(), srv.topics_info().len());
    alice.request(4, "leave", json!({"room":"side"})).await;
    alice.send(json!({"t":"unsub","c":"ticker"})).await;
    // The unsubscribe has no answer: a request after it is handled once it is.
    alice.request(5, "leave", json!({"room":"nowhere"})).await;
    assert_eq!((srv.room_count(), srv.topic_count()), (1, 1));
    assert_eq!(srv.connection_count(), srv.local_in_order().len());
    // The counts are kept as connections come and go (the console reads them without a lock):
    // a disconnect that empties the last room brings both back to zero.
    drop(alice);
    drop(agent);
    switchboard_testkit::eventually("both connections gone", || srv.connection_count() == 0).await;
    assert_eq!(srv.local_in_order().len(), 0);
    assert_eq!(srv.room_count(), 0);
    assert_eq!(srv.rooms_info().len(), 0);
}
