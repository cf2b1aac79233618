//! The server's hardening counters reach the console: a connection's outbound queue in bytes
//! (a column the list sorts by), the connections closed as slow consumers, joins refused by the
//! per-connection room cap (`LIMIT_EXCEEDED`), the upgrade and socket gauges, and the
//! recorder's drops for bytes and its backlog in bytes; for the embedded server and for a node
//! attached through its inspector alike (its snapshots carry them). A raw client that never
//! reads makes them move.

use std::time::Duration;

use futures_util::SinkExt;
use serde_json::{json, Value};
use switchboard_client::Client;
use switchboard_demo as demo;
use switchboard_inspector::{Inspector, InspectorConfig};
use switchboard_server::{RunningServer, Server, ServerConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::support::{self, Harness};

type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Rooms a connection may join in these tests: the next join is refused.
const ROOM_CAP: usize = 3;
const TEXT: usize = 64 * 1024;

/// `queue_cap`: the outbound bytes past which a connection is closed as a slow consumer.
fn server(queue_cap: usize) -> Server {
    demo::builder()
        .expect("demo contract")
        .config(ServerConfig {
            // Nobody is reaped for not answering pings: the hoarder is closed for its queue.
            heartbeat_interval: Duration::from_secs(3600),
            // A blocked write waits long enough for an attached console's next snapshot.
            write_timeout: Duration::from_secs(60),
            max_rooms_per_conn: ROOM_CAP,
            outbound_queue_bytes: queue_cap,
            ..ServerConfig::default()
        })
        .build()
        .expect("server builds")
}

/// A user connection that never reads what it is sent.
async fn hoarder(app_url: &str) -> Ws {
    let url = format!("{}/?role=user&name=hoarder", app_url.trim_end_matches('/'));
    tokio_tungstenite::connect_async(url)
        .await
        .expect("hoarder connects")
        .0
}

/// One `dm` of 64 KiB to itself: the server queues the message and the reply to a socket
/// nobody reads. A failed send means the server closed it.
async fn hoard(ws: &mut Ws, i: u64) -> bool {
    let req = json!({"t":"req","i":i,"m":"dm","d":{"to":"hoarder","text":"x".repeat(TEXT)}});
    ws.send(Message::text(req.to_string())).await.is_ok()
}

/// Joins one room past the cap: refused, and counted.
async fn join_past_the_cap(c: &Client) {
    for n in 0..ROOM_CAP {
        c.request("join", json!({ "room": format!("r{n}") }))
            .await
            .expect("a join under the cap");
    }
    let refused = c.request("join", json!({ "room": "one-too-many" })).await;
    assert!(refused.is_err(), "{refused:?}");
}

fn counters(overview: &Value) -> &Value {
    &overview["counters"]
}

#[tokio::test]
async fn a_reader_that_never_reads_shows_its_queued_bytes_then_counts_as_a_slow_consumer() {
    let h = support::start_server(server(ServerConfig::default().outbound_queue_bytes)).await;
    let overview: Value = h.get("/api/overview").await;
    for field in [
        "slow_consumers",
        "open_sockets",
        "pending_upgrades",
        "evicted_upgrades",
        "upgrade_timeouts",
        "membership_refusals",
        "tap_faults",
    ] {
        assert!(counters(&overview)[field].is_u64(), "{field}: {overview}");
    }
    assert_eq!(counters(&overview)["slow_consumers"], 0);
    for field in ["dropped_over_bytes", "backlog_bytes"] {
        assert!(overview["recorder"][field].is_u64(), "{field}: {overview}");
    }

    let quiet = h.client("user", "quiet").await;
    join_past_the_cap(&quiet).await;
    support::eventually("the refused join counted", || async {
        let o: Value = h.get("/api/overview").await;
        (counters(&o)["membership_refusals"] == 1).then_some(())
    })
    .await;

    let mut ws = hoarder(&h.core.app_url()).await;
    let mut seen = 0u64;
    let mut i = 0;
    // Until the server has closed it; meanwhile the list, sorted by queued bytes, puts it first.
    while hoard(&mut ws, i).await && i < 2_000 {
        i += 1;
        let page: Value = h
            .get("/api/connections?sort=queue_bytes&desc=true&limit=2")
            .await;
        let first = &page["rows"][0];
        let bytes = first["queue_bytes"]
            .as_u64()
            .expect("queue_bytes on every row");
        if bytes > 0 {
            assert_eq!(first["user"], "hoarder", "{page}");
            seen = seen.max(bytes);
        }
        let o: Value = h.get("/api/overview").await;
        if counters(&o)["slow_consumers"] == 1 {
            break;
        }
    }
    assert!(seen > 0, "the hoarder's queue never showed bytes");
    support::eventually("the hoarder counted as a slow consumer", || async {
        let o: Value = h.get("/api/overview").await;
        (counters(&o)["slow_consumers"] == 1).then_some(())
    })
    .await;
    drop(quiet);
}

#[tokio::test]
async fn an_attached_node_carries_queued_bytes_and_its_counters() {
    // The hoarder must stay connected until a snapshot has carried its queue: requests still
    // in the socket's buffers when the loop below stops keep adding to it, and at the default
    // cap they could get it closed (and out of the list) first.
    let node = server(256 * 1024 * 1024);
    let inspector = Inspector::start(&node, InspectorConfig::default())
        .await
        .expect("inspector starts");
    let running: RunningServer = node.start("127.0.0.1:0").await.expect("server starts");
    let h: Harness = support::start_attached(vec![inspector.attach_url()]).await;
    // Snapshots (with each connection's queue and the node's counters) are refreshed while
    // someone watches.
    let live = format!("ws://{}/api/live?token={}", h.core.ui_addr(), h.token);
    let (_watching, _) = tokio_tungstenite::connect_async(&live)
        .await
        .expect("live stream");

    let quiet = support::client_at(&running.url(), "user", "quiet").await;
    join_past_the_cap(&quiet).await;

    // Fill the hoarder's queue, then stop: its bytes stay queued (the write waits up to a
    // minute) for the next snapshot to carry them.
    let mut ws = hoarder(&running.url()).await;
    let srv = running.server.clone();
    let queued = || {
        srv.local()
            .into_iter()
            .find(|c| c.user == "hoarder")
            .map_or(0, |c| c.queue_bytes)
    };
    // More than a few frames queued means the socket is blocked: the bytes stay until the
    // next snapshot. (One frame may sit in the queue only until the writer takes it, which
    // a snapshot can miss.)
    let blocked = 4 * TEXT;
    let mut i = 0;
    while queued() < blocked && i < 2_000 && hoard(&mut ws, i).await {
        i += 1;
    }
    assert!(queued() >= blocked, "the hoarder's queue never backed up");
    support::eventually("the attached row's queued bytes", || async {
        let page: Value = h
            .get("/api/connections?sort=queue_bytes&desc=true&limit=1")
            .await;
        let row = &page["rows"][0];
        (row["user"] == "hoarder" && row["queue_bytes"].as_u64()? > 0).then_some(())
    })
    .await;
    support::eventually("the node's refused join", || async {
        let o: Value = h.get("/api/overview").await;
        (counters(&o)["membership_refusals"] == 1 && counters(&o)["open_sockets"].as_u64()? >= 2)
            .then_some(())
    })
    .await;

    // Closing the hoarder's socket ends its blocked write, so the node stops at once.
    drop(ws);
    drop(quiet);
    h.stop().await;
    inspector.shutdown().await;
    running.shutdown().await.expect("node stops");
}
