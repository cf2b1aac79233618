//! The recorder on a live demo: every kind of row appears in the capture file with the right
//! fields, one row per logical message.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use switchboard_capture::{CaptureReader, Cursor, Filter, Recorder, RecorderConfig};
use switchboard_demo as demo;
use switchboard_server::cluster::{ClusterConfig, MemoryHub};
use switchboard_server::tap::{Origin, TapKind};

use crate::support::*;

fn fast_cluster() -> ClusterConfig {
    ClusterConfig {
        heartbeat: Duration::from_millis(50),
        node_ttl: Duration::from_secs(2),
        presence_flush: Duration::from_millis(20),
    }
}

#[tokio::test]
async fn every_kind_is_recorded_with_its_fields() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("capture.db");
    let recorder = Arc::new(Recorder::open(RecorderConfig::new(&path)).unwrap());
    let hub = MemoryHub::new();
    let node = |id: &str, config: switchboard_server::ServerConfig| {
        let mut config = config;
        config.node_id = id.to_owned();
        demo::builder()
            .unwrap()
            .config(config)
            .tap(recorder.clone())
            .adapter(hub.adapter())
            .cluster_config(fast_cluster())
    };
    let a = start(node("a", test_config())).await;
    let b = start(node("b", test_config())).await;
    let srv = a.server.clone();

    // Lifecycle and requests.
    let (mut alice, _) = Raw::connect(&a, "role=user&name=alice&token=hunter2").await;
    let mut bot = Raw::agent(&a, "bot").await;
    let refused = tokio_tungstenite::connect_async(url(&a, "name=nobody")).await;
    assert!(refused.is_err());
    alice.request(1, "join", json!({"room":"lobby"})).await;
    bot.request(1, "join", json!({"room":"lobby"})).await;
    alice
        .request(2, "say", json!({"room":"lobby","text":"hello"}))
        .await;
    alice
        .request(3, "say", json!({"room":"nowhere","text":"x"}))
        .await;
    alice.request(4, "notify", json!({})).await;
    alice
        .request(5, "dm", json!({"to":"alice","text":"note to self"}))
        .await;
    alice.request(6, "leave", json!({"room":"lobby"})).await;
    // Topics.
    alice.send(json!({"t":"sub","i":7,"c":"ticker"})).await;
    alice.next_of("res").await;
    alice.send(json!({"t":"sub","i":8,"c":"nope"})).await;
    alice.next_of("err").await;
    alice.send(json!({"t":"unsub","c":"ticker"})).await;
    // Bad frame.
    alice.send_text("{not json").await;
    alice.next_of("err").await;
    // Pushes from the server, one by hand from the console.
    let alice_id = srv
        .local()
        .into_iter()
        .find(|c| c.user == "alice")
        .unwrap()
        .id;
    srv.to_conn(&alice_id)
        .emit("alert", &json!({"level":"info","text":"x"}))
        .unwrap();
    srv.with_origin(Origin::Manual)
        .broadcast("message", &json!({"room":"*","text":"all","from":"ops"}))
        .unwrap();
    srv.for_role("user")
        .publish("ticker", &json!({"n":1}))
        .unwrap();
    // Server-to-client requests, answered and refused.
    let s2 = srv.clone();
    let id2 = alice_id.clone();
    let ask = tokio::spawn(async move {
        let ok = s2.to_conn(&id2).request("confirm", &json!({"q":1})).await;
        let err = s2.to_conn(&id2).request("confirm", &json!({"q":2})).await;
        (ok, err)
    });
    let (f, _) = alice.next_of("sreq").await;
    alice
        .send(json!({"t":"sres","i":f["i"],"d":{"yes":true}}))
        .await;
    let (f, _) = alice.next_of("sreq").await;
    alice
        .send(json!({"t":"serr","i":f["i"],"code":"FORBIDDEN","m":"no"}))
        .await;
    let (ok, err) = ask.await.unwrap();
    assert!(ok.is_ok() && err.is_err());
    // The bus: a local echo, out to node b (which has a listener), and a rejected inbound.
    let _listener = b.server.subscribe("announce", |_d, _f| {}).unwrap();
    let srv_a = srv.clone();
    eventually("a knows b listens", move || {
        srv_a
            .cluster_peers()
            .iter()
            .any(|p| p.interest.contains(&"topic:announce".to_owned()))
    })
    .await;
    bot.request(2, "announce", json!({"msg":"deploying"})).await;
    let rogue = hub.adapter();
    use switchboard_server::cluster::Adapter;
    rogue
        .publish(
            "node:b",
            bytes::Bytes::from_static(
                br#"{"sb":1,"from":"rogue","k":"bus","c":"announce","d":{"msg":7}}"#,
            ),
        )
        .unwrap();
    // A reaped connection (fast heartbeat) and a slow consumer (tiny queue), on nodes of
    // their own.
    let mut reaping = test_config();
    reaping.heartbeat_interval = Duration::from_millis(20);
    reaping.max_missed_pongs = Some(2);
    let c = start(node("c", reaping)).await;
    // A heartbeat answered (ping and pong are recorded), on a node that reaps nobody: on node
    // c a busy machine could reap the client before its pong is read.
    let mut beating = test_config();
    beating.heartbeat_interval = Duration::from_millis(20);
    let e = start(node("e", beating)).await;
    let mut beat = Raw::user(&e, "beat").await;
    beat.next_of("ping").await;
    beat.send(json!({"t":"pong"})).await;
    let mut silent = Raw::user(&c, "silent").await;
    silent.expect_close().await;
    let mut tiny = test_config();
    tiny.outbound_queue = 2;
    let d = start(node("d", tiny)).await;
    let mut slow = Raw::user(&d, "slow").await;
    slow.request(1, "join", json!({"room":"flood"})).await;
    let big = "z".repeat(200_000);
    for _ in 0..500 {
        if d.server.stats().slow_consumers > 0 {
            break;
        }
        let _ = d
            .server
            .room("flood")
            .broadcast("message", &json!({"room":"flood","text":big,"from":"s"}));
        tokio::task::yield_now().await;
    }
    // Disconnect.
    bot.close().await;
    // Some rows come from other tasks (inbound bus, closes): wait until the file has them.
    let reader = CaptureReader::open(&path).unwrap();
    let rec = recorder.clone();
    let has_all = move || {
        let _ = rec.flush();
        let counts = reader
            .counts_by_kind(&Filter::default())
            .unwrap_or_default();
        TapKind::ALL
            .iter()
            .all(|k| counts.iter().any(|c| c.kind == *k && c.count > 0))
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    while !has_all() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    recorder.flush().unwrap();

    let reader = CaptureReader::open(&path).unwrap();
    let counts = reader.counts_by_kind(&Filter::default()).unwrap();
    let present: Vec<TapKind> = counts
        .iter()
        .filter(|k| k.count > 0)
        .map(|k| k.kind)
        .collect();
    let missing: Vec<&str> = TapKind::ALL
        .iter()
        .filter(|k| !present.contains(k))
        .map(|k| k.as_str())
        .collect();
    assert!(missing.is_empty(), "kinds never recorded: {missing:?}");

    let rows = |kind: TapKind| {
        let f = Filter {
            kinds: vec![kind],
            ..Filter::default()
        };
        reader.query(&f, Cursor::Start, 1000).unwrap().rows
    };
    // One row per broadcast, with the room, the recipient count and the exact payload.
    let say = rows(TapKind::RoomBroadcast)
        .into_iter()
        .find(|r| r.rooms == ["lobby"])
        .unwrap();
    assert_eq!(say.name.as_deref(), Some("message"));
    assert_eq!(say.recipients, Some(2));
    // Byte for byte what went on the wire (serde_json writes object keys in sorted order).
    let wire = json!({"room":"lobby","text":"hello","from":"alice"}).to_string();
    assert_eq!(say.payload_str(), Some(wire.as_str()));
    assert_eq!(say.node_id, "a");
    // Connect rows carry role, user, node and masked params.
    let connect = rows(TapKind::Connect)
        .into_iter()
        .find(|r| r.user.as_deref() == Some("alice"))
        .unwrap();
    assert_eq!(connect.role.as_deref(), Some("user"));
    let meta = connect.meta.unwrap();
    assert_eq!(meta["params"]["token"], "********");
    assert_eq!(meta["node"], "a");
    // Requests carry their name, input and connection; errors their code.
    let req = rows(TapKind::RequestIn)
        .into_iter()
        .find(|r| r.name.as_deref() == Some("say"))
        .unwrap();
    assert_eq!(req.conn.as_deref(), Some(alice_id.as_str()));
    assert_eq!(req.origin, Origin::Client);
    let err = rows(TapKind::ErrorOut)
        .into_iter()
        .find(|r| r.name.as_deref() == Some("say"))
        .unwrap();
    assert_eq!(err.meta.unwrap()["code"], "FORBIDDEN");
    // The manual push is marked as such.
    let manual = rows(TapKind::Broadcast);
    assert_eq!(manual[0].origin, Origin::Manual);
    // Disconnects say who closed and how.
    let gone = rows(TapKind::Disconnect)
        .into_iter()
        .find(|r| r.user.as_deref() == Some("bot"))
        .unwrap();
    assert_eq!(gone.meta.unwrap()["by"], "client");
    // Sequence numbers are monotonic and timestamps in microseconds.
    let all = reader
        .query(&Filter::default(), Cursor::Start, 100_000)
        .unwrap()
        .rows;
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(all.iter().all(|r| r.at_us > 1_600_000_000_000_000));
    assert_eq!(recorder.stats().dropped, 0);
}
