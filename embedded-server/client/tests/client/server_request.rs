//! Server-to-client requests (`sreq`) are answered with `sres` or `serr`.

use crate::peer;

use futures_util::FutureExt;
use peer::{connected, Peer};
use serde_json::json;
use switchboard_wire::ErrorCode;

#[tokio::test]
async fn sreq_is_answered_by_its_handler() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    client.on_request("confirm", |d| {
        async move { Ok(json!({"ok": true, "echo": d})) }.boxed()
    });
    client.on_request("deny", |_| {
        async move { Err((ErrorCode::FORBIDDEN, "not today".to_owned())) }.boxed()
    });

    conn.send(json!({"t": "sreq", "i": 7, "m": "confirm", "d": {"q": 1}}))
        .await;
    assert_eq!(
        conn.recv().await,
        json!({"t": "sres", "i": 7, "d": {"ok": true, "echo": {"q": 1}}})
    );

    conn.send(json!({"t": "sreq", "i": 8, "m": "deny", "d": null}))
        .await;
    assert_eq!(
        conn.recv().await,
        json!({"t": "serr", "i": 8, "code": "FORBIDDEN", "m": "not today"})
    );
}

#[tokio::test]
async fn unknown_sreq_is_answered_not_found() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    conn.send(json!({"t": "sreq", "i": 1, "m": "nope", "d": null}))
        .await;
    assert_eq!(
        conn.recv().await,
        json!({"t": "serr", "i": 1, "code": "NOT_FOUND", "m": "Unknown message: nope"})
    );

    // A removed handler is as good as none.
    let handler = client.on_request("gone", |_| async { Ok(json!(1)) }.boxed());
    handler.off();
    conn.send(json!({"t": "sreq", "i": 2, "m": "gone", "d": null}))
        .await;
    assert_eq!(conn.expect("serr").await["code"], "NOT_FOUND");
}

#[tokio::test]
async fn panicking_handler_is_answered_internal_and_the_client_survives() {
    let peer = Peer::bind().await;
    let (client, mut conn) = connected(&peer, peer.options()).await;

    client.on_request("boom_now", |_| {
        panic!("handler panicked before returning a future")
    });
    client.on_request("boom_later", |_| {
        async { panic!("handler future panicked") }.boxed()
    });

    for (i, m) in [(1, "boom_now"), (2, "boom_later")] {
        conn.send(json!({"t": "sreq", "i": i, "m": m, "d": null}))
            .await;
        let answer = conn.expect("serr").await;
        assert_eq!(answer["i"], i);
        assert_eq!(answer["code"], "INTERNAL");
    }

    conn.send(json!({"t": "ping"})).await;
    conn.expect("pong").await;
}
