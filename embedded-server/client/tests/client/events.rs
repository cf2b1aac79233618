//! Pushes: `evt` to listeners, `once`, streams, `off`, the `env`, connection-level `err`.

use crate::peer;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use peer::{Peer, WAIT};
use serde_json::json;
use switchboard_client::{Client, ClientError, ConnectionError};
use switchboard_wire::ErrorCode;

#[tokio::test]
async fn events_reach_listeners_once_and_streams() {
    let peer = Peer::bind().await;
    let client = Client::connect(peer.options());
    let mut conn = peer.accept(json!({"user": "alice"})).await;
    client.wait_connected(WAIT).await.unwrap();
    assert_eq!(
        client.env(),
        json!({"user": "alice"}),
        "env is current once connected"
    );

    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = client.on("message", {
        let seen = seen.clone();
        move |d| seen.lock().unwrap().push(d)
    });
    let mut stream = client.events("message", 8);

    let (first, ()) = tokio::join!(client.once("message", WAIT), async {
        conn.send(json!({"t": "evt", "e": "message", "d": {"text": "hello"}}))
            .await;
    });
    assert_eq!(first.unwrap(), json!({"text": "hello"}));
    let got = tokio::time::timeout(WAIT, stream.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, json!({"text": "hello"}));

    listener.off();
    conn.send(json!({"t": "evt", "e": "message", "d": {"text": "second"}}))
        .await;
    conn.send(json!({"t": "evt", "e": "other", "d": null}))
        .await;
    let got = tokio::time::timeout(WAIT, stream.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, json!({"text": "second"}));
    // The stream saw "second", so the driver already dispatched it: the removed listener did not.
    assert_eq!(*seen.lock().unwrap(), vec![json!({"text": "hello"})]);

    assert_eq!(
        client
            .once("never", Duration::from_millis(20))
            .await
            .unwrap_err(),
        ClientError::Timeout
    );
}

#[tokio::test]
async fn env_updates_and_connection_errors_are_visible() {
    let peer = Peer::bind().await;
    let client = Client::connect(peer.options());
    let mut conn = peer.accept(serde_json::Value::Null).await;
    client.wait_connected(WAIT).await.unwrap();
    let mut env = client.watch_env();
    let mut errors = client.errors(8);

    conn.send(json!({"t": "env", "d": {"level": 2}})).await;
    tokio::time::timeout(WAIT, env.wait_for(|d| *d == json!({"level": 2})))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(client.env(), json!({"level": 2}));

    conn.send(json!({"t": "err", "code": "BAD_REQUEST", "m": "frame is not valid JSON"}))
        .await;
    let error = tokio::time::timeout(WAIT, errors.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        error,
        ConnectionError::Remote {
            code: ErrorCode::BAD_REQUEST,
            message: "frame is not valid JSON".into(),
            data: None
        }
    );
}

#[tokio::test]
async fn a_full_stream_drops_instead_of_blocking() {
    let peer = Peer::bind().await;
    let client = Client::connect(peer.options());
    let mut conn = peer.accept(serde_json::Value::Null).await;
    client.wait_connected(WAIT).await.unwrap();

    let mut small = client.events("tick", 1);
    for n in 0..3 {
        conn.send(json!({"t": "evt", "e": "tick", "d": n})).await;
    }
    // A ping round trip proves the driver handled all three ticks without waiting on us.
    conn.send(json!({"t": "ping"})).await;
    conn.expect("pong").await;
    assert_eq!(small.recv().await.unwrap(), json!(0));
    assert_eq!(client.dropped(), 2);
}
