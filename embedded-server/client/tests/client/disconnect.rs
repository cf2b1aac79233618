//! In-flight requests fail with `Disconnected` when the socket drops.

use crate::peer;

use peer::{connected, wait_state, Peer, WAIT};
use serde_json::{json, Value};
use switchboard_client::{ClientError, ConnState};
use switchboard_wire::ErrorCode;

#[tokio::test]
async fn in_flight_request_fails_with_disconnected_and_the_client_reconnects() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    let call = tokio::spawn({
        let client = client.clone();
        async move { client.request("slow", Value::Null).await }
    });
    conn.expect("req").await;
    drop(conn);

    let error = tokio::time::timeout(WAIT, call)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert_eq!(error, ClientError::Disconnected);
    assert_eq!(error.code(), ErrorCode::DISCONNECTED);

    wait_state(&client, |s| matches!(s, ConnState::Reconnecting { .. })).await;
    let _conn = peer.accept(json!({"again": true})).await;
    client.wait_connected(WAIT).await.unwrap();
    assert_eq!(client.env(), json!({"again": true}));
}

#[tokio::test]
async fn without_reconnect_a_drop_closes_the_client() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options().reconnect(false)).await;

    let call = tokio::spawn({
        let client = client.clone();
        async move { client.request("slow", Value::Null).await }
    });
    conn.expect("req").await;
    drop(conn);

    assert_eq!(call.await.unwrap().unwrap_err(), ClientError::Disconnected);
    wait_state(&client, |s| *s == ConnState::Closed).await;
    assert_eq!(
        client.request("later", Value::Null).await.unwrap_err(),
        ClientError::Closed
    );
    assert_eq!(
        client.wait_connected(WAIT).await.unwrap_err(),
        ClientError::Disconnected
    );
}

#[tokio::test]
async fn a_close_frame_from_the_server_is_answered_and_followed_by_a_reconnect() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    let call = tokio::spawn({
        let client = client.clone();
        async move { client.request("slow", Value::Null).await }
    });
    conn.expect("req").await;
    // `close` returns once the client has answered the close handshake.
    conn.close().await;

    assert_eq!(call.await.unwrap().unwrap_err(), ClientError::Disconnected);
    let _conn = peer.accept(Value::Null).await;
    client.wait_connected(WAIT).await.unwrap();
}
