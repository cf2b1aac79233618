//! One connection may be in at most `max_rooms_per_conn` rooms and subscribe to at most
//! `max_topics_per_conn` topics; past either cap the join or subscribe is answered with a
//! `LIMIT_EXCEEDED` error naming the cap, and nothing is created for it.

use serde_json::json;
use switchboard_demo as demo;
use switchboard_server::{MembershipError, PushError};

use crate::support::*;

#[tokio::test]
async fn joins_past_the_room_cap_are_refused_with_a_clear_error() {
    let mut config = test_config();
    config.max_rooms_per_conn = 3;
    let server = start(demo::builder().unwrap().config(config)).await;
    let srv = server.server.clone();
    let mut alice = Raw::user(&server, "alice").await;
    for (i, room) in ["r1", "r2", "r3"].into_iter().enumerate() {
        let reply = alice
            .request(i as u64 + 1, "join", json!({ "room": room }))
            .await;
        assert_eq!(reply["t"], "res", "{reply}");
    }
    let refused = alice.request(4, "join", json!({"room":"r4"})).await;
    assert_eq!(refused["t"], "err", "{refused}");
    assert_eq!(refused["code"], "LIMIT_EXCEEDED", "{refused}");
    let message = refused["m"].as_str().unwrap_or_default();
    assert!(
        message.contains("3 rooms") && message.contains("r4"),
        "{message}"
    );
    assert_eq!(
        srv.room_count(),
        3,
        "no room was created for the refused join"
    );
    assert_eq!(srv.stats().membership_refusals, 1);
    // The server's own calls meet the same cap, as a typed error.
    let conn = srv.conn(&srv.local()[0].id).expect("alice");
    assert_eq!(
        conn.join("r9"),
        Err(MembershipError::TooManyRooms {
            room: "r9".into(),
            limit: 3
        })
    );
    assert_eq!(conn.join("r1"), Ok(false), "already in: still a no-op");
    // Joining a room it is already in is still a no-op; leaving makes room for another.
    assert_eq!(
        alice.request(5, "join", json!({"room":"r1"})).await["t"],
        "res"
    );
    assert_eq!(
        alice.request(6, "leave", json!({"room":"r1"})).await["t"],
        "res"
    );
    assert_eq!(
        alice.request(7, "join", json!({"room":"r4"})).await["t"],
        "res"
    );
    // The cap is per connection: another client joins freely.
    let mut bob = Raw::user(&server, "bob").await;
    assert_eq!(
        bob.request(1, "join", json!({"room":"r5"})).await["t"],
        "res"
    );
}

#[tokio::test]
async fn subscribes_past_the_topic_cap_are_refused_with_a_clear_error() {
    let mut config = test_config();
    config.max_topics_per_conn = 1;
    let server = start(demo::builder().unwrap().config(config)).await;
    let srv = server.server.clone();
    let mut alice = Raw::user(&server, "alice").await;
    alice.send(json!({"t":"sub","i":1,"c":"announce"})).await;
    let (ok, _) = alice.next_of("res").await;
    assert_eq!(ok["i"], 1);
    alice.send(json!({"t":"sub","i":2,"c":"ticker"})).await;
    let (refused, _) = alice.next_of("err").await;
    assert_eq!(refused["i"], 2);
    assert_eq!(refused["code"], "LIMIT_EXCEEDED", "{refused}");
    let message = refused["m"].as_str().unwrap_or_default();
    assert!(
        message.contains("1 topics") && message.contains("ticker"),
        "{message}"
    );
    assert_eq!(srv.topic_count(), 1, "the refused topic has no subscriber");
    let conn = srv.conn(&srv.local()[0].id).expect("alice");
    match conn.subscribe("ticker") {
        Err(PushError::Limit(MembershipError::TooManyTopics { topic, limit })) => {
            assert_eq!((topic.as_str(), limit), ("ticker", 1))
        }
        other => panic!("expected the topic cap, got {other:?}"),
    }
    // A repeated subscribe is still acknowledged; after an unsubscribe the other one fits.
    alice.send(json!({"t":"sub","i":3,"c":"announce"})).await;
    assert_eq!(alice.next_of("res").await.0["i"], 3);
    alice.send(json!({"t":"unsub","c":"announce"})).await;
    alice.send(json!({"t":"sub","i":4,"c":"ticker"})).await;
    assert_eq!(alice.next_of("res").await.0["i"], 4);
    assert_eq!(srv.stats().membership_refusals, 2);
}
