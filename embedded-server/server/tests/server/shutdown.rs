//! Graceful shutdown: in-flight requests are answered, then every socket gets a 1001 close.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use switchboard_demo as demo;
use switchboard_server::close_code;
use switchboard_server::Server;

use crate::support::*;

#[tokio::test]
async fn in_flight_requests_are_answered_then_sockets_close() {
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let started_tx = Arc::new(std::sync::Mutex::new(Some(started_tx)));
    let builder = Server::builder(Arc::new(demo::contract().unwrap()))
        .config(test_config())
        .handle("user", "notify", move |_i, _c, _conn| {
            let tx = started_tx.lock().unwrap().take();
            async move {
                if let Some(tx) = tx {
                    let _ = tx.send(());
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok(json!({"ok": true}))
            }
        });
    let server = start(builder).await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut bob = Raw::user(&server, "bob").await;
    alice
        .send(json!({"t":"req","i":1,"m":"notify","d":{}}))
        .await;
    started_rx.await.unwrap();
    let stopping = tokio::spawn(server.shutdown());
    assert_eq!(alice.next().await, json!({"t":"res","i":1,"d":{"ok":true}}));
    let (code, reason) = alice.expect_close().await;
    assert_eq!(code, close_code::GOING_AWAY);
    assert_eq!(reason, "server shutting down");
    assert_eq!(bob.expect_close().await.0, close_code::GOING_AWAY);
    stopping.await.unwrap().unwrap();
}
