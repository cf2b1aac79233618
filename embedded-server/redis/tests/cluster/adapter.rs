//! The Redis adapter against a real `redis-server` over real sockets: pub/sub, namespaces,
//! presence, garbage in Redis, outages (stop, restart, freeze, boot while down) and close.
//!
//! Every wait is "until this happens, or fail after a generous deadline"; nothing asserts how
//! fast something happens, so a loaded machine is slower, not flaky.

use crate::redis_server;
use switchboard_testkit::{eventually_some, WAIT};

use std::time::Duration;

use bytes::Bytes;
use redis::aio::MultiplexedConnection;
use redis_server::RedisServer;
use switchboard_redis::{RedisAdapter, RedisConfig};
use switchboard_server::cluster::adapter::{
    Adapter, AdapterError, AdapterMessage, AdapterStatus, ConnDescriptor, NodeRecord,
};
use tokio::sync::mpsc;

/// Long enough to never fire in a healthy run, short enough that a bug fails instead of hangs.
const LONG_TTL: Duration = Duration::from_secs(60);

fn config(url: &str, namespace: &str) -> RedisConfig {
    RedisConfig {
        namespace: namespace.into(),
        // Short delays so outage tests recover quickly; the behaviour is the same.
        reconnect_min: Duration::from_millis(50),
        reconnect_max: Duration::from_millis(500),
        ..RedisConfig::new(url)
    }
}

async fn adapter(server: &RedisServer, namespace: &str) -> RedisAdapter {
    let adapter = RedisAdapter::connect(config(&server.url(), namespace))
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    wait_status(&adapter, "Up", |s| *s == AdapterStatus::Up).await;
    adapter
}

/// A plain client for arranging and inspecting Redis behind the adapter's back.
async fn raw(server: &RedisServer) -> MultiplexedConnection {
    let client = redis::Client::open(server.url()).expect("url");
    client
        .get_multiplexed_async_connection()
        .await
        .expect("raw connection")
}

async fn raw_cmd<T: redis::FromRedisValue>(conn: &mut MultiplexedConnection, args: &[&[u8]]) -> T {
    let mut cmd = redis::cmd(std::str::from_utf8(args[0]).expect("command name"));
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query_async(conn)
        .await
        .unwrap_or_else(|e| panic!("raw {:?}: {e}", String::from_utf8_lossy(args[0])))
}

async fn wait_status(adapter: &RedisAdapter, what: &str, want: impl FnMut(&AdapterStatus) -> bool) {
    let mut status = adapter.status();
    let reached = matches!(
        tokio::time::timeout(WAIT, status.wait_for(want)).await,
        Ok(Ok(_))
    );
    assert!(
        reached,
        "status never became {what}; it is {:?}",
        adapter.current_status()
    );
}

/// Waits until Redis itself reports `count` subscribers on `channel` (the full Redis name):
/// `subscribe()` returns before the subscriber task has sent SUBSCRIBE.
async fn wait_subscribers(server: &RedisServer, channel: &str, count: i64) {
    let conn = raw(server).await;
    eventually_some(&format!("{count} subscriber(s) on {channel}"), || {
        let mut conn = conn.clone();
        async move {
            let reply: (String, i64) =
                raw_cmd(&mut conn, &[b"PUBSUB", b"NUMSUB", channel.as_bytes()]).await;
            (reply.1 == count).then_some(())
        }
    })
    .await;
}

async fn recv(inbound: &mut mpsc::Receiver<AdapterMessage>) -> AdapterMessage {
    match tokio::time::timeout(WAIT, inbound.recv()).await {
        Ok(Some(message)) => message,
        Ok(None) => panic!("inbound channel closed"),
        Err(_) => panic!("no message within {WAIT:?}"),
    }
}

fn text(message: &AdapterMessage) -> &str {
    std::str::from_utf8(&message.payload).expect("utf-8 payload")
}

fn node(id: &str) -> NodeRecord {
    NodeRecord {
        id: id.into(),
        conn_prefix: format!("{id}-"),
        started_at_us: 1_700_000_000_000_000,
        connections: 2,
        rooms: 1,
        updated_at_us: 1_700_000_000_500_000,
        inspector: None,
    }
}

fn conn(node: &str, id: &str) -> ConnDescriptor {
    ConnDescriptor {
        id: id.into(),
        role: "user".into(),
        node: node.into(),
        user: format!("user-{id}"),
        connected_at_us: 1_700_000_000_100_000,
        rooms: vec!["lobby".into()],
    }
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|item| id(item).to_owned()).collect()
}

