//! Topics: subscribe acks, unknown topics and plain events refused, authorisation, role
//! scoping, unsubscribe, and subscriptions vanishing with the connection.

use serde_json::json;
use switchboard_demo as demo;
use switchboard_server::PushError;

use crate::support::*;

#[tokio::test]
async fn subscribe_is_acked_with_null_and_publishes_arrive() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    alice.send(json!({"t":"sub","i":1,"c":"ticker"})).await;
    assert_eq!(alice.next().await, json!({"t":"res","i":1,"d":null}));
    let n = server
        .server
        .for_role("user")
        .publish("ticker", &json!({"n": 7}))
        .unwrap();
    assert_eq!(n, 1);
    let node = server.server.node_id().to_owned();
    assert_eq!(
        alice.drain().await,
        vec![json!({"t":"pub","c":"ticker","d":{"n":7},"nd":node})]
    );
}

#[tokio::test]
async fn unknown_topics_and_plain_events_are_not_found() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    alice.send(json!({"t":"sub","i":1,"c":"weather"})).await;
    assert_eq!(
        alice.next().await,
        json!({"t":"err","i":1,"code":"NOT_FOUND","m":"Unknown topic: weather"})
    );
    alice.send(json!({"t":"sub","i":2,"c":"message"})).await;
    assert_eq!(alice.next().await["code"], "NOT_FOUND");
    // An agent cannot see the users' topic.
    let mut agent = Raw::agent(&server, "a").await;
    agent.send(json!({"t":"sub","i":1,"c":"ticker"})).await;
    assert_eq!(agent.next().await["code"], "NOT_FOUND");
}

#[tokio::test]
async fn role_publish_reaches_that_roles_subscribers_only() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut bob = Raw::user(&server, "bob").await;
    let mut agent = Raw::agent(&server, "a").await;
    alice.send(json!({"t":"sub","i":1,"c":"ticker"})).await;
    alice.next().await;
    agent.send(json!({"t":"sub","i":1,"c":"announce"})).await;
    agent.next().await;
    assert_eq!(
        server
            .server
            .for_role("user")
            .publish("ticker", &json!({"n":1}))
            .unwrap(),
        1
    );
    assert_eq!(alice.drain().await.len(), 1);
    assert!(bob.drain().await.is_empty(), "bob did not subscribe");
    assert!(agent.drain().await.is_empty());
    assert!(matches!(
        server
            .server
            .for_role("agent")
            .publish("ticker", &json!({"n":1})),
        Err(PushError::UnknownTopic(_))
    ));
    assert!(matches!(
        server
            .server
            .for_role("ghost")
            .publish("ticker", &json!({"n":1})),
        Err(PushError::UnknownRole(_))
    ));
}

#[tokio::test]
async fn unsubscribe_stops_delivery_and_disconnect_drops_subscriptions() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut bob = Raw::user(&server, "bob").await;
    for raw in [&mut alice, &mut bob] {
        raw.send(json!({"t":"sub","i":1,"c":"ticker"})).await;
        raw.next().await;
    }
    alice.send(json!({"t":"unsub","c":"ticker"})).await;
    alice.drain().await; // the unsub is processed before the pong
    assert_eq!(
        server
            .server
            .for_role("user")
            .publish("ticker", &json!({"n":2}))
            .unwrap(),
        1
    );
    assert!(alice.drain().await.is_empty());
    bob.close().await;
    let srv = server.server.clone();
    eventually("bob gone", || srv.connection_count() == 1).await;
    assert!(
        server.server.topics_info().is_empty(),
        "{:?}",
        server.server.topics_info()
    );
}

#[tokio::test]
async fn authorize_subscribe_can_deny_with_forbidden() {
    let builder = demo::builder()
        .unwrap()
        .config(test_config())
        .authorize_subscribe(|conn, topic| async move {
            !(topic == "ticker" && conn.user() == "mallory")
        });
    let server = start(builder).await;
    let mut mallory = Raw::user(&server, "mallory").await;
    mallory.send(json!({"t":"sub","i":1,"c":"ticker"})).await;
    let f = mallory.next().await;
    assert_eq!(f["code"], "FORBIDDEN");
    assert_eq!(f["i"], 1);
    let mut alice = Raw::user(&server, "alice").await;
    alice.send(json!({"t":"sub","i":1,"c":"ticker"})).await;
    assert_eq!(alice.next().await["t"], "res");
}

#[tokio::test]
async fn the_demo_ticker_publishes_to_subscribed_users() {
    let server = start_demo().await;
    demo::spawn_ticker(&server.server, std::time::Duration::from_millis(20));
    let mut alice = Raw::user(&server, "alice").await;
    alice.send(json!({"t":"sub","i":1,"c":"ticker"})).await;
    let (f, _) = alice.next_of("pub").await;
    assert_eq!(f["c"], "ticker");
    assert!(f["d"]["n"].as_u64().unwrap() >= 1);
}
