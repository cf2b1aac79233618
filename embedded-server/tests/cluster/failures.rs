//! Failures: Redis stopping and coming back, and a node killed with SIGKILL.

use std::time::Duration;

use serde_json::json;
use switchboard_server::server::FaultKind;

use crate::harness::*;
use crate::support::*;

/// Poll an async condition until it holds.
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

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

#[tokio::test]
async fn a_killed_node_leaves_the_registry_within_the_ttl() {
    let mut t = Transport::redis();
    let redis_url = t.redis_mut().url();
    let a = node(&t, "a").await;
    // Node b is a real `switchboard-server` process running the demo.
    let (mut child, url) = spawn_binary(&[
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--node-id",
        "b",
        "--node-ttl-ms",
        "1500",
        "--redis",
        &redis_url,
    ])
    .await;

    // The demo across nodes: a user on a and an agent on b chat in one room.
    let mut alice = Raw::user(&a.running, "alice").await;
    let (ws, _) = tokio_tungstenite::connect_async(format!("{url}?role=agent&name=bot"))
        .await
        .unwrap();
    let mut bot = Raw { ws };
    assert_eq!(bot.next().await["t"], "env");
    alice.request(1, "join", json!({"room":"ops"})).await;
    bot.request(1, "join", json!({"room":"ops"})).await;
    knows(a.srv(), "b", "room:ops").await;
    alice
        .request(2, "say", json!({"room":"ops","text":"hello bot"}))
        .await;
    let (f, _) = bot.next_of("evt").await;
    assert_eq!(
        f["d"],
        json!({"room":"ops","text":"hello bot","from":"alice"})
    );
    bot.request(2, "say", json!({"room":"ops","text":"hello alice"}))
        .await;
    let (f, _) = alice.next_of("evt").await;
    assert_eq!(
        f["d"],
        json!({"room":"ops","text":"hello alice","from":"bot"})
    );
    until("b registered", || async {
        a.srv().cluster().nodes().await.unwrap().len() == 2
    })
    .await;

    child.kill().unwrap(); // SIGKILL: no goodbye, no cleanup
    let _ = child.wait();
    until("b's entries expired", || async {
        let nodes = a.srv().cluster().nodes().await.unwrap();
        nodes.len() == 1 && a.srv().cluster().count().await.unwrap() == 1
    })
    .await;
    let srv = a.srv().clone();
    eventually("a stops routing to b", move || {
        srv.cluster_peers().is_empty()
    })
    .await;
    let before = a.srv().cluster_stats().published;
    a.srv()
        .room("ops")
        .broadcast(
            "message",
            &json!({"room":"ops","text":"anyone?","from":"s"}),
        )
        .unwrap();
    assert_eq!(
        a.srv().cluster_stats().published,
        before,
        "nothing is sent to a dead node"
    );
}
