//! Heartbeat: the server pings, records pongs, and (when configured) reaps the silent.

use std::time::Duration;

use serde_json::json;
use switchboard_demo as demo;
use switchboard_server::{close_code, FaultKind};

use crate::support::*;

#[tokio::test]
async fn the_server_pings_and_records_pongs() {
    let mut config = test_config();
    config.heartbeat_interval = Duration::from_millis(30);
    let server = start(demo::builder().unwrap().config(config)).await;
    let mut alice = Raw::user(&server, "alice").await;
    let (ping, _) = alice.next_of("ping").await;
    assert_eq!(ping, json!({"t":"ping"}));
    alice.send(json!({"t":"pong"})).await;
    let srv = server.server.clone();
    eventually("pong recorded", || srv.local()[0].last_pong_us.is_some()).await;
    assert!(server.server.local()[0].last_ping_us.is_some());
}

#[tokio::test]
async fn silent_clients_are_kept_by_default() {
    let mut config = test_config();
    config.heartbeat_interval = Duration::from_millis(10);
    let server = start(demo::builder().unwrap().config(config)).await;
    let mut alice = Raw::user(&server, "alice").await;
    for _ in 0..5 {
        alice.next_of("ping").await;
    }
    assert_eq!(
        alice.request(1, "join", json!({"room":"a"})).await["t"],
        "res"
    );
}

#[tokio::test]
async fn after_n_missed_pongs_the_connection_is_reaped() {
    let faults = Faults::default();
    let mut config = test_config();
    config.heartbeat_interval = Duration::from_millis(20);
    config.max_missed_pongs = Some(2);
    let server = start(
        demo::builder()
            .unwrap()
            .config(config)
            .on_error(faults.hook()),
    )
    .await;
    let mut alice = Raw::user(&server, "alice").await;
    let (code, reason) = alice.expect_close().await;
    assert_eq!(code, close_code::HEARTBEAT_TIMEOUT);
    assert!(reason.contains("no pong"), "{reason}");
    let srv = server.server.clone();
    eventually("reaped", || srv.connection_count() == 0).await;
    assert_eq!(server.server.stats().reaped, 1);
    assert!(faults
        .all()
        .iter()
        .any(|(c, _)| c.kind == FaultKind::Heartbeat));
}
