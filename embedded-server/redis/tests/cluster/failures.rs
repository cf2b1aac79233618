//! Failures: Redis stopping and coming back, and a node killed with SIGKILL.

use std::time::Duration;

use serde_json::json;
use switchboard_server::FaultKind;

use crate::harness::*;
use crate::support::*;

#[tokio::test]
async fn nodes_survive_a_redis_outage_and_recover_without_restart() {
    let mut t = Transport::redis();
    let nodes = cluster(&t, &["a", "b"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut x = Raw::user(&a.running, "x").await;
    let mut y = Raw::user(&b.running, "y").await;
    x.request(1, "join", json!({"room":"r"})).await;
    y.request(1, "join", json!({"room":"r"})).await;
    knows(a.srv(), "b", "room:r").await;

    t.redis_mut().stop();

    // Each node keeps serving its own connections.
    let frames = x
        .request_frames(2, "say", json!({"room":"r","text":"still here"}))
        .await;
    assert_eq!(frames[0]["d"]["text"], "still here");
    assert_eq!(frames[1]["t"], "res");
    // Cluster reads fail with a clear error, and the outage is reported.
    until("presence reads fail", || async {
        a.srv().cluster().count().await.is_err()
    })
    .await;
    let err = a.srv().cluster().count().await.unwrap_err().to_string();
    assert!(err.contains("redis"), "{err}");
    let faults = a.faults.clone();
    eventually("adapter fault reported", move || {
        faults
            .all()
            .iter()
            .any(|(c, _)| c.kind == FaultKind::Adapter)
    })
    .await;

    t.redis_mut().restart();
    // Presence is re-registered and peers find each other again, without a restart.
    until("presence back", || async {
        a.srv().cluster().count().await.ok() == Some(2)
    })
    .await;
    knows(a.srv(), "b", "room:r").await;
    // Cross-node delivery works again (retry while the subscriber reconnects: at most once).
    let mut delivered = false;
    for k in 0..40 {
        a.srv()
            .room("r")
            .broadcast(
                "message",
                &json!({"room":"r","text":format!("back {k}"),"from":"s"}),
            )
            .unwrap();
        if let Ok(f) = tokio::time::timeout(Duration::from_millis(250), y.next()).await {
            assert!(f["d"]["text"].as_str().unwrap().starts_with("back"));
            delivered = true;
            break;
        }
    }
    assert!(delivered, "no cross-node delivery after Redis came back");
}
