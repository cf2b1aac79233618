//! The event stream: what real clients do arrives as events in the capture's kinds and fields,
//! and the change stream keeps a snapshot current.

use serde_json::json;
use switchboard_inspector::protocol::{Command, Outcome, PushTarget};
use switchboard_inspector::{NodeState, MASK};

use crate::support::*;

#[tokio::test]
async fn a_room_join_by_a_real_client_arrives_as_an_event() {
    let server = start_demo().await;
    let alice = client(&server, "user", "alice").await;
    let inspector = start_inspector(&server).await;
    let mut console = attach(&inspector).await;
    assert!(console.snapshot().connections[0].rooms.is_empty());

    alice
        .request("join", json!({"room":"lobby"}))
        .await
        .unwrap();
    let e = next_event(&mut console, |e| e.kind == "room_add").await;
    assert_eq!(e.conn.as_deref(), Some(conn_id(&server, "alice").as_str()));
    assert_eq!(e.user.as_deref(), Some("alice"));
    assert_eq!(e.role.as_deref(), Some("user"));
    assert_eq!(e.rooms, vec!["lobby".to_owned()]);
    assert_eq!(e.node, server.server.node_id());
    assert_eq!(e.origin, "client");
    assert!(e.at_us > 0);
}

#[tokio::test]
async fn connects_requests_broadcasts_and_disconnects_arrive_with_their_fields() {
    let server = start_demo().await;
    let inspector = start_inspector(&server).await;
    let mut console = attach(&inspector).await;

    let alice = client_with(&server, "user", &[("name", "alice"), ("password", "pw")]).await;
    let connect = next_event(&mut console, |e| e.kind == "connect").await;
    assert_eq!(connect.user.as_deref(), Some("alice"));
    let meta = connect.meta.expect("connect carries its params");
    assert_eq!(meta["params"]["password"], MASK);

    let bob = client(&server, "agent", "bob").await;
    alice.request("join", json!({"room":"r"})).await.unwrap();
    bob.request("join", json!({"room":"r"})).await.unwrap();
    alice
        .request("say", json!({"room":"r","text":"hello"}))
        .await
        .unwrap();
    let req = next_event(&mut console, |e| {
        e.kind == "request_in" && e.name.as_deref() == Some("say")
    })
    .await;
    assert_eq!(req.payload, Some(json!({"room":"r","text":"hello"})));
    let b = next_event(&mut console, |e| e.kind == "room_broadcast").await;
    assert_eq!(b.name.as_deref(), Some("message"));
    assert_eq!(b.rooms, vec!["r".to_owned()]);
    assert_eq!(b.recipients, Some(2));
    assert_eq!(
        b.payload,
        Some(json!({"room":"r","text":"hello","from":"alice"}))
    );
    assert!(b.size > 0);

    bob.close().await;
    let gone = next_event(&mut console, |e| e.kind == "disconnect").await;
    assert_eq!(gone.user.as_deref(), Some("bob"));
}

#[tokio::test]
async fn the_change_stream_keeps_a_node_state_equal_to_a_fresh_snapshot() {
    let server = start_demo().await;
    let early = client(&server, "user", "early").await;
    early.request("join", json!({"room":"a"})).await.unwrap();
    let inspector = start_inspector(&server).await;
    let mut console = attach(&inspector).await;
    let mut state = NodeState::new(console.hello(), console.snapshot().clone());

    // Activity after the snapshot: joins, leaves, subscriptions, a disconnect.
    let alice = client(&server, "user", "alice").await;
    let bob = client(&server, "agent", "bob").await;
    for (c, room) in [(&alice, "a"), (&alice, "b"), (&bob, "b"), (&early, "c")] {
        c.request("join", json!({"room": room})).await.unwrap();
    }
    alice.subscribe("ticker", |_| {}).await.unwrap();
    bob.subscribe("announce", |_| {}).await.unwrap();
    early.request("leave", json!({"room":"a"})).await.unwrap();
    early.close().await;
    eventually("early's connection to go", || {
        server.server.connection_count() == 2
    })
    .await;

    // A marker pushed after all of it: once it arrives, everything before it has.
    let marker = console
        .command(Command::Push {
            target: PushTarget::Rooms {
                rooms: vec!["nobody-here".into()],
                except: None,
                only_users: None,
                only_conns: None,
            },
            name: "message".into(),
            payload: json!({"room":"nobody-here","text":"marker","from":"test"}),
        })
        .await
        .unwrap();
    assert_eq!(marker, Outcome::Push { delivered: 0 });
    loop {
        let msg = next_message(&mut console).await;
        if let switchboard_inspector::protocol::NodeMessage::Event(e) = msg {
            if e.kind == "room_broadcast" && e.origin == "manual" {
                break;
            }
            state.apply(&e);
        }
    }

    let Outcome::Snapshot { snapshot } = console.command(Command::Snapshot).await.unwrap() else {
        panic!("a snapshot command answers a snapshot")
    };
    let kept = state.to_snapshot();
    let ids = |s: &switchboard_inspector::protocol::Snapshot| {
        s.connections
            .iter()
            .map(|c| (c.id.clone(), c.rooms.clone(), c.topics.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&kept), ids(&snapshot));
    assert_eq!(kept.rooms, snapshot.rooms);
    assert_eq!(kept.topics, snapshot.topics);
    assert_eq!(kept.stats.connections, snapshot.stats.connections);
    assert_eq!(kept.stats.rooms, snapshot.stats.rooms);
    assert_eq!(snapshot.connections.len(), 2);
}
