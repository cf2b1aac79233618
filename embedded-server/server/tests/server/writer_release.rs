//! A closed connection releases its socket and queued memory whatever the peer does: a peer
//! that never reads cannot keep the writer waiting past the write timeout, and the reader
//! aborts the writer instead of leaving it behind.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use switchboard_demo as demo;

use crate::support::*;

#[tokio::test]
async fn a_slow_consumer_that_never_reads_is_released() {
    let mut config = test_config();
    config.outbound_queue_bytes = 256 * 1024;
    config.write_timeout = Duration::from_millis(300);
    let server = start(demo::builder().unwrap().config(config)).await;
    let srv = server.server.clone();
    let mut stuck = Raw::user(&server, "stuck").await;
    let conn = srv
        .local()
        .pop()
        .and_then(|c| srv.conn(&c.id))
        .expect("registered");
    let message = json!({"room":"dm:s","text":"y".repeat(64 * 1024),"from":"s"});
    // Until the socket buffers and then the queue's byte bound are full.
    let mut pushed = 0;
    while conn.is_open() {
        conn.emit("message", &message).unwrap();
        pushed += 1;
        assert!(pushed < 100_000, "the stuck client was never closed");
        tokio::task::yield_now().await;
    }
    eventually("closed as a slow consumer", || {
        srv.stats().slow_consumers == 1
    })
    .await;
    eventually("the connection gone from the registry", || {
        srv.connection_count() == 0
    })
    .await;
    // The writer was waiting for a peer that reads nothing; it must still end.
    eventually("the socket released", || srv.stats().open_sockets == 0).await;
    assert_eq!(conn.queue_bytes(), 0, "the queued frames are given back");
    // From the peer's side, the socket ends once what was already sent is read.
    while let Some(Ok(_)) = tokio::time::timeout(WAIT, stuck.ws.next())
        .await
        .expect("the socket ends")
    {}
}
