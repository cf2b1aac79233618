//! Subscriptions: the ack, publishes, restoring after a reconnect, refusals, unsubscribing.

use crate::peer;

use peer::{connected, wait_state, Peer, WAIT};
use serde_json::{json, Value};
use switchboard_client::{ClientError, ConnState, ConnectionError};
use switchboard_wire::ErrorCode;
use tokio::sync::mpsc;

async fn next(rx: &mut mpsc::Receiver<Value>) -> Value {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("a publish in time")
        .expect("open")
}

#[tokio::test]
async fn subscription_is_acked_delivered_and_restored_after_reconnect() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    let (tx, mut published) = mpsc::channel(16);
    let subscribing = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .subscribe("announce", move |d| {
                    let _ = tx.try_send(d);
                })
                .await
        }
    });
    let sub = conn.expect("sub").await;
    assert_eq!(sub["c"], "announce");
    conn.send(json!({"t": "res", "i": sub["i"], "d": null}))
        .await;
    let subscription = subscribing.await.unwrap().expect("acked");
    assert_eq!(subscription.topic(), "announce");

    conn.send(json!({"t": "pub", "c": "announce", "d": {"msg": "one"}, "nd": "node-1"}))
        .await;
    assert_eq!(next(&mut published).await, json!({"msg": "one"}));

    // The server goes away; the client must come back and restore the subscription unasked.
    drop(conn);
    wait_state(&client, |s| matches!(s, ConnState::Reconnecting { .. })).await;
    let mut conn = peer.accept(Value::Null).await;
    let resub = conn.expect("sub").await;
    assert_eq!(resub["c"], "announce");
    assert_eq!(resub["i"], 2, "ids keep counting across reconnects");
    conn.send(json!({"t": "res", "i": 2, "d": null})).await;
    client.wait_connected(WAIT).await.unwrap();

    conn.send(json!({"t": "pub", "c": "announce", "d": {"msg": "two"}}))
        .await;
    assert_eq!(next(&mut published).await, json!({"msg": "two"}));
}

#[tokio::test]
async fn refused_subscribe_is_a_remote_error() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    let subscribing = tokio::spawn({
        let client = client.clone();
        async move { client.topic_stream("secret", 4).await.map(|_| ()) }
    });
    let sub = conn.expect("sub").await;
    conn.send(json!({"t": "err", "i": sub["i"], "code": "FORBIDDEN", "m": "not for you"}))
        .await;
    let error = subscribing.await.unwrap().unwrap_err();
    assert_eq!(
        error,
        ClientError::Remote {
            code: ErrorCode::FORBIDDEN,
            message: "not for you".into(),
            data: None
        }
    );

    // A refused topic is not remembered: after a reconnect nothing is re-sent for it, so the
    // first frame on the new socket is the request made after reconnecting.
    drop(conn);
    wait_state(&client, |s| matches!(s, ConnState::Reconnecting { .. })).await;
    let mut conn = peer.accept(Value::Null).await;
    client.wait_connected(WAIT).await.unwrap();
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.request("probe", Value::Null).await }
    });
    let req = conn.expect("req").await;
    conn.send(json!({"t": "res", "i": req["i"], "d": null}))
        .await;
    call.await.unwrap().unwrap();
}

#[tokio::test]
async fn unsubscribe_sends_unsub_and_forgets_the_topic() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    let subscribing = tokio::spawn({
        let client = client.clone();
        async move { client.topic_stream("news", 4).await }
    });
    let sub = conn.expect("sub").await;
    conn.send(json!({"t": "res", "i": sub["i"], "d": null}))
        .await;
    let (subscription, mut news) = subscribing.await.unwrap().unwrap();
    conn.send(json!({"t": "pub", "c": "news", "d": 1})).await;
    assert_eq!(next(&mut news).await, json!(1));

    subscription.unsubscribe().await;
    assert_eq!(conn.recv().await, json!({"t": "unsub", "c": "news"}));

    drop(conn);
    wait_state(&client, |s| matches!(s, ConnState::Reconnecting { .. })).await;
    let mut conn = peer.accept(Value::Null).await;
    client.wait_connected(WAIT).await.unwrap();
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.request("probe", Value::Null).await }
    });
    let req = conn.expect("req").await;
    conn.send(json!({"t": "res", "i": req["i"], "d": null}))
        .await;
    call.await.unwrap().unwrap();
}

#[tokio::test]
async fn refused_resubscribe_is_reported_as_a_connection_error() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;
    let mut errors = client.errors(8);

    let subscribing = tokio::spawn({
        let client = client.clone();
        async move { client.subscribe("room-feed", |_| {}).await.map(|_| ()) }
    });
    let sub = conn.expect("sub").await;
    conn.send(json!({"t": "res", "i": sub["i"], "d": null}))
        .await;
    subscribing.await.unwrap().unwrap();

    drop(conn);
    let mut conn = peer.accept(Value::Null).await;
    let resub = conn.expect("sub").await;
    conn.send(json!({"t": "err", "i": resub["i"], "code": "FORBIDDEN", "m": "revoked"}))
        .await;

    let reported = loop {
        let e = tokio::time::timeout(WAIT, errors.recv())
            .await
            .unwrap()
            .unwrap();
        if let ConnectionError::Resubscribe { .. } = e {
            break e;
        }
    };
    assert_eq!(
        reported,
        ConnectionError::Resubscribe {
            topic: "room-feed".into(),
            code: ErrorCode::FORBIDDEN,
            message: "revoked".into()
        }
    );
}
