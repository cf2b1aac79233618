//! Server-to-client requests: answered, refused, timed out, or cut by a disconnect.

use std::time::Duration;

use serde_json::json;
use switchboard_server::RequestError;

use crate::support::*;

async fn one_user() -> (switchboard_server::RunningServer, Raw, String) {
    let server = start_demo().await;
    let raw = Raw::user(&server, "alice").await;
    let id = server.server.local()[0].id.clone();
    (server, raw, id)
}

#[tokio::test]
async fn sreq_is_answered_by_sres() {
    let (server, mut alice, id) = one_user().await;
    let srv = server.server.clone();
    let ask = tokio::spawn(async move {
        srv.to_conn(&id)
            .request("confirm", &json!({"q":"sure?"}))
            .await
    });
    let f = alice.next().await;
    assert_eq!(f["t"], "sreq");
    assert_eq!(f["m"], "confirm");
    assert_eq!(f["d"], json!({"q":"sure?"}));
    alice
        .send(json!({"t":"sres","i":f["i"],"d":{"yes":true}}))
        .await;
    assert_eq!(ask.await.unwrap().unwrap(), json!({"yes":true}));
}

#[tokio::test]
async fn serr_becomes_a_remote_error() {
    let (server, mut alice, id) = one_user().await;
    let srv = server.server.clone();
    let ask = tokio::spawn(async move { srv.to_conn(&id).request("confirm", &json!({})).await });
    let f = alice.next().await;
    alice
        .send(json!({"t":"serr","i":f["i"],"code":"FORBIDDEN","m":"no"}))
        .await;
    match ask.await.unwrap() {
        Err(RequestError::Remote { code, message, .. }) => {
            assert_eq!(code.as_str(), "FORBIDDEN");
            assert_eq!(message, "no");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_unanswered_sreq_times_out() {
    let (server, mut alice, id) = one_user().await;
    let r = server
        .server
        .to_conn(&id)
        .request_with_timeout("confirm", &json!({}), Duration::from_millis(50))
        .await;
    assert!(matches!(r, Err(RequestError::Timeout)), "{r:?}");
    // A late answer is ignored without harm.
    let f = alice.next().await;
    alice.send(json!({"t":"sres","i":f["i"],"d":null})).await;
    assert_eq!(
        alice.request(1, "join", json!({"room":"a"})).await["t"],
        "res"
    );
}

#[tokio::test]
async fn a_disconnect_fails_the_pending_sreq() {
    let (server, mut alice, id) = one_user().await;
    let srv = server.server.clone();
    let ask = tokio::spawn(async move { srv.to_conn(&id).request("confirm", &json!({})).await });
    alice.next().await;
    alice.close().await;
    assert!(matches!(
        ask.await.unwrap(),
        Err(RequestError::Disconnected)
    ));
    assert!(matches!(
        server
            .server
            .to_conn("ghost")
            .request("x", &json!({}))
            .await,
        Err(RequestError::NotConnected(_))
    ));
}
