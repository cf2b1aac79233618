//! A console that never reads: its session drops events and reports every one of them, and
//! the clients of the application receive every broadcast, none closed as slow. Counts only:
//! nothing here depends on how fast the machine is.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::json;
use switchboard_inspector::{InspectorConfig, SessionLimits};

use crate::support::*;

const TOTAL: usize = 3000;
const BATCH: usize = 250;

#[tokio::test]
async fn a_console_that_never_reads_loses_counted_events_and_never_slows_a_broadcast() {
    let server = start_demo().await;
    let alice = client(&server, "user", "alice").await;
    let bob = client(&server, "agent", "bob").await;
    let received: Vec<Arc<AtomicUsize>> = vec![Arc::default(), Arc::default()];
    let mut listeners = Vec::new();
    for (c, n) in [&alice, &bob].into_iter().zip(&received) {
        c.request("join", json!({"room":"r"})).await.unwrap();
        let n = n.clone();
        listeners.push(c.on("message", move |_| {
            n.fetch_add(1, Ordering::Relaxed);
        }));
    }
    let inspector = start_inspector_with(
        &server,
        InspectorConfig {
            session: SessionLimits {
                queue_frames: 64,
                outbox: 4,
                ..SessionLimits::default()
            },
            ..InspectorConfig::default()
        },
    )
    .await;
    // A small receive buffer so the socket fills long before the broadcasts end.
    let mut slow = raw_attach(&inspector, Some(4096)).await;

    // About 25 MB of events, far more than the session's queue and the socket's buffers hold.
    let text = "x".repeat(8 * 1024);
    let payload = json!({"room":"r","text":text,"from":"server"});
    let room = server.server.room("r");
    for batch in 1..=TOTAL / BATCH {
        for _ in 0..BATCH {
            assert_eq!(room.broadcast("message", &payload).unwrap(), 2);
        }
        let sent = batch * BATCH;
        eventually("both clients to receive every broadcast so far", || {
            received.iter().all(|n| n.load(Ordering::Relaxed) == sent)
        })
        .await;
    }
    assert_eq!(server.server.stats().slow_consumers, 0);
    assert_eq!(server.server.connection_count(), 2);

    // Now read: every broadcast reached the console or was counted as dropped.
    assert_eq!(raw_next(&mut slow).await["t"], "hello");
    assert_eq!(raw_next(&mut slow).await["t"], "snapshot");
    let (mut seen, mut dropped) = (0usize, 0u64);
    while seen + (dropped as usize) < TOTAL {
        let m = raw_next(&mut slow).await;
        match m["t"].as_str() {
            Some("events") => {
                for e in m["events"].as_array().expect("a batch holds a list") {
                    assert_eq!(e["kind"], "room_broadcast", "{}", e["kind"]);
                    seen += 1;
                }
            }
            Some("dropped") => {
                dropped += m["count"].as_u64().unwrap();
                assert_eq!(m["total"].as_u64(), Some(dropped));
            }
            other => panic!("unexpected message {other:?}"),
        }
    }
    assert_eq!(seen + dropped as usize, TOTAL);
    assert!(
        dropped > 0,
        "the console saw all {seen} events: nothing was dropped"
    );
    assert!(seen > 0);
}
