//! Presence: counts, connections, users, rooms and topology across nodes.

use serde_json::json;

use crate::harness::*;
use crate::on_every_transport;
use crate::support::*;

async fn presence_reads_the_whole_cluster(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let mut x = Raw::user(&nodes[0].running, "xena").await;
    let _y1 = Raw::agent(&nodes[1].running, "yuri").await;
    let _y2 = Raw::agent(&nodes[1].running, "yuri").await;
    x.request(1, "join", json!({"room":"r"})).await;
    let view = nodes[1].srv().cluster();
    let deadline = tokio::time::Instant::now() + WAIT;
    while view.count().await.unwrap() != 3 || view.room("r").await.unwrap().len() != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "presence never converged"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let conns = view.connections().await.unwrap();
    assert_eq!(conns.len(), 3);
    let xena = conns.iter().find(|c| c.user == "xena").unwrap();
    assert_eq!((xena.role.as_str(), xena.node.as_str()), ("user", "a"));
    assert_eq!(xena.rooms, vec!["r"]);
    assert!(xena.connected_at_us > 0);
    assert_eq!(view.by_user("yuri").await.unwrap().len(), 2);
    assert!(view.is_online("xena").await.unwrap());
    assert!(!view.is_online("nobody").await.unwrap());
    let topo = view.topology().await.unwrap();
    let summary: Vec<(String, usize, bool, bool)> = topo
        .into_iter()
        .map(|n| (n.id, n.connections, n.alive, n.is_self))
        .collect();
    assert_eq!(
        summary,
        vec![("a".into(), 1, true, false), ("b".into(), 2, true, true)]
    );
    // A clean shutdown takes the node out at once.
    let mut nodes = nodes;
    let b = nodes.pop().unwrap();
    let a = nodes.pop().unwrap();
    b.running.shutdown().await.unwrap();
    let view = a.srv().cluster();
    let deadline = tokio::time::Instant::now() + WAIT;
    while view.nodes().await.unwrap().len() != 1 {
        assert!(tokio::time::Instant::now() < deadline, "node b never left");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let srv = a.srv().clone();
    eventually("peer b forgotten", move || srv.cluster_peers().is_empty()).await;
}
on_every_transport!(presence_reads_the_whole_cluster);
