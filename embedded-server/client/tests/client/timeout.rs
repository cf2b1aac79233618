//! A request nobody answers times out, and its late reply is ignored.

use crate::peer;

use std::time::Duration;

use peer::{connected, Peer};
use serde_json::{json, Value};
use switchboard_client::ClientError;
use switchboard_wire::ErrorCode;

#[tokio::test]
async fn unanswered_request_times_out_and_a_late_reply_is_ignored() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    let slow = client.request_with_timeout("slow", Value::Null, Duration::from_millis(500));
    let (error, req) = tokio::join!(slow, conn.expect("req"));
    let error = error.unwrap_err();
    assert_eq!(error, ClientError::Timeout);
    assert_eq!(error.code(), ErrorCode::TIMEOUT);

    // The answer arrives after the caller gave up: it must not be mistaken for the next reply.
    conn.send(json!({"t": "res", "i": req["i"], "d": "late"}))
        .await;

    let next = tokio::spawn({
        let client = client.clone();
        async move { client.request("fast", Value::Null).await }
    });
    let req = conn.expect("req").await;
    assert_eq!(req["i"], 2);
    conn.send(json!({"t": "res", "i": 2, "d": "on time"})).await;
    assert_eq!(next.await.unwrap().unwrap(), json!("on time"));
}
