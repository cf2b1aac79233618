//! The outbound queue is bounded in bytes as well as in frames: clients that send themselves
//! large `dm`s and never read are closed as slow consumers long before the frame bound, and no
//! connection ever holds more than the byte bound.

use futures_util::SinkExt;
use serde_json::json;
use switchboard_demo as demo;
use switchboard_server::FaultKind;
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

const LIMIT: usize = 1 << 20;
const TEXT: usize = 64 * 1024;

#[tokio::test]
async fn clients_hoarding_large_dms_are_closed_by_the_byte_bound() {
    let faults = Faults::default();
    let mut config = test_config();
    // The frame bound stays at its default (4,096): 600 frames of 64 KiB never reach it.
    config.outbound_queue_bytes = LIMIT;
    let server = start(
        demo::builder()
            .unwrap()
            .config(config)
            .on_error(faults.hook()),
    )
    .await;
    let srv = server.server.clone();
    let mut hoarders = Vec::new();
    for n in 0..3 {
        let name = format!("hoarder{n}");
        let raw = Raw::user(&server, &name).await;
        let id = srv
            .local()
            .into_iter()
            .find(|c| c.user == name)
            .expect("registered")
            .id;
        hoarders.push((name, id, raw));
    }
    let text = "x".repeat(TEXT);
    // A dm to oneself queues the message and the reply; 600 of them are 38 MiB a client, more
    // than the loopback socket buffers take, so the rest waits in the server's queue.
    let mut peak = 0;
    for i in 1..=600u64 {
        for (name, id, raw) in hoarders.iter_mut() {
            if !srv.conn(id).is_some_and(|c| c.is_open()) {
                continue;
            }
            let req = json!({"t":"req","i":i,"m":"dm","d":{"to":name,"text":text}});
            // The server may close between the check and the send: a failed send is fine.
            let _ = raw.ws.send(Message::text(req.to_string())).await;
        }
        for c in srv.local() {
            peak = peak.max(c.queue_bytes);
        }
        if hoarders
            .iter()
            .all(|(_, id, _)| !srv.conn(id).is_some_and(|c| c.is_open()))
        {
            break;
        }
    }
    eventually("the three hoarders closed as slow consumers", || {
        srv.stats().slow_consumers == 3
    })
    .await;
    eventually("the hoarders removed", || srv.connection_count() == 0).await;
    // One frame may be queued past the bound only when nothing else waits.
    assert!(
        peak <= LIMIT + TEXT + 1024,
        "a queue held {peak} bytes, over the bound of {LIMIT}"
    );
    let closed = faults
        .all()
        .into_iter()
        .filter(|(c, m)| c.kind == FaultKind::Disconnect && m.contains("bytes waiting"))
        .count();
    assert_eq!(closed, 3, "each close names the byte bound");
    // The server still serves others.
    let mut fresh = Raw::user(&server, "fresh").await;
    assert_eq!(
        fresh.request(1, "join", json!({"room":"r"})).await["t"],
        "res"
    );
}
