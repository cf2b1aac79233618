//! A client that stops reading is closed as a slow consumer; the others are not held up.

use serde_json::json;
use switchboard_demo as demo;
use switchboard_server::FaultKind;

use crate::support::*;

#[tokio::test]
async fn a_full_outbound_queue_closes_the_connection() {
    let faults = Faults::default();
    let mut config = test_config();
    config.outbound_queue = 4;
    config.max_frame_bytes = 1 << 20;
    let server = start(
        demo::builder()
            .unwrap()
            .config(config)
            .on_error(faults.hook()),
    )
    .await;
    // `stuck` joins and then never reads again.
    let mut stuck = Raw::user(&server, "stuck").await;
    stuck.request(1, "join", json!({"room":"big"})).await;
    let mut reader = Raw::user(&server, "reader").await;
    reader.request(1, "join", json!({"room":"big"})).await;
    let text = "z".repeat(256 * 1024);
    let srv = server.server.clone();
    let room = srv.room("big");
    // Keep broadcasting large frames until the stuck client's socket buffers and then its
    // queue are full; the reader keeps draining so it never falls behind.
    let mut sent = 0;
    while srv.stats().slow_consumers == 0 {
        room.broadcast("message", &json!({"room":"big","text":text,"from":"s"}))
            .unwrap();
        sent += 1;
        let frames = reader.drain().await;
        // Besides the broadcast, the demo's notice that `stuck` left may be among them.
        let broadcasts = frames.iter().filter(|f| f["d"]["from"] == "s").count();
        assert_eq!(broadcasts, 1, "{:?}", frames.len());
        assert!(sent < 2000, "the stuck client was never closed");
        tokio::task::yield_now().await;
    }
    eventually("stuck client removed", || srv.connection_count() == 1).await;
    assert!(faults
        .all()
        .iter()
        .any(|(c, m)| c.kind == FaultKind::Disconnect && m.contains("slow consumer")));
    assert_eq!(
        reader
            .request(2, "say", json!({"room":"big","text":"still here"}))
            .await["t"],
        "res"
    );
}
