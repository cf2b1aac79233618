//! Requests: correlation by `i`, `err` replies, the query string, the shared id counter.

use crate::peer;

use peer::{connected, Peer, WAIT};
use serde_json::{json, Value};
use switchboard_client::{Client, ClientError};
use switchboard_wire::ErrorCode;

#[tokio::test]
async fn replies_are_matched_to_requests_by_id() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options().param("name", "alice")).await;
    assert_eq!(conn.query, "role=user&name=alice");

    let first = tokio::spawn({
        let client = client.clone();
        async move { client.request("join", json!({"room": "lobby"})).await }
    });
    let req1 = conn.expect("req").await;
    assert_eq!(
        req1,
        json!({"t": "req", "i": 1, "m": "join", "d": {"room": "lobby"}})
    );

    let second = tokio::spawn({
        let client = client.clone();
        async move { client.request("say", json!({"text": "hi"})).await }
    });
    let req2 = conn.expect("req").await;
    assert_eq!(req2["i"], 2);
    assert_eq!(req2["m"], "say");

    // Answer out of order: each caller must still get its own reply.
    conn.send(json!({"t": "res", "i": 2, "d": "second"})).await;
    conn.send(json!({"t": "res", "i": 1, "d": "first"})).await;
    assert_eq!(first.await.unwrap().unwrap(), json!("first"));
    assert_eq!(second.await.unwrap().unwrap(), json!("second"));
}

#[tokio::test]
async fn err_replies_become_remote_errors() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    let call = tokio::spawn({
        let client = client.clone();
        async move { client.request("say", json!({"room": 42})).await }
    });
    let req = conn.expect("req").await;
    let issues = json!([{"path": ["room"], "message": "expected string"}]);
    conn.send(json!({"t": "err", "i": req["i"], "code": "VALIDATION", "m": "Validation failed", "d": issues}))
        .await;

    let error = call.await.unwrap().unwrap_err();
    assert_eq!(
        error,
        ClientError::Remote {
            code: ErrorCode::VALIDATION,
            message: "Validation failed".into(),
            data: Some(issues),
        }
    );
    assert_eq!(error.code(), ErrorCode::VALIDATION);
}

#[tokio::test]
async fn requests_and_subscribes_share_one_id_counter() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    let answered = |client: Client| async move { client.request("a", Value::Null).await };
    let call = tokio::spawn(answered(client.clone()));
    assert_eq!(conn.expect("req").await["i"], 1);
    conn.send(json!({"t": "res", "i": 1, "d": null})).await;
    call.await.unwrap().unwrap();

    let sub = tokio::spawn({
        let client = client.clone();
        async move { client.subscribe("announce", |_| {}).await.map(|_| ()) }
    });
    assert_eq!(
        conn.expect("sub").await,
        json!({"t": "sub", "i": 2, "c": "announce"})
    );
    conn.send(json!({"t": "res", "i": 2, "d": null})).await;
    tokio::time::timeout(WAIT, sub)
        .await
        .unwrap()
        .unwrap()
        .unwrap();

    let call = tokio::spawn(answered(client.clone()));
    assert_eq!(conn.expect("req").await["i"], 3);
    conn.send(json!({"t": "res", "i": 3, "d": null})).await;
    call.await.unwrap().unwrap();
}
