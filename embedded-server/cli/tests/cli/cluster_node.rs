//! A real `switchboard-server` process joins a cluster over a real redis-server, serves the
//! demo across nodes, and leaves the presence registry within its TTL once killed.

use serde_json::json;

use crate::harness::*;
use crate::spawn::spawn_binary;
use crate::support::*;

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
    // The other direction needs b to know that a wants room ops. `knows` can only look inside
    // a, and b learns it from a's announcements (a delta at the join, the whole set at every
    // heartbeat), so bot says it again until alice hears it, within the usual wait.
    let heard = tokio::time::timeout(WAIT, async {
        for i in 2u64.. {
            bot.request(i, "say", json!({"room":"ops","text":"hello alice"}))
                .await;
            let next =
                tokio::time::timeout(std::time::Duration::from_secs(1), alice.next_of("evt"));
            if let Ok((f, _)) = next.await {
                return f;
            }
        }
        unreachable!()
    })
    .await
    .expect("alice hears bot across the nodes");
    assert_eq!(
        heard["d"],
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
