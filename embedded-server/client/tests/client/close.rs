//! `close()` ends everything: pending calls fail with `Closed`, and nothing reconnects.

use crate::peer;

use peer::{connected, Peer, WAIT};
use serde_json::Value;
use switchboard_client::{Client, ClientError, ConnState};

#[tokio::test]
async fn close_fails_pending_requests_and_closes_the_socket() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    let call = tokio::spawn({
        let client = client.clone();
        async move { client.request("never-answered", Value::Null).await }
    });
    conn.expect("req").await;

    let (_, ()) = tokio::join!(client.close(), conn.expect_close());
    assert_eq!(call.await.unwrap().unwrap_err(), ClientError::Closed);
    assert_eq!(client.state(), ConnState::Closed);

    assert_eq!(
        client.request("after", Value::Null).await.unwrap_err(),
        ClientError::Closed
    );
    assert_eq!(
        client.subscribe("t", |_| {}).await.unwrap_err(),
        ClientError::Closed
    );
    assert_eq!(
        client.wait_connected(WAIT).await.unwrap_err(),
        ClientError::Closed
    );
    // Closing twice is harmless.
    client.close().await;
}

#[tokio::test]
async fn close_while_reconnecting_fails_queued_requests() {
    let peer = Peer::bind().await;
    let client = Client::connect(peer.options());

    let queued = tokio::spawn({
        let client = client.clone();
        async move { client.request("queued", Value::Null).await }
    });
    tokio::task::yield_now().await;
    client.close().await;
    assert_eq!(queued.await.unwrap().unwrap_err(), ClientError::Closed);
    assert_eq!(client.state(), ConnState::Closed);
}

#[tokio::test]
async fn dropping_every_handle_closes_the_socket() {
    let peer = Peer::bind().await;
    let (client, conn) = connected(&peer, peer.options()).await;
    let state = client.watch_state();
    drop(client);
    conn.expect_close().await;
    let mut state = state;
    tokio::time::timeout(WAIT, state.wait_for(|s| *s == ConnState::Closed))
        .await
        .unwrap()
        .unwrap();
}
