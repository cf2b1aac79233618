//! Slowloris: upgrade requests whose headers never finish are dropped after the upgrade
//! timeout, and past the cap on upgrades in progress the oldest one is evicted, so a client
//! that completes its handshake still gets in while many half-open requests are held.

use std::time::Duration;

use serde_json::json;
use switchboard_demo as demo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

/// A TCP connection that starts an upgrade request and never finishes its headers.
async fn half_open(server: &switchboard_server::RunningServer) -> TcpStream {
    let mut tcp = TcpStream::connect(server.addr).await.expect("connect");
    let head = "GET /?role=user&name=slow HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n";
    tcp.write_all(head.as_bytes()).await.expect("write");
    tcp
}

/// Read until the server ends the connection (whatever it answers first).
async fn ends(tcp: &mut TcpStream) {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(WAIT, tcp.read(&mut buf))
            .await
            .expect("the server drops the half-open connection")
        {
            Ok(0) | Err(_) => return,
            Ok(_) => continue,
        }
    }
}

#[tokio::test]
async fn the_oldest_half_open_upgrades_are_evicted_and_clients_still_get_in() {
    const CAP: usize = 8;
    let mut config = test_config();
    config.max_pending_upgrades = CAP;
    // Only eviction may drop them here.
    config.upgrade_timeout = Duration::from_secs(3600);
    let server = start(demo::builder().unwrap().config(config)).await;
    let srv = server.server.clone();
    let mut held = Vec::new();
    for _ in 0..3 * CAP {
        held.push(half_open(&server).await);
    }
    eventually("all accepted, the oldest evicted", || {
        srv.stats().evicted_upgrades == 2 * CAP as u64
    })
    .await;
    assert_eq!(srv.stats().pending_upgrades, CAP as u64);
    // A real client gets in while CAP half-open requests are held.
    let mut alice = Raw::user(&server, "alice").await;
    assert_eq!(
        alice.request(1, "join", json!({"room":"r"})).await["t"],
        "res"
    );
    // The evicted ones were the oldest, and their sockets are closed.
    for tcp in held.iter_mut().take(2 * CAP) {
        ends(tcp).await;
    }
    // Once upgraded, alice no longer counts as pending.
    assert!(srv.stats().pending_upgrades <= CAP as u64);
}

#[tokio::test]
async fn half_open_upgrades_are_dropped_after_the_upgrade_timeout() {
    let mut config = test_config();
    config.upgrade_timeout = Duration::from_millis(200);
    let server = start(demo::builder().unwrap().config(config)).await;
    let srv = server.server.clone();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(half_open(&server).await);
    }
    // One that sends nothing at all.
    held.push(TcpStream::connect(server.addr).await.expect("connect"));
    for tcp in held.iter_mut() {
        ends(tcp).await;
    }
    eventually("each counted", || srv.stats().upgrade_timeouts == 5).await;
    eventually("none pending", || srv.stats().pending_upgrades == 0).await;
    // A client that sends its request at once is not affected.
    let mut bob = Raw::user(&server, "bob").await;
    assert_eq!(
        bob.request(1, "join", json!({"room":"r"})).await["t"],
        "res"
    );
}
