//! The interest a node announces to the cluster is kept up to date as connections come and
//! go, join and leave rooms, and subscribe: after every step it equals the interest computed
//! from scratch from the registries, and it holds exactly the expected keys.

use serde_json::json;
use switchboard_server::Server;

use crate::support::*;

/// The kept interest matches a from-scratch walk, and is `want` (sorted wire keys).
fn assert_interest(srv: &Server, want: &[&str]) {
    if let Err(drift) = srv.audit_cluster_interest() {
        panic!("{drift}");
    }
    assert_eq!(srv.cluster_interest(), want);
}

/// After a disconnect (cleaned up on the connection's own task): wait for the interest to
/// become `want`, then check it against the registries.
async fn settles(srv: &Server, want: &[&str]) {
    let srv2 = srv.clone();
    eventually(&format!("interest becomes {want:?}"), move || {
        srv2.cluster_interest() == want
    })
    .await;
    assert_interest(srv, want);
}

#[tokio::test]
async fn interest_follows_joins_leaves_subscriptions_and_disconnects() {
    let server = start_demo().await;
    let srv = &server.server;
    assert_interest(srv, &[]);

    let mut alice = Raw::user(&server, "alice").await;
    assert_interest(srv, &["conns", "user:alice"]);
    let mut alice2 = Raw::user(&server, "alice").await;
    let mut agent = Raw::agent(&server, "a1").await;
    assert_interest(srv, &["conns", "user:a1", "user:alice"]);

    alice.request(1, "join", json!({"room":"lobby"})).await;
    alice2.request(1, "join", json!({"room":"lobby"})).await;
    agent.request(1, "join", json!({"room":"desk"})).await;
    alice.send(json!({"t":"sub","i":2,"c":"ticker"})).await;
    alice.next().await;
    agent.send(json!({"t":"sub","i":2,"c":"announce"})).await;
    agent.next().await;
    let everything = [
        "conns",
        "room:desk",
        "room:lobby",
        "rtopic:user:ticker",
        "topic:announce",
        "user:a1",
        "user:alice",
    ];
    assert_interest(srv, &everything);

    // A bus listener is a second reason to want `announce`: it stays while either remains.
    let listener = srv.subscribe("announce", |_, _| {}).unwrap();
    assert_interest(srv, &everything);
    agent.send(json!({"t":"unsub","c":"announce"})).await;
    agent.request(3, "leave", json!({"room":"nowhere"})).await;
    assert_interest(srv, &everything);
    assert!(listener.unsubscribe());
    assert_interest(
        srv,
        &[
            "conns",
            "room:desk",
            "room:lobby",
            "rtopic:user:ticker",
            "user:a1",
            "user:alice",
        ],
    );

    // One of two members leaves: the room stays wanted; the second one leaving drops it.
    alice.request(3, "leave", json!({"room":"lobby"})).await;
    assert_interest(
        srv,
        &[
            "conns",
            "room:desk",
            "room:lobby",
            "rtopic:user:ticker",
            "user:a1",
            "user:alice",
        ],
    );
    alice2.request(2, "leave", json!({"room":"lobby"})).await;
    assert_interest(
        srv,
        &[
            "conns",
            "room:desk",
            "rtopic:user:ticker",
            "user:a1",
            "user:alice",
        ],
    );

    // A disconnect takes the connection's rooms, topics and (last) session with it.
    alice.request(4, "join", json!({"room":"lobby"})).await;
    alice.close().await;
    settles(srv, &["conns", "room:desk", "user:a1", "user:alice"]).await;
    agent.close().await;
    settles(srv, &["conns", "user:alice"]).await;
    alice2.close().await;
    settles(srv, &[]).await;
}

#[tokio::test]
async fn a_disconnect_leaves_other_subscribers_of_a_topic_alone() {
    let server = start_demo().await;
    let srv = &server.server;
    let mut a = Raw::user(&server, "a").await;
    let mut b = Raw::user(&server, "b").await;
    for raw in [&mut a, &mut b] {
        raw.send(json!({"t":"sub","i":1,"c":"ticker"})).await;
        raw.next().await;
        raw.send(json!({"t":"sub","i":2,"c":"announce"})).await;
        raw.next().await;
    }
    a.close().await;
    settles(
        srv,
        &["conns", "rtopic:user:ticker", "topic:announce", "user:b"],
    )
    .await;
    let srv2 = srv.clone();
    eventually("a's subscriptions are gone", move || {
        srv2.local().len() == 1 && srv2.topics_info().iter().all(|t| t.subscribers == 1)
    })
    .await;
    let topics = srv.topics_info();
    assert!(topics.iter().all(|t| t.subscribers == 1), "{topics:?}");
    assert_eq!(srv.local()[0].topics, ["announce", "ticker"]);
}
