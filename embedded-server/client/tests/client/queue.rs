//! Calls made while disconnected wait in a bounded queue and go out once connected.

use crate::peer;

use std::time::Duration;

use peer::{connected, wait_state, Peer};
use serde_json::{json, Value};
use switchboard_client::{Client, ClientError, ConnState};

#[tokio::test]
async fn requests_made_while_reconnecting_are_sent_once_connected() {
    let peer = Peer::bind().await;
    let (client, conn) = connected(&peer, peer.options()).await;

    drop(conn);
    wait_state(&client, |s| matches!(s, ConnState::Reconnecting { .. })).await;
    // The peer is not accepting yet, so the client cannot be connected: these are queued.
    let queued: Vec<_> = (0..3)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.request("queued", json!(n)).await })
        })
        .collect();
    // Let every spawned request reach the driver's queue before the peer accepts; if one were
    // late it would simply be sent after connecting, which the assertions below also accept.
    tokio::task::yield_now().await;

    let mut conn = peer.accept(Value::Null).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let req = conn.expect("req").await;
        assert_eq!(req["m"], "queued");
        seen.push(req["d"].as_i64().unwrap());
        conn.send(json!({"t": "res", "i": req["i"], "d": req["d"]}))
            .await;
    }
    seen.sort();
    assert_eq!(seen, vec![0, 1, 2]);
    for (n, call) in queued.into_iter().enumerate() {
        assert_eq!(call.await.unwrap().unwrap(), json!(n));
    }
}

#[tokio::test]
async fn a_full_queue_refuses_at_once() {
    let peer = Peer::bind().await;
    // Nobody accepts yet: the client stays in its first connection attempt.
    let client = Client::connect(peer.options().queue_limit(1));

    let first = client.request("first", Value::Null);
    let second = client.request("second", Value::Null);
    tokio::pin!(first);
    // `biased` polls `first` before `second`, so its command is queued first and `second`
    // finds the queue full.
    let refused = tokio::select! {
        biased;
        _ = &mut first => panic!("`first` finished before the client connected"),
        r = second => r,
    };
    assert_eq!(refused.unwrap_err(), ClientError::QueueFull);

    let mut conn = peer.accept(Value::Null).await;
    let (answer, ()) = tokio::join!(first, async {
        let req = conn.expect("req").await;
        assert_eq!(req["m"], "first");
        assert_eq!(req["i"], 1);
        conn.send(json!({"t": "res", "i": 1, "d": "delivered"}))
            .await;
    });
    assert_eq!(answer.unwrap(), json!("delivered"));
}

#[tokio::test]
async fn a_queued_request_whose_caller_gave_up_is_never_sent() {
    let peer = Peer::bind().await;
    let client = Client::connect(peer.options());

    let gave_up = client
        .request_with_timeout("stale", Value::Null, Duration::from_millis(20))
        .await;
    assert_eq!(gave_up.unwrap_err(), ClientError::Timeout);

    let mut conn = peer.accept(Value::Null).await;
    client.wait_connected(peer::WAIT).await.unwrap();
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.request("fresh", Value::Null).await }
    });
    let req = conn.expect("req").await;
    assert_eq!(
        req["m"], "fresh",
        "the timed-out request must not reach the server"
    );
    conn.send(json!({"t": "res", "i": req["i"], "d": null}))
        .await;
    call.await.unwrap().unwrap();
}
