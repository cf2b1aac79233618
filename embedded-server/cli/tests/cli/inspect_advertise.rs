//! `switchboard-server --redis ... --inspect ...` publishes where its inspector is reached in
//! the cluster's presence, as `--inspect-advertise` says when the listen address is a
//! wildcard, and never the token.

use crate::harness::*;
use crate::spawn::spawn_binary;
use switchboard_testkit::eventually_some;

#[tokio::test]
async fn a_node_advertises_its_inspector_in_cluster_presence_without_the_token() {
    let mut t = Transport::redis();
    let redis_url = t.redis_mut().url();
    let a = node(&t, "a").await;
    let (mut child, _url) = spawn_binary(&[
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--node-id",
        "b",
        "--redis",
        &redis_url,
        "--inspect",
        "0.0.0.0:0",
        "--inspect-token",
        "cluster-secret-token",
        "--inspect-advertise",
        "10.9.8.7:7071",
    ])
    .await;
    let record = eventually_some("b's record", || async {
        let nodes = a.srv().cluster().nodes().await.ok()?;
        nodes.into_iter().find(|n| n.id == "b")
    })
    .await;
    assert_eq!(record.inspector.as_deref(), Some("ws://10.9.8.7:7071/"));
    let raw = serde_json::to_string(&record).unwrap();
    assert!(!raw.contains("cluster-secret-token"), "{raw}");
    // Node a has no inspector: it advertises none.
    let mine = a.srv().cluster().nodes().await.unwrap();
    let a_record = mine.iter().find(|n| n.id == "a").unwrap();
    assert_eq!(a_record.inspector, None);
    child.kill().unwrap();
    let _ = child.wait();
}
