//! A client that stops reading still has its requests read and handled: the reader never waits
//! for the connection's writer, so a stuck socket does not hide the client's further requests
//! (and what they queue still counts toward the queue's bounds).

use futures_util::SinkExt;
use serde_json::json;
use switchboard_demo as demo;
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

#[tokio::test]
async fn the_requests_of_a_client_that_never_reads_are_still_handled() {
    let mut config = test_config();
    // The stuck writer must not end the connection while the test runs, however slowly.
    config.write_timeout = std::time::Duration::from_secs(3600);
    let server = start(demo::builder().unwrap().config(config)).await;
    let srv = server.server.clone();
    let mut hoarder = Raw::user(&server, "hoarder").await;
    let queued = || srv.local().first().map_or(0, |c| c.queue_bytes);
    // Large dms to itself, never read, until a megabyte waits in the server (the socket's
    // buffers are full and the writer is stuck): under the 4 MiB bound, so it stays open.
    let text = "x".repeat(64 * 1024);
    let mut i = 0u64;
    while queued() < 1 << 20 {
        i += 1;
        assert!(i < 2_000, "the queue never grew: {} bytes", queued());
        let req = json!({"t":"req","i":i,"m":"dm","d":{"to":"hoarder","text":text}});
        hoarder
            .ws
            .send(Message::text(req.to_string()))
            .await
            .expect("send");
        let srv = srv.clone();
        // Each dm is handled before the next is sent: its reply and message are queued.
        eventually("the dm handled", move || {
            srv.local().first().is_some_and(|c| c.msgs_in == i)
        })
        .await;
    }
    let req = json!({"t":"req","i":i + 1,"m":"join","d":{"room":"still-heard"}});
    hoarder
        .ws
        .send(Message::text(req.to_string()))
        .await
        .expect("send");
    let room = srv.room("still-heard");
    eventually("the join handled behind the stuck writer", || {
        room.size() == 1
    })
    .await;
    assert_eq!(srv.stats().slow_consumers, 0);
}
