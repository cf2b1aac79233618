//! A refused upgrade (HTTP 401) is a clear `Connect` error, and the client keeps backing off.

use crate::peer;

use std::time::Duration;

use peer::{wait_state, Peer, WAIT};
use serde_json::Value;
use switchboard_client::{Client, ClientError, ConnState, ConnectionError};

#[tokio::test]
async fn http_401_is_reported_and_retried_with_backoff() {
    let peer = Peer::bind().await;
    let client = Client::connect(peer.options());
    let mut errors = client.errors(8);

    peer.refuse().await;
    let reported = tokio::time::timeout(WAIT, errors.recv())
        .await
        .unwrap()
        .unwrap();
    let ConnectionError::Connect(message) = reported else {
        panic!("expected a connect error, got {reported:?}")
    };
    assert!(message.contains("401 Unauthorized"), "{message}");
    assert!(
        !message.contains("role="),
        "the query may carry credentials: {message}"
    );

    // The caller waiting for the connection learns why it is not up.
    let waited = client
        .wait_connected(Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(
        matches!(&waited, ClientError::Connect(m) if m.contains("401")),
        "{waited:?}"
    );

    // Still trying: a second refusal, then acceptance.
    let state = wait_state(&client, |s| matches!(s, ConnState::Reconnecting { .. })).await;
    assert!(matches!(state, ConnState::Reconnecting { attempt } if attempt >= 1));
    peer.refuse().await;
    let _conn = peer.accept(Value::Null).await;
    client.wait_connected(WAIT).await.unwrap();
}

#[tokio::test]
async fn http_401_without_reconnect_closes_with_the_reason() {
    let peer = Peer::bind().await;
    let client = Client::connect(peer.options().reconnect(false));

    peer.refuse().await;
    let error = client.wait_connected(WAIT).await.unwrap_err();
    assert!(
        matches!(&error, ClientError::Connect(m) if m.contains("401")),
        "{error:?}"
    );
    assert_eq!(client.state(), ConnState::Closed);
}
