//! A panicking listener does not take the connection down.

use crate::peer;

use peer::{connected, Peer, WAIT};
use serde_json::{json, Value};
use switchboard_client::ConnState;

#[tokio::test]
async fn listener_panics_are_contained() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    client.on("boom", |_| panic!("listener panicked on purpose"));
    let mut boom = client.events("boom", 8);

    conn.send(json!({"t": "evt", "e": "boom", "d": 1})).await;
    conn.send(json!({"t": "evt", "e": "boom", "d": 2})).await;
    // The other listener of the same event still gets both, and the panicking one stays
    // registered without killing the driver.
    for expected in [1, 2] {
        let got = tokio::time::timeout(WAIT, boom.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, json!(expected));
    }

    // The socket task is alive: it still answers pings and requests.
    conn.send(json!({"t": "ping"})).await;
    conn.expect("pong").await;
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.request("still-there", Value::Null).await }
    });
    let req = conn.expect("req").await;
    conn.send(json!({"t": "res", "i": req["i"], "d": true}))
        .await;
    assert_eq!(call.await.unwrap().unwrap(), json!(true));
    assert_eq!(client.state(), ConnState::Connected);
}
