//! The server's `ping` is answered `pong`; a `pong` from the server is ignored.

use crate::peer;

use peer::{connected, Peer};
use serde_json::{json, Value};
use switchboard_client::ConnState;

#[tokio::test]
async fn ping_is_answered_and_server_pong_is_ignored() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    conn.send(json!({"t": "ping"})).await;
    assert_eq!(conn.recv().await, json!({"t": "pong"}));
    conn.send(json!({"t": "ping"})).await;
    assert_eq!(conn.recv().await, json!({"t": "pong"}));

    // A stray `pong` gets no answer: the next frame the client sends is our request.
    conn.send(json!({"t": "pong"})).await;
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.request("after", Value::Null).await }
    });
    let req = conn.expect("req").await;
    conn.send(json!({"t": "res", "i": req["i"], "d": 1})).await;
    assert_eq!(call.await.unwrap().unwrap(), json!(1));
    assert_eq!(client.state(), ConnState::Connected);
}
