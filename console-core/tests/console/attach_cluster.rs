//! A real cluster attached by discovery: two `switchboard-server` processes over a real
//! `redis-server`, each with its inspector and the cluster's shared token; the console is
//! given only the Redis URL and the token. Both nodes' connections, rooms and traffic show up
//! with their node; a push from the console reaches clients on both nodes once; a SIGKILLed
//! node is shown lost with its rows kept, and is attached again when it restarts (on another
//! inspector port) with the same node id; a Redis outage pauses discovery and drops no node.
//!
//! The nodes are the `switchboard-server` binary of this workspace: `cargo test --workspace`
//! builds it, or `cargo build -p switchboard-cli --bin switchboard-server` before running this
//! crate's tests alone (or set `SWITCHBOARD_SERVER_BIN`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use switchboard_client::Client;
use switchboard_console_core::nodes::Discovery;
use switchboard_redis::{RedisAdapter, RedisConfig};

use crate::redis_server::RedisServer;
use crate::support::{self, Harness};

const TOKEN: &str = "cluster-inspect-token";

fn server_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("SWITCHBOARD_SERVER_BIN") {
        return path.into();
    }
    // This test runs from target/debug/deps/; the binaries sit in target/debug/.
    let exe = std::env::current_exe().expect("the test's own path");
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/debug")
        .join(format!(
            "switchboard-server{}",
            std::env::consts::EXE_SUFFIX
        ));
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p switchboard-cli --bin switchboard-server` \
         (cargo test --workspace does) or set SWITCHBOARD_SERVER_BIN",
        bin.display()
    );
    bin
}

/// One node: a `switchboard-server` process, killed when dropped.
struct NodeProcess {
    child: Child,
    app_url: String,
}

impl NodeProcess {
    async fn start(id: &str, redis: &str) -> NodeProcess {
        let mut child = Command::new(server_bin())
            .args([
                "--demo",
                "--listen",
                "127.0.0.1:0",
                "--node-id",
                id,
                "--heartbeat-secs",
                "3600",
                "--node-ttl-ms",
                "1500",
                "--redis",
                redis,
                "--inspect",
                "127.0.0.1:0",
                "--inspect-token",
                TOKEN,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("switchboard-server starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = tokio::sync::oneshot::channel();
        // Read the two lines the node prints, then keep draining so it never writes into a
        // closed pipe.
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let mut app = None;
            let mut tx = Some(tx);
            for line in lines.by_ref().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("Switchboard listening on ") {
                    app = rest.split_whitespace().next().map(str::to_owned);
                }
                if line.starts_with("Inspector attach URL") {
                    if let (Some(tx), Some(app)) = (tx.take(), app.clone()) {
                        let _ = tx.send(app);
                    }
                }
            }
        });
        let app_url = tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .expect("the node prints its URLs in time")
            .expect("the node prints its URLs");
        NodeProcess { child, app_url }
    }

    async fn client(&self, role: &str, name: &str) -> Client {
        support::client_at(&self.app_url, role, name).await
    }

    fn kill(&mut self) {
        let _ = self.child.kill(); // SIGKILL: no goodbye, nothing cleaned up
        let _ = self.child.wait();
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn links(h: &Harness) -> Value {
    h.get::<Value>("/api/nodes").await
}

/// The link of node `id`, once `check` holds for it.
async fn link_of(h: &Harness, id: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    support::eventually(what, || async {
        let list = links(h).await;
        list["nodes"]
            .as_array()?
            .iter()
            .find(|l| l["node"] == id && check(l))
            .cloned()
    })
    .await
}

async fn traffic(h: &Harness, filter: Value) -> Vec<Value> {
    let (status, page) = h
        .post(
            "/api/traffic/query",
            &json!({ "filter": filter, "cursor": { "at": "end" }, "limit": 100 }),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    page["rows"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_discovers_a_real_cluster_follows_a_killed_node_and_rides_out_redis() {
    let mut redis = RedisServer::start();
    let redis_url = redis.url();
    let _a = NodeProcess::start("a", &redis_url).await;
    let mut b = NodeProcess::start("b", &redis_url).await;

    // The console knows only Redis and the shared token.
    let h = support::start_attached(Vec::new()).await;
    let adapter = RedisAdapter::connect(RedisConfig {
        reconnect_max: Duration::from_millis(300),
        ..RedisConfig::new(redis_url.clone())
    })
    .await
    .expect("redis adapter");
    let mut discovery = Discovery::new(Arc::new(adapter), redis_url.clone(), TOKEN.into());
    discovery.every = Duration::from_millis(200);
    h.core.attached().expect("attach mode").discover(discovery);

    let first_b = link_of(&h, "b", "b discovered and attached", |l| {
        l["state"] == "attached"
    })
    .await;
    assert_eq!(first_b["discovered"], true);
    assert!(
        !first_b["url"].as_str().unwrap().contains(TOKEN),
        "the token is never shown"
    );
    link_of(&h, "a", "a discovered and attached", |l| {
        l["state"] == "attached"
    })
    .await;
    let list = links(&h).await;
    assert_eq!(list["nodes"].as_array().unwrap().len(), 2, "{list}");
    assert_eq!(list["discovery"]["state"], "following", "{list}");
    assert_eq!(list["discovery"]["advertised"], 2);

    // A user on a and an agent on b chat in one room, across Redis.
    let alice = _a.client("user", "alice").await;
    let bot = b.client("agent", "bot").await;
    alice
        .request("join", json!({ "room": "ops" }))
        .await
        .expect("alice joins");
    bot.request("join", json!({ "room": "ops" }))
        .await
        .expect("bot joins");

    // The console's API: both connections, each with its node, and the room with both.
    let conns = support::eventually("both connections listed", || async {
        let page: Value = h.get("/api/connections").await;
        (page["total"] == 2).then_some(page)
    })
    .await;
    let node_of = |user: &str| {
        conns["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["user"] == user)
            .map(|r| r["node"].clone())
    };
    assert_eq!(node_of("alice"), Some(json!("a")));
    assert_eq!(node_of("bot"), Some(json!("b")));
    let room = support::eventually("the room with members on both nodes", || async {
        let (status, room) = h.get_status("/api/rooms/ops").await;
        (status == 200 && room["size"] == 2).then_some(room)
    })
    .await;
    let mut members: Vec<(String, String)> = room["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user"].as_str().unwrap().to_owned(),
                m["node"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    members.sort();
    assert_eq!(
        members,
        vec![("alice".into(), "a".into()), ("bot".into(), "b".into())]
    );

    // Traffic: alice's message leaves node a and reaches bot on node b; both rows show up.
    let mut heard = bot.events("message", 8);
    alice
        .request("say", json!({ "room": "ops", "text": "hello bot" }))
        .await
        .expect("alice says");
    let got = tokio::time::timeout(Duration::from_secs(10), heard.recv())
        .await
        .expect("bot hears alice")
        .expect("a message");
    assert_eq!(got["text"], "hello bot");
    support::eventually("traffic rows from both nodes", || async {
        let rows = traffic(&h, json!({ "kinds": ["room_add"] })).await;
        let nodes: Vec<&str> = rows.iter().filter_map(|r| r["node"].as_str()).collect();
        (nodes.contains(&"a") && nodes.contains(&"b")).then_some(())
    })
    .await;

    // A push by hand to the room reaches the members on both nodes, each once.
    let mut alice_heard = alice.events("message", 8);
    let payload = json!({ "room": "ops", "text": "from the console", "from": "ops" });
    let (status, record) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "rooms", "rooms": ["ops"] }, "name": "message", "payload": payload }),
        )
        .await;
    assert_eq!(status, 200, "{record}");
    for (who, rx) in [("alice", &mut alice_heard), ("bot", &mut heard)] {
        let got = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let m = rx.recv().await.expect("a message");
                if m["text"] == "from the console" {
                    return m;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{who} receives the console's push"));
        assert_eq!(got, payload);
    }

    // SIGKILL b: shown lost (its connection no longer claimed), its rows kept.
    b.kill();
    let lost = link_of(&h, "b", "b shown lost", |l| {
        l["state"] == "lost" || l["state"] == "reconnecting"
    })
    .await;
    assert_eq!(lost["id"], first_b["id"], "the same link, not a new one");
    let page: Value = h.get("/api/connections").await;
    assert_eq!(page["total"], 1, "only alice is live: {page}");
    let kept = traffic(&h, json!({ "nodes": ["b"], "kinds": ["room_add"] })).await;
    assert!(!kept.is_empty(), "b's rows stay queryable");

    // b restarts with the same id on another inspector port: discovery retargets its link.
    let b2 = NodeProcess::start("b", &redis_url).await;
    let again = link_of(&h, "b", "b attached again", |l| {
        l["state"] == "attached" && l["attaches"] == 2
    })
    .await;
    assert_eq!(again["id"], first_b["id"]);
    let _bot2 = b2.client("agent", "bot2").await;
    support::eventually("the restarted b's connection listed", || async {
        let page: Value = h.get("/api/connections?node=b").await;
        (page["rows"][0]["user"] == "bot2").then_some(())
    })
    .await;

    // Redis stops: discovery pauses; the inspectors do not go through Redis, so both nodes
    // stay attached. Redis comes back: discovery follows again.
    redis.stop();
    support::eventually("discovery paused", || async {
        let list = links(&h).await;
        (list["discovery"]["state"] == "paused").then_some(())
    })
    .await;
    let list = links(&h).await;
    let states: Vec<&str> = list["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["attached", "attached"], "{list}");
    redis.restart();
    support::eventually("discovery follows again", || async {
        let list = links(&h).await;
        (list["discovery"]["state"] == "following").then_some(())
    })
    .await;

    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_left_is_forgotten_and_one_removed_by_hand_stays_removed() {
    let redis = RedisServer::start();
    let redis_url = redis.url();
    let mut a = NodeProcess::start("a", &redis_url).await;
    let _b = NodeProcess::start("b", &redis_url).await;
    let h = support::start_attached(Vec::new()).await;
    let adapter = RedisAdapter::connect(RedisConfig::new(redis_url.clone()))
        .await
        .expect("redis adapter");
    let mut discovery = Discovery::new(Arc::new(adapter), redis_url, TOKEN.into());
    discovery.every = Duration::from_millis(100);
    discovery.forget_after = Duration::from_millis(500);
    h.core.attached().expect("attach mode").discover(discovery);
    link_of(&h, "a", "a attached", |l| l["state"] == "attached").await;
    let b = link_of(&h, "b", "b attached", |l| l["state"] == "attached").await;

    // Removed by hand: b stays in presence, and discovery does not bring it back.
    let (status, _) = h.delete(&format!("/api/nodes/{}", b["id"])).await;
    assert_eq!(status, 200);
    // Several listings later (b advertised in each), b is still not followed.
    let seen = links(&h).await["discovery"]["listings"].as_u64().unwrap();
    support::eventually("discovery listed several times since", || async {
        let list = links(&h).await;
        (list["discovery"]["listings"].as_u64()? >= seen + 3
            && list["discovery"]["advertised"] == 2)
            .then_some(())
    })
    .await;
    let list = links(&h).await;
    let nodes: Vec<&str> = list["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["node"].as_str())
        .collect();
    assert_eq!(nodes, vec!["a"], "{list}");

    // a is killed: its record expires, it is listed lost, then dropped from the list.
    a.kill();
    support::eventually(
        "a dropped from the list once gone from presence",
        || async {
            let list = links(&h).await;
            list["nodes"].as_array()?.is_empty().then_some(())
        },
    )
    .await;
    h.stop().await;
}