fn is_unavailable(result: &Result<impl std::fmt::Debug, AdapterError>) -> bool {
    matches!(result, Err(AdapterError::Unavailable(message)) if message.starts_with("redis:"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_travel_between_adapters_in_order() {
    let server = RedisServer::start();
    let a = adapter(&server, "sb").await;
    let b = adapter(&server, "sb").await;
    assert_eq!(a.kind(), "redis");
    let mut inbound = b.take_inbound().expect("first take_inbound");
    assert!(b.take_inbound().is_none(), "take_inbound works once");

    b.subscribe("room:1");
    wait_subscribers(&server, "sb:room:1", 1).await;
    for i in 0..1000 {
        a.publish("room:1", Bytes::from(i.to_string()))
            .unwrap_or_else(|e| panic!("publish {i}: {e}"));
    }
    for i in 0..1000 {
        let message = recv(&mut inbound).await;
        assert_eq!(
            message.channel, "room:1",
            "channel is reported without the namespace"
        );
        assert_eq!(text(&message), i.to_string(), "message {i} out of order");
    }
    eventually_some("the publisher to count 1000 messages", || async {
        (a.counters().published == 1000).then_some(())
    })
    .await;
    // Counters are bumped right after the hand-off, so they may trail the messages briefly.
    eventually_some("the subscriber to count 1000 messages", || async {
        (b.counters().received == 1000).then_some(())
    })
    .await;
    assert_eq!(b.counters().inbound_dropped, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsubscribe_leaves_the_channel() {
    let server = RedisServer::start();
    let a = adapter(&server, "sb").await;
    a.subscribe("x");
    a.subscribe("x");
    wait_subscribers(&server, "sb:x", 1).await;
    a.unsubscribe("x");
    wait_subscribers(&server, "sb:x", 0).await;
    // Subscribing again after leaving works too.
    a.subscribe("x");
    wait_subscribers(&server, "sb:x", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_never_mix() {
    let server = RedisServer::start();
    let a = adapter(&server, "tenant-a").await;
    let b = adapter(&server, "tenant-b").await;
    let mut inbound_a = a.take_inbound().expect("inbound a");
    let mut inbound_b = b.take_inbound().expect("inbound b");
    a.subscribe("chat");
    b.subscribe("chat");
    wait_subscribers(&server, "tenant-a:chat", 1).await;
    wait_subscribers(&server, "tenant-b:chat", 1).await;

    a.publish("chat", Bytes::from_static(b"for a"))
        .expect("publish a");
    assert_eq!(text(&recv(&mut inbound_a).await), "for a");
    // "for a" has been delivered by Redis by now, so had it been sent to b's channel it would
    // arrive at b before this marker.
    b.publish("chat", Bytes::from_static(b"for b"))
        .expect("publish b");
    let first_b = recv(&mut inbound_b).await;
    assert_eq!(text(&first_b), "for b", "b must not see a's message");
    assert!(inbound_a.try_recv().is_err(), "a must not see b's message");

    a.presence()
        .put_node(node("node-a"), LONG_TTL)
        .await
        .expect("put a");
    b.presence()
        .put_node(node("node-b"), LONG_TTL)
        .await
        .expect("put b");
    let nodes_a = a.presence().nodes().await.expect("nodes a");
    let nodes_b = b.presence().nodes().await.expect("nodes b");
    assert_eq!(ids(&nodes_a, |n| &n.id), ["node-a"]);
    assert_eq!(ids(&nodes_b, |n| &n.id), ["node-b"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_lists_nodes_and_connections_until_they_expire() {
    let server = RedisServer::start();
    let a = adapter(&server, "sb").await;
    let presence = a.presence();

    presence
        .put_node(node("n1"), LONG_TTL)
        .await
        .expect("put n1");
    presence
        .put_node(node("n2"), LONG_TTL)
        .await
        .expect("put n2");
    let nodes = presence.nodes().await.expect("nodes");
    assert_eq!(nodes, [node("n1"), node("n2")]);

    presence
        .put_conns(
            "n1".into(),
            vec![conn("n1", "c1"), conn("n1", "c2")],
            vec![],
            LONG_TTL,
        )
        .await
        .expect("put_conns");
    assert_eq!(
        presence.conns("n1".into()).await.expect("conns"),
        [conn("n1", "c1"), conn("n1", "c2")]
    );
    presence
        .put_conns(
            "n1".into(),
            vec![conn("n1", "c3")],
            vec!["c1".into()],
            LONG_TTL,
        )
        .await
        .expect("put_conns with removals");
    assert_eq!(
        presence.conns("n1".into()).await.expect("conns"),
        [conn("n1", "c2"), conn("n1", "c3")]
    );

    // n2 stops refreshing with a short TTL: it disappears by itself, and so do its connections.
    let short = Duration::from_millis(300);
    presence
        .put_node(node("n2"), short)
        .await
        .expect("refresh n2");
    presence
        .put_conns("n2".into(), vec![conn("n2", "c9")], vec![], short)
        .await
        .expect("put_conns n2");
    eventually_some("n2 to expire", || async {
        let nodes = presence.nodes().await.expect("nodes");
        (ids(&nodes, |n| &n.id) == ["n1"]).then_some(())
    })
    .await;
    assert!(presence
        .conns("n2".into())
        .await
        .expect("conns n2")
        .is_empty());
    assert_eq!(
        presence.conns("n1".into()).await.expect("conns n1").len(),
        2
    );

    // Connections of a node without a record are not listed.
    presence
        .put_conns("ghost".into(), vec![conn("ghost", "g1")], vec![], LONG_TTL)
        .await
        .expect("put_conns ghost");
    assert!(presence
        .conns("ghost".into())
        .await
        .expect("conns ghost")
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_conns_and_remove_node() {
    let server = RedisServer::start();
    let a = adapter(&server, "sb").await;
    let presence = a.presence();
    let mut raw = raw(&server).await;

    presence
        .put_node(node("n1"), LONG_TTL)
        .await
        .expect("put n1");
    presence
        .put_conns(
            "n1".into(),
            vec![conn("n1", "c1"), conn("n1", "c2")],
            vec![],
            LONG_TTL,
        )
        .await
        .expect("put_conns");
    presence
        .replace_conns("n1".into(), vec![conn("n1", "c3")], LONG_TTL)
        .await
        .expect("replace");
    assert_eq!(
        presence.conns("n1".into()).await.expect("conns"),
        [conn("n1", "c3")]
    );
    let ttl: i64 = raw_cmd(&mut raw, &[b"PTTL", b"sb:conns:n1"]).await;
    assert!(
        ttl > 0,
        "replace_conns leaves the hash with a TTL, got {ttl}"
    );

    presence
        .replace_conns("n1".into(), vec![], LONG_TTL)
        .await
        .expect("replace with nothing");
    assert!(presence.conns("n1".into()).await.expect("conns").is_empty());

    presence
        .put_conns("n1".into(), vec![conn("n1", "c4")], vec![], LONG_TTL)
        .await
        .expect("put_conns");
    presence.remove_node("n1".into()).await.expect("remove");
    assert!(presence.nodes().await.expect("nodes").is_empty());
    assert!(presence.conns("n1".into()).await.expect("conns").is_empty());
    let left: i64 = raw_cmd(&mut raw, &[b"EXISTS", b"sb:node:n1", b"sb:conns:n1"]).await;
    assert_eq!(left, 0, "remove_node deletes both keys");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_in_presence_keys_is_skipped() {
    let server = RedisServer::start();
    let a = adapter(&server, "sb").await;
    let presence = a.presence();
    let mut raw = raw(&server).await;

    let _: () = raw_cmd(&mut raw, &[b"SET", b"sb:node:bad", b"not json"]).await;
    let liar = serde_json::to_vec(&node("someone-else")).expect("json");
    let _: () = raw_cmd(&mut raw, &[b"SET", b"sb:node:liar", &liar]).await;
    let _: () = raw_cmd(&mut raw, &[b"SET", b"sb:node:\xff\xfe", b"{}"]).await;
    let _: () = raw_cmd(&mut raw, &[b"HSET", b"sb:node:hashy", b"f", b"v"]).await;
    presence
        .put_node(node("good"), LONG_TTL)
        .await
        .expect("put good");

    let nodes = presence.nodes().await.expect("nodes despite garbage");
    assert_eq!(nodes, [node("good")]);
    let skipped = a.counters().presence_skipped;
    assert!(
        skipped >= 3,
        "bad JSON, wrong id and non-UTF-8 key are counted: {skipped}"
    );

    presence
        .put_conns("good".into(), vec![conn("good", "c1")], vec![], LONG_TTL)
        .await
        .expect("put_conns");
    let _: () = raw_cmd(&mut raw, &[b"HSET", b"sb:conns:good", b"junk", b"[1,2"]).await;
    let other = serde_json::to_vec(&conn("good", "c2")).expect("json");
    let _: () = raw_cmd(&mut raw, &[b"HSET", b"sb:conns:good", b"c7", &other]).await;
    assert_eq!(
        presence.conns("good".into()).await.expect("conns"),
        [conn("good", "c1")]
    );
    assert_eq!(a.counters().presence_skipped, skipped + 2);

    presence
        .put_node(node("good2"), LONG_TTL)
        .await
        .expect("put good2");
    let _: () = raw_cmd(&mut raw, &[b"SET", b"sb:conns:good2", b"a string"]).await;
    assert!(presence
        .conns("good2".into())
        .await
        .expect("conns of a non-hash")
        .is_empty());
    assert_eq!(a.counters().presence_skipped, skipped + 3);
    assert_eq!(
        a.current_status(),
        AdapterStatus::Up,
        "garbage does not break the connection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_then_restart_recovers_everything() {
    let mut server = RedisServer::start();
    let a = adapter(&server, "sb").await;
    let b = adapter(&server, "sb").await;
    let mut inbound = b.take_inbound().expect("inbound");
    b.subscribe("ch");
    wait_subscribers(&server, "sb:ch", 1).await;
    a.publish("ch", Bytes::from_static(b"before"))
        .expect("publish before");
    assert_eq!(text(&recv(&mut inbound).await), "before");
    a.presence()
        .put_node(node("n1"), LONG_TTL)
        .await
        .expect("put before");

    server.stop();
    wait_status(&a, "Down", |s| matches!(s, AdapterStatus::Down(_))).await;
    wait_status(&b, "Down", |s| matches!(s, AdapterStatus::Down(_))).await;

    // Presence fails fast and says why.
    let put = a.presence().put_node(node("n1"), LONG_TTL).await;
    assert!(is_unavailable(&put), "put_node while down: {put:?}");
    let nodes = a.presence().nodes().await;
    assert!(is_unavailable(&nodes), "nodes while down: {nodes:?}");
    let conns = b.presence().conns("n1".into()).await;
    assert!(is_unavailable(&conns), "conns while down: {conns:?}");

    // Publishing never blocks or panics; once the command connection is known down, every
    // publish is refused as Unavailable.
    for _ in 0..10_000 {
        let result = a.publish("ch", Bytes::from_static(b"during"));
        assert!(
            result.is_ok() || is_unavailable(&result),
            "publish while down: {result:?}"
        );
    }
    // Both adapters notice the loss of their command connection too, even b whose command
    // connection was idle: a restart must not find it still holding a dead socket.
    for adapter in [&a, &b] {
        eventually_some("publish to be refused as Unavailable", || async {
            is_unavailable(&adapter.publish("ch", Bytes::from_static(b"during"))).then_some(())
        })
        .await;
    }
    assert!(a.counters().publish_dropped > 0);

    server.restart();
    wait_status(&a, "Up again", |s| *s == AdapterStatus::Up).await;
    wait_status(&b, "Up again", |s| *s == AdapterStatus::Up).await;

    // The subscription was restored, and nothing from the outage is replayed.
    a.publish("ch", Bytes::from_static(b"after"))
        .expect("publish after");
    assert_eq!(text(&recv(&mut inbound).await), "after");

    // Presence is writable again (the restarted Redis is empty: the node re-registers).
    a.presence()
        .put_node(node("n1"), LONG_TTL)
        .await
        .expect("put after");
    assert_eq!(
        a.presence().nodes().await.expect("nodes after"),
        [node("n1")]
    );
    assert!(a.counters().reconnects >= 2, "{:?}", a.counters());
    assert!(b.counters().reconnects >= 2, "{:?}", b.counters());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_redis_is_detected_by_timeouts() {
    let server = RedisServer::start();
    let a = RedisAdapter::connect(RedisConfig {
        command_timeout: Duration::from_millis(500),
        ..config(&server.url(), "sb")
    })
    .await
    .expect("connect");
    wait_status(&a, "Up", |s| *s == AdapterStatus::Up).await;
    let mut inbound = a.take_inbound().expect("inbound");
    a.subscribe("ch");
    wait_subscribers(&server, "sb:ch", 1).await;

    // The sockets stay open, so only the idle PINGs timing out can tell.
    server.freeze();
    wait_status(&a, "Down", |s| matches!(s, AdapterStatus::Down(_))).await;
    let nodes = a.presence().nodes().await;
    assert!(is_unavailable(&nodes), "nodes while frozen: {nodes:?}");

    server.thaw();
    wait_status(&a, "Up again", |s| *s == AdapterStatus::Up).await;
    a.publish("ch", Bytes::from_static(b"thawed"))
        .expect("publish");
    assert_eq!(text(&recv(&mut inbound).await), "thawed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_while_redis_is_down_comes_up_later() {
    let mut server = RedisServer::start();
    server.stop();

    let a = RedisAdapter::connect(config(&server.url(), "sb"))
        .await
        .expect("an unreachable Redis is not a startup error");
    assert!(
        matches!(
            a.current_status(),
            AdapterStatus::Down(_) | AdapterStatus::Connecting
        ),
        "{:?}",
        a.current_status()
    );
    let refused = a.publish("ch", Bytes::from_static(b"early"));
    assert!(is_unavailable(&refused), "{refused:?}");
    let nodes = a.presence().nodes().await;
    assert!(is_unavailable(&nodes), "{nodes:?}");
    let mut inbound = a.take_inbound().expect("inbound");
    a.subscribe("ch");

    server.restart();
    wait_status(&a, "Up", |s| *s == AdapterStatus::Up).await;
    a.publish("ch", Bytes::from_static(b"hello"))
        .expect("publish");
    let message = recv(&mut inbound).await;
    assert_eq!((message.channel.as_str(), text(&message)), ("ch", "hello"));
    a.presence()
        .put_node(node("n1"), LONG_TTL)
        .await
        .expect("put");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_inbound_queue_drops_and_counts() {
    let server = RedisServer::start();
    let a = adapter(&server, "sb").await;
    let b = RedisAdapter::connect(RedisConfig {
        inbound_queue: 4,
        ..config(&server.url(), "sb")
    })
    .await
    .expect("connect b");
    b.subscribe("flood");
    wait_subscribers(&server, "sb:flood", 1).await;
    for i in 0..50 {
        a.publish("flood", Bytes::from(i.to_string()))
            .expect("publish");
    }
    eventually_some("all 50 messages to be accounted for", || async {
        let c = b.counters();
        (c.received + c.inbound_dropped == 50).then_some(())
    })
    .await;
    let counters = b.counters();
    assert_eq!((counters.received, counters.inbound_dropped), (4, 46));
    // The oldest messages were kept, in order.
    let mut inbound = b.take_inbound().expect("inbound");
    for i in 0..4 {
        assert_eq!(text(&recv(&mut inbound).await), i.to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_stops_everything() {
    let server = RedisServer::start();
    let a = adapter(&server, "sb").await;
    a.subscribe("ch");
    wait_subscribers(&server, "sb:ch", 1).await;
    let raw = raw(&server).await;

    a.close();
    a.close();
    assert_eq!(a.current_status(), AdapterStatus::Down("closed".into()));
    let refused = a.publish("ch", Bytes::from_static(b"x"));
    assert_eq!(
        refused,
        Err(AdapterError::Unavailable("redis: adapter closed".into()))
    );
    let put = a.presence().put_node(node("n1"), LONG_TTL).await;
    assert!(is_unavailable(&put), "{put:?}");
    // Both of the adapter's sockets are closed: only the raw connection is left.
    eventually_some("the adapter's connections to close", || {
        let mut raw = raw.clone();
        async move {
            let info: String = raw_cmd(&mut raw, &[b"INFO", b"clients"]).await;
            info.lines()
                .any(|line| line.trim() == "connected_clients:1")
                .then_some(())
        }
    })
    .await;
}

#[tokio::test]
async fn invalid_config_is_refused_clearly() {
    let refused = |result: Result<RedisAdapter, AdapterError>| match result {
        Ok(_) => panic!("config should be refused"),
        Err(AdapterError::Unavailable(message)) => message,
        Err(other) => panic!("unexpected error {other:?}"),
    };
    let message = refused(RedisAdapter::connect(RedisConfig::new("not a url")).await);
    assert!(message.starts_with("redis: invalid url"), "{message}");
    let message = refused(RedisAdapter::connect(RedisConfig::new("http://127.0.0.1/")).await);
    assert!(message.starts_with("redis: invalid url"), "{message}");
    let message = refused(
        RedisAdapter::connect(RedisConfig {
            namespace: "a:b".into(),
            ..RedisConfig::default()
        })
        .await,
    );
    assert!(message.contains("namespace"), "{message}");
    let message = refused(
        RedisAdapter::connect(RedisConfig {
            publish_queue: 0,
            ..RedisConfig::default()
        })
        .await,
    );
    assert!(message.contains("publish_queue"), "{message}");
    let message = refused(
        RedisAdapter::connect(RedisConfig {
            reconnect_max: Duration::from_millis(1),
            ..RedisConfig::default()
        })
        .await,
    );
    assert!(message.contains("reconnect_max"), "{message}");
}
