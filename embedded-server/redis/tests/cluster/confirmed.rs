//! Confirmed pushes count deliveries on every node: the demo's `dm` to a user with sessions on
//! two nodes answers 2; a room broadcast lists each node's count; a node that does not answer
//! is named; acknowledgements nobody asked for change nothing.

use std::time::Duration;

use bytes::Bytes;
use serde_json::json;
use switchboard_server::ClusterDelivery;

use crate::harness::*;
use crate::on_every_transport;
use crate::support::*;

async fn a_dm_to_a_user_on_two_nodes_answers_two(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut bob_a = Raw::user(&a.running, "bob").await;
    let mut bob_b = Raw::user(&b.running, "bob").await;
    knows(a.srv(), "b", "user:bob").await;
    let mut carol = Raw::user(&a.running, "carol").await;
    let reply = carol
        .request(1, "dm", json!({"to":"bob","text":"psst"}))
        .await;
    assert_eq!(reply, json!({"t":"res","i":1,"d":{"delivered":2}}));
    let expected =
        vec![json!({"t":"evt","e":"message","d":{"room":"dm:carol","text":"psst","from":"carol"}})];
    assert_eq!(bob_a.next_n(1).await, expected);
    assert_eq!(bob_b.next_n(1).await, expected);
    // From a node holding none of bob's sessions: both counts come from elsewhere.
    let mut dave = Raw::user(&b.running, "dave").await;
    knows(a.srv(), "b", "user:dave").await;
    let reply = Raw::user(&a.running, "erin")
        .await
        .request(1, "dm", json!({"to":"dave","text":"hi"}))
        .await;
    assert_eq!(reply["d"], json!({"delivered":1}));
    assert_eq!(dave.next_n(1).await[0]["d"]["from"], "erin");
    assert!(a.faults.all().is_empty(), "{:?}", a.faults.all());
}
on_every_transport!(a_dm_to_a_user_on_two_nodes_answers_two);

async fn a_confirmed_room_broadcast_counts_each_node(t: Transport) {
    let nodes = cluster(&t, &["a", "b", "c"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut members = Vec::new();
    for (node, name) in [(a, "x"), (b, "y"), (b, "z")] {
        let mut m = Raw::user(&node.running, name).await;
        m.request(1, "join", json!({"room":"r"})).await;
        members.push(m);
    }
    knows(a.srv(), "b", "room:r").await;
    let msg = json!({"room":"r","text":"all","from":"s"});
    let delivery = a
        .srv()
        .room("r")
        .broadcast_confirmed("message", &msg, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        delivery,
        ClusterDelivery {
            local: 1,
            remote: [("b".to_owned(), 2)].into_iter().collect(),
            unanswered: vec![],
        },
        "c has no member, so it is not asked"
    );
    assert_eq!(delivery.total(), 3);
    // Filters apply on every node, counts too.
    let delivery = a
        .srv()
        .room("r")
        .target()
        .only_users(["z"])
        .broadcast_confirmed("message", &msg, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!((delivery.local, delivery.total()), (0, 1));
}
on_every_transport!(a_confirmed_room_broadcast_counts_each_node);

/// A raw cluster message, as a node named `from` would send it.
fn envelope(from: &str, body: serde_json::Value) -> Bytes {
    let mut v = json!({"sb":1,"from":from});
    for (k, val) in body.as_object().unwrap() {
        v[k] = val.clone();
    }
    Bytes::from(v.to_string())
}

async fn a_silent_node_is_named_and_stray_answers_count_for_nothing(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut bob_a = Raw::user(&a.running, "bob").await;
    let _bob_b = Raw::user(&b.running, "bob").await;
    knows(a.srv(), "b", "user:bob").await;
    // A "node" that says it holds bob's sessions and never answers anything.
    let ghost = t.adapter().await;
    let hello = json!({"k":"hello","prefix":"ghost","interest":["user:bob"],"started_at_us":0});
    ghost
        .publish("ctl", envelope("ghost", hello.clone()))
        .unwrap();
    knows(a.srv(), "ghost", "user:bob").await;
    // Garbage and answers to pushes nobody sent, from a node nobody asked: ignored, no panic.
    for body in [
        json!({"k":"delivered","ack":1,"n":1_000_000}),
        json!({"k":"delivered","ack":-1,"n":1}),
        json!({"k":"delivered","ack":"x","n":1}),
        json!({"k":"delivered"}),
    ] {
        ghost.publish("node:a", envelope("stranger", body)).unwrap();
    }
    ghost.publish("ctl", envelope("ghost", hello)).unwrap();
    let delivery = a
        .srv()
        .to_user("bob")
        .emit_confirmed(
            "message",
            &json!({"room":"dm:s","text":"?","from":"s"}),
            Duration::from_millis(500),
        )
        .await
        .unwrap();
    assert_eq!(delivery.local, 1);
    assert_eq!(
        delivery.remote,
        [("b".to_owned(), 1)].into_iter().collect(),
        "{delivery:?}"
    );
    assert_eq!(delivery.unanswered, vec!["ghost".to_owned()]);
    assert!(!delivery.complete());
    assert_eq!(delivery.total(), 2);
    assert_eq!(bob_a.next_n(1).await[0]["d"]["text"], "?");
    // The node goes on answering.
    let mut carol = Raw::user(&a.running, "carol").await;
    assert_eq!(
        carol.request(1, "join", json!({"room":"r"})).await["t"],
        "res"
    );
}
on_every_transport!(a_silent_node_is_named_and_stray_answers_count_for_nothing);
